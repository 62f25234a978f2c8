import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every command ends a failure with `error [CODE]: message` and `hint: ...`, exit 1 or 2, and never a stack trace.
 * Spawns the compiled bin (`npm run build` first), because a stack trace is what Node prints when an error escapes
 * main(), which an in-process test cannot see.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const SPEC = path.join(repo, 'examples/online-retail/pipeline.yaml');

interface Result {
  code: number | null;
  out: string;
  err: string;
}

function medallion(argv: string[], env: Record<string, string>, cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin/medallion.js'), ...argv], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, MEDALLION_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // A command that does not fail serves until stopped: stop it, and the assertions below say why.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const expectCliError = (r: Result, code: string, exit: 1 | 2 = 1): void => {
  const all = `${r.err}\n${r.out}`;
  expect(all, all).not.toMatch(/^\s+at /m);
  expect(r.err, all).toMatch(new RegExp(`^error \\[${code}\\]: `, 'm'));
  expect(r.err, all).toMatch(/^hint: \S/m);
  expect(r.code, all).toBe(exit);
};

describe('CLI failures are reported, not thrown', () => {
  let dir: string;
  const mysql = { DATABASE_URL: 'mysql://x' };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-cli-errors-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['db migrate', ['db', 'migrate', '-f', SPEC]],
    ['db start', ['db', 'start', '-f', SPEC]],
    ['token create-key', ['token', 'create-key', '--name', 'ci', '--role', 'viewer', '-f', SPEC]],
    ['api', ['api', '--port', '0', '-f', SPEC]],
  ])('%s with a DATABASE_URL that is not PostgreSQL', async (_name, argv) => {
    expectCliError(await medallion(argv, mysql, dir), 'WAREHOUSE_CONFIG');
  });

  it('validate with an invalid MEDALLION_LOG_LEVEL', async () => {
    const r = await medallion(['validate', '-f', SPEC], { MEDALLION_LOG_LEVEL: 'verbose' }, dir);
    expectCliError(r, 'CONFIG_INVALID');
    expect(r.err).toMatch(/MEDALLION_LOG_LEVEL/);
  });

  it('an invalid spec still names its code', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      'apiVersion: medallion.dev/v1alpha1\nkind: Pipeline\nmetadata: { name: x }\nspec: {}\n',
    );
    expectCliError(await medallion(['validate', '-f', bad], {}, dir), 'SPEC_INVALID', 2);
  });
});
