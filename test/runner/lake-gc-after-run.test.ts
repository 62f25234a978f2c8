import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummaryTable } from '../../runner/run/run-summary.js';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../examples/online-retail/data');
const HOUR = 3600_000;

/** Sets a tree's modification times into the past, as if a killed run had left it there long ago. */
function age(p: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) age(path.join(p, e), ms);
  fs.utimesSync(p, t, t);
}

/** A successful run collects the lake's garbage older than the default grace period (6 h), and only that. */
describe('lake gc after a run', () => {
  let f: Fixture;
  const ds = (...p: string[]) => path.join(f.lakeDir, ...p);
  const oldPart = () => ds('bronze/online_retail/parts/zz-old-lost-race');
  const youngPart = () => ds('bronze/online_retail/parts/zz-young-lost-race');
  const oldStaging = () => ds('_staging/20200101T000000000Z-dead');
  const youngStaging = () => ds('_staging/20200101T000000000Z-in-flight');

  beforeAll(async () => {
    f = createFixture();
    for (const n of fs.readdirSync(SAMPLE).filter((x) => x.endsWith('.csv')))
      f.write(n, fs.readFileSync(path.join(SAMPLE, n)));
    expect((await f.run()).lakeGc?.removed).toEqual([]);
    const part = fs.readdirSync(ds('bronze/online_retail/parts'))[0]!;
    fs.cpSync(ds('bronze/online_retail/parts', part), oldPart(), { recursive: true });
    fs.cpSync(ds('bronze/online_retail/parts', part), youngPart(), { recursive: true });
    for (const dir of [oldStaging(), youngStaging()]) {
      fs.mkdirSync(path.join(dir, 'bronze'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'bronze/0.csv'), 'x');
    }
    age(oldPart(), 7 * HOUR);
    age(oldStaging(), 7 * HOUR);
    age(youngPart(), 5 * HOUR);
    age(youngStaging(), 5 * HOUR);
  });
  afterAll(() => f?.cleanup());

  it('removes orphans older than 6 h, keeps younger ones, and reports what it removed', async () => {
    const s = await f.run();
    expect(s.status).toBe('Succeeded');
    expect(s.steps.bronze!.note).toBe('no new files');
    expect(fs.existsSync(oldPart())).toBe(false);
    expect(fs.existsSync(oldStaging())).toBe(false);
    expect(fs.existsSync(youngPart())).toBe(true);
    expect(fs.existsSync(youngStaging())).toBe(true);
    expect(s.lakeGc?.graceMs).toBe(6 * HOUR);
    expect([...s.lakeGc!.removed].sort()).toEqual([
      'bronze-part bronze/online_retail/parts/zz-old-lost-race/',
      `staging ${oldStaging()}`,
    ]);
    expect(s.lakeGc!.deletedBytes).toBeGreaterThan(1);
    expect(formatSummaryTable(s)).toMatch(/^lake gc: removed 2 orphans \(\d+ bytes\)$/m);
    // The committed lake is untouched: the next run still has nothing new and the same KPIs.
    const again = await f.run();
    expect(again.kpis).toEqual(s.kpis);
    expect(again.lakeGc?.removed).toEqual([]);
  });

  it('spec.lake.gcGraceHours sets the grace period', async () => {
    const spec = fs.readFileSync(f.specFile, 'utf8');
    fs.writeFileSync(
      f.specFile,
      spec.replace('lake: { uri: ./lake }', 'lake: { uri: ./lake, gcGraceHours: 4 }'),
    );
    try {
      const s = await f.run();
      expect(s.lakeGc?.graceMs).toBe(4 * HOUR);
      expect([...s.lakeGc!.removed].sort()).toEqual([
        'bronze-part bronze/online_retail/parts/zz-young-lost-race/',
        `staging ${youngStaging()}`,
      ]);
      expect(fs.existsSync(youngPart())).toBe(false);
    } finally {
      fs.writeFileSync(f.specFile, spec);
    }
  });

  it('a failing housekeeping is a warning, never a failed run', async () => {
    // A staging entry gc cannot stat: a dangling symlink makes the collector throw.
    fs.symlinkSync(ds('no-such-target'), ds('_staging/zz-dangling'));
    const s = await f.run();
    expect(s.status).toBe('Succeeded');
    expect(s.lakeGc?.warning).toMatch(/ENOENT/);
    expect(formatSummaryTable(s)).toMatch(/^lake gc skipped: .*ENOENT/m);
  });
});
