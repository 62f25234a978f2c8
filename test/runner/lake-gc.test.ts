import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectLakeGarbage } from '../../runner/lake/lake-gc.js';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../examples/online-retail/data');

describe('lake gc', () => {
  let f: Fixture;
  const lake = () => createLakeStore({ root: f.lakeDir, dataset: 'online_retail' });
  const ds = (...p: string[]) => path.join(f.lakeDir, ...p);

  beforeAll(async () => {
    f = createFixture();
    for (const n of fs.readdirSync(SAMPLE).filter((x) => x.endsWith('.csv')))
      f.write(n, fs.readFileSync(path.join(SAMPLE, n)));
    await f.run();
    // What lost races and killed runs leave: a part no manifest names, a version CURRENT never named, staging.
    const part = fs.readdirSync(ds('bronze/online_retail/parts'))[0]!;
    fs.cpSync(ds('bronze/online_retail/parts', part), ds('bronze/online_retail/parts', 'zz-lost-race'), {
      recursive: true,
    });
    const current = JSON.parse(fs.readFileSync(ds('silver/online_retail/CURRENT'), 'utf8')) as {
      version: string;
    };
    fs.cpSync(
      ds('silver/online_retail/versions', current.version),
      ds('silver/online_retail/versions/zz-orphan'),
      {
        recursive: true,
      },
    );
    // A partition file a failed run uploaded but never published (the zz-orphan copy shares the real ones).
    const day = fs.readdirSync(ds('silver/online_retail/parts/sales_lines'))[0]!;
    const dayDir = ds('silver/online_retail/parts/sales_lines', day);
    fs.copyFileSync(
      path.join(dayDir, fs.readdirSync(dayDir)[0]!),
      path.join(dayDir, 'zz-failed-run.parquet'),
    );
    fs.mkdirSync(ds('_staging/20200101T000000000Z-dead/bronze'), { recursive: true });
    fs.writeFileSync(ds('_staging/20200101T000000000Z-dead/bronze/0.csv'), 'x');
  });
  afterAll(() => f?.cleanup());

  it('spares young orphans: they may belong to a run in flight', async () => {
    const r = await collectLakeGarbage(lake(), { retain: 5 });
    expect(r.orphans).toEqual([]);
  });

  it('a dry run lists the orphans and deletes nothing', async () => {
    const r = await collectLakeGarbage(lake(), { retain: 5, graceMs: 0 });
    expect(r.dryRun).toBe(true);
    expect(r.orphans.map((o) => [o.kind, path.basename(o.location)]).sort()).toEqual([
      ['bronze-part', 'zz-lost-race'],
      ['layer-version', 'zz-orphan'],
      ['partition-file', 'zz-failed-run.parquet'],
      ['staging', '20200101T000000000Z-dead'],
    ]);
    expect(r.orphans.every((o) => o.bytes > 0)).toBe(true);
    expect(fs.existsSync(ds('bronze/online_retail/parts/zz-lost-race'))).toBe(true);
  });

  it('deletes exactly the orphans; the published lake is untouched and the next run finds nothing to do', async () => {
    const before = JSON.parse(fs.readFileSync(ds('bronze/online_retail/manifest.json'), 'utf8')) as object;
    const r = await collectLakeGarbage(lake(), { retain: 5, graceMs: 0, dryRun: false });
    expect(r.orphans).toHaveLength(4);
    expect(r.deletedBytes).toBeGreaterThan(0);
    expect((await collectLakeGarbage(lake(), { retain: 5, graceMs: 0 })).orphans).toEqual([]);
    expect(JSON.parse(fs.readFileSync(ds('bronze/online_retail/manifest.json'), 'utf8'))).toEqual(before);
    const [n] = await f.query(`SELECT count(*) AS n FROM ${await f.silverTable('sales_lines')}`);
    expect(Number(n!.n)).toBeGreaterThan(0);
    const again = await f.run();
    expect(again.steps.bronze!.note).toBe('no new files');
    expect(again.steps.silver!.note).toBe('up to date');
  });
});
