import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * A source directory the runner may not read is an error with its own code, not "no files". The CLI runs as an
 * unprivileged user (nobody) when the test runs as root, since root reads through any mode bits; otherwise as
 * the current user, for whom mode 000 denies.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const ROW = '536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom';

let f: Fixture;
let locked: string;

/** `medallion run -f <spec> --steps bronze <args>` as the unprivileged user. */
const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  const argv = [path.join(repo, 'bin/medallion.js'), 'run', '-f', f.specFile, '--steps', 'bronze', ...args];
  const [file, fileArgs] = asRoot
    ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, ...argv]]
    : [process.execPath, argv];
  return promisify(execFile)(file, fileArgs, {
    env: { PATH: process.env.PATH, HOME: f.dir, MEDALLION_LOG_LEVEL: 'silent' },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
};

beforeAll(() => {
  f = createFixture();
  f.write('2010-12-01.csv', `${HEADER}\n${ROW}\n`);
  locked = path.dirname(f.write('locked/2010-12-02.csv', `${HEADER}\n${ROW}\n`));
  fs.chmodSync(f.dir, 0o755);
  fs.mkdirSync(f.lakeDir);
  if (asRoot) {
    // The runner (nobody) owns its lake; the locked directory stays root's with no access for others.
    fs.chownSync(f.lakeDir, NOBODY, NOBODY);
    fs.chmodSync(locked, 0o700);
  } else fs.chmodSync(locked, 0o000);
});

afterAll(() => {
  fs.chmodSync(locked, 0o755);
  f.cleanup();
});

describe('a source the runner may not read', () => {
  it('really is unreadable for the runner', async () => {
    const r = await promisify(execFile)(
      ...((asRoot
        ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'ls', locked]]
        : ['ls', [locked]]) as [string, string[]]),
    ).then(
      () => 'listed',
      (e: { stderr: string }) => e.stderr,
    );
    expect(r).toMatch(/Permission denied/);
  });

  it.each([
    ['a directory', './source'],
    ['a glob', './source/**/*.csv'],
  ])('fails the run with SOURCE_UNREADABLE for %s, naming the path and the errno', async (_, uri) => {
    const r = await cli('--source-uri', path.join(f.dir, uri));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(`error [SOURCE_UNREADABLE]: cannot read source path ${locked}: EACCES`);
    expect(r.stderr).toMatch(/hint: The user running medallion lacks permission/);
    // Nothing was ingested: the readable file waits for the next run rather than half a batch going in.
    expect(fs.existsSync(path.join(f.lakeDir, 'bronze/online_retail/manifest.json'))).toBe(false);
  });
});
