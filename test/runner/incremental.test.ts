import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD_TABLES } from '../../runner/gold/gold-sql.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';

/** Rows in one relation and not the other, both ways, ignoring which run ingested a row. */
async function differences(f: Fixture, a: string, b: string): Promise<number> {
  const cols = `* EXCLUDE (ingest_run_id)`;
  const hasRunId = (await f.query(`DESCRIBE SELECT * FROM ${a}`)).some(
    (r) => r.column_name === 'ingest_run_id',
  );
  const sel = hasRunId ? cols : '*';
  const [r] = await f.query(`SELECT
    (SELECT count(*) FROM (SELECT ${sel} FROM ${a} EXCEPT ALL SELECT ${sel} FROM ${b})) +
    (SELECT count(*) FROM (SELECT ${sel} FROM ${b} EXCEPT ALL SELECT ${sel} FROM ${a})) AS n`);
  return Number(r!.n);
}

describe('incremental runs equal one full run', () => {
  let once: Fixture;
  let twice: Fixture;
  let files: string[];

  beforeAll(async () => {
    const dir = fullDataDir();
    files = fs
      .readdirSync(dir)
      .filter((x) => x.endsWith('.csv'))
      .sort()
      .slice(0, 60);
    once = createFixture();
    twice = createFixture();
    for (const name of files) once.write(name, fs.readFileSync(path.join(dir, name)));
    // Batch 1 gets every other file, batch 2 the rest: later batches hold files that sort before earlier ones.
    files.forEach((name, i) =>
      i % 2 === 0 ? twice.write(name, fs.readFileSync(path.join(dir, name))) : undefined,
    );
    await once.run();
    await twice.run();
    files.forEach((name, i) =>
      i % 2 === 1 ? twice.write(name, fs.readFileSync(path.join(dir, name))) : undefined,
    );
    await twice.run();
  });
  afterAll(() => {
    once?.cleanup();
    twice?.cleanup();
  });

  it.each(['sales_lines', 'quarantine', 'duplicates', 'countries', 'fx_rates'])(
    'silver %s is identical',
    async (table) => {
      const [n] = await once.query(`SELECT count(*) AS n FROM ${await once.silverTable(table)}`);
      if (table !== 'quarantine') expect(Number(n!.n)).toBeGreaterThan(0);
      expect(await differences(once, await once.silverTable(table), await twice.silverTable(table))).toBe(0);
    },
  );

  it.each(Object.keys(GOLD_TABLES))('gold %s is identical', async (table) => {
    expect(await differences(once, `'${once.goldFile(table)}'`, `'${twice.goldFile(table)}'`)).toBe(0);
  });

  it('a run with no new files changes nothing', async () => {
    const before = fs.readFileSync(path.join(twice.lakeDir, 'silver/online_retail/CURRENT'), 'utf8');
    const goldBefore = fs.readFileSync(path.join(twice.lakeDir, 'gold/online_retail/CURRENT'), 'utf8');
    const s = await twice.run();
    expect(s.steps.bronze!.note).toBe('no new files');
    expect(fs.readFileSync(path.join(twice.lakeDir, 'silver/online_retail/CURRENT'), 'utf8')).toBe(before);
    expect(fs.readFileSync(path.join(twice.lakeDir, 'gold/online_retail/CURRENT'), 'utf8')).toBe(goldBefore);
  });

  it('keeps older versions readable, up to retainVersions', async () => {
    const versions = fs.readdirSync(path.join(twice.lakeDir, 'gold/online_retail/versions')).sort();
    expect(versions).toHaveLength(2);
    const [older] = versions;
    const [k] = await twice.query(
      `SELECT orders FROM '${path.join(twice.lakeDir, 'gold/online_retail/versions', older!, 'kpis.parquet')}'`,
    );
    const [now] = await twice.query(`SELECT orders FROM '${twice.goldFile('kpis')}'`);
    expect(Number(k!.orders)).toBeLessThan(Number(now!.orders));
  });
});
