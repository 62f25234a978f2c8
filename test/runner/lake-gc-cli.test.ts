import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../examples/online-retail/data');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { MEDALLION_LOG_LEVEL: 'silent', MEDALLION_LOG_FORMAT: 'pretty' },
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Sets a tree's modification times into the past, as if a killed run had left it there long ago. */
function age(p: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) age(path.join(p, e), ms);
  fs.utimesSync(p, t, t);
}

describe('medallion lake gc', () => {
  let f: Fixture;
  const ds = (...p: string[]) => path.join(f.lakeDir, ...p);
  const lostPart = () => ds('bronze/online_retail/parts/zz-lost-race');
  const deadStaging = () => ds('_staging/20200101T000000000Z-dead');

  beforeAll(async () => {
    f = createFixture();
    for (const n of fs.readdirSync(SAMPLE).filter((x) => x.endsWith('.csv')))
      f.write(n, fs.readFileSync(path.join(SAMPLE, n)));
    await f.run();
    const part = fs.readdirSync(ds('bronze/online_retail/parts'))[0]!;
    fs.cpSync(ds('bronze/online_retail/parts', part), lostPart(), { recursive: true });
    fs.mkdirSync(path.join(deadStaging(), 'bronze'), { recursive: true });
    fs.writeFileSync(path.join(deadStaging(), 'bronze/0.csv'), 'x');
    age(lostPart(), 3 * 3600_000);
    age(deadStaging(), 3 * 3600_000);
  });
  afterAll(() => f?.cleanup());

  it('has its own help, and reports a bad --grace in the error/hint format', async () => {
    const h = await cli('lake', 'gc', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Usage: medallion lake gc/);
    expect((await cli('--help')).out).toMatch(/^ {2}lake /m);
    const bad = await cli('lake', 'gc', '-f', f.specFile, '--grace', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error \[USAGE\]: --grace soon is not a duration$/m);
    expect(bad.err).toMatch(/^hint: /m);
  });

  it('spares orphans younger than the grace period', async () => {
    const r = await cli('lake', 'gc', '-f', f.specFile, '--grace', '4h');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/nothing to collect/);
  });

  it('a dry run lists kind, location, size and age with a total, and deletes nothing', async () => {
    const r = await cli('lake', 'gc', '-f', f.specFile, '--grace', '1h');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^KIND\s+LOCATION\s+SIZE\s+AGE$/m);
    expect(r.out).toMatch(
      /^bronze-part\s+bronze\/online_retail\/parts\/zz-lost-race\/\s+[\d.]+ (B|KiB|MiB)\s+3h$/m,
    );
    expect(r.out).toMatch(/^staging\s+\S*20200101T000000000Z-dead\s+1 B\s+3h$/m);
    expect(r.out).toMatch(/would delete 2 orphans, [\d.]+ KiB \(dry run: nothing deleted/);
    expect(fs.existsSync(lostPart())).toBe(true);
    expect(fs.existsSync(deadStaging())).toBe(true);
  });

  it('--apply deletes them, and a fresh run afterwards still succeeds', async () => {
    const r = await cli('lake', 'gc', '-f', f.specFile, '--grace', '1h', '--apply');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/deleted 2 orphans/);
    expect(fs.existsSync(lostPart())).toBe(false);
    expect(fs.existsSync(deadStaging())).toBe(false);
    expect((await cli('lake', 'gc', '-f', f.specFile, '--grace', '0')).out).toMatch(/nothing to collect/);
    const again = await f.run();
    expect(again.status).toBe('Succeeded');
    expect(again.steps.bronze!.note).toBe('no new files');
  });
});
