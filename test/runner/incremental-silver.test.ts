import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import { partsPrefix, referencedKeys } from '../../runner/lake/partition-files.js';
import { UNKNOWN_PARTITION } from '../../runner/lake/partitions.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import type { SilverMeta } from '../../runner/silver/silver-step.js';
import { createFixture, fullDataDir, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * The partitioned, incremental silver on the real data: files fed in batches (out of date order, a batch of only
 * copies of old lines, a re-ingested changed file) end with exactly the silver of one full run, row by row; each
 * run writes files only for the partitions its rows touch; pruning keeps the files retained versions share.
 */
const SILVER_TABLES = ['sales_lines', 'quarantine', 'duplicates', 'countries', 'fx_rates'];
const PREFIX = partsPrefix('silver', 'online_retail');

/** A deterministic shuffle (a fixed-seed LCG), so a failure reproduces. */
function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('incremental silver equals one full run', () => {
  const dir = fullDataDir();
  const read = (n: string): string => fs.readFileSync(path.join(dir, n), 'utf8');
  const names = shuffle(
    fs.readdirSync(dir).filter((x) => x.endsWith('.csv')),
    14,
  );
  let full: Fixture;
  let incr: Fixture;
  const metas: SilverMeta[] = [];
  const summaries: RunSummary[] = [];
  // Batch 3: only copies of lines ingested in batch 1. The file name sorts before every day, so the copies become
  // the kept lines and the old lines turn into duplicates: the kept copy is exact across batches.
  const copies = (): string => {
    const lines = read(names[0]!).trimEnd().split('\n').slice(1, 40);
    const more = read(names[1]!).trimEnd().split('\n').slice(5, 15);
    return [HEADER, ...lines, ...more, lines[0]].join('\n') + '\n';
  };
  // Batch 4: a day of batch 1 re-ingested with its first 20 lines gone and one line moved to a new day.
  const changedName = (): string => names[2]!;
  const changed = (): string => {
    const [, ...rows] = read(changedName()).trimEnd().split('\n');
    const moved = rows[25]!.replace(/,(\d{4}-\d{2}-\d{2}) /, ',2011-12-31 ');
    return [HEADER, ...rows.slice(20, 25), moved, ...rows.slice(26)].join('\n') + '\n';
  };
  const batches: { write: () => void; days: string[] }[] = [];

  const silverMeta = async (f: Fixture): Promise<SilverMeta> =>
    (await createLakeStore({ root: f.lakeDir, dataset: 'online_retail' }).current<SilverMeta>('silver'))!
      .meta;

  beforeAll(async () => {
    full = createFixture('', '    onChangedFile: reingest');
    incr = createFixture('', '    onChangedFile: reingest');
    fs.writeFileSync(
      incr.specFile,
      fs
        .readFileSync(incr.specFile, 'utf8')
        .replace('lake: { uri: ./lake }', 'lake: { uri: ./lake, retainVersions: 2 }'),
    );
    const day = (n: string): string => n.replace('.csv', '');
    const add = (list: string[]) => ({
      write: () => list.forEach((n) => incr.write(n, read(n))),
      days: list.map(day),
    });
    // Quarantined lines: an unreadable date (the unknown partition) and a bad quantity on a real day.
    const bad = [
      HEADER,
      '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,not a date,2.55,17850.0,United Kingdom',
      '536365,71053,WHITE METAL LANTERN,six,2011-06-15 08:26:00,3.39,17850.0,United Kingdom',
    ].join('\n');
    const second = add(names.slice(90, 200));
    batches.push(add(names.slice(0, 90)), {
      write: () => {
        second.write();
        incr.write('bad-lines.csv', bad + '\n');
      },
      days: [...new Set([...second.days, '2011-06-15'])],
    });
    full.write('bad-lines.csv', bad + '\n');
    batches.push({
      write: () => incr.write('0-copies.csv', copies()),
      days: [day(names[0]!), day(names[1]!)],
    });
    batches.push({
      write: () => incr.write(changedName(), changed()),
      days: [day(changedName()), '2011-12-31'],
    });
    batches.push(add(names.slice(200)));

    for (const n of names) full.write(n, read(n));
    full.write('0-copies.csv', copies());
    full.write(changedName(), changed());
    const once = await full.run({ steps: ['bronze', 'silver'] });
    expect(once.status, JSON.stringify(once.steps.silver)).toBe('Succeeded');

    for (const b of batches) {
      b.write();
      const s = await incr.run({ steps: ['bronze', 'silver'] });
      expect(s.status, JSON.stringify(s.steps.silver)).toBe('Succeeded');
      summaries.push(s);
      metas.push(await silverMeta(incr));
    }
  });
  afterAll(() => {
    full?.cleanup();
    incr?.cleanup();
  });

  it.each(SILVER_TABLES)('silver %s is identical, row by row', async (table) => {
    const a = await full.silverTable(table);
    const b = await incr.silverTable(table);
    const cols = await full.query(`DESCRIBE SELECT * FROM ${a}`);
    const sel = cols.some((c) => c.column_name === 'ingest_run_id') ? '* EXCLUDE (ingest_run_id)' : '*';
    const [r] = await full.query(`SELECT
      (SELECT count(*) FROM ${a}) AS n,
      (SELECT count(*) FROM (SELECT ${sel} FROM ${a} EXCEPT ALL SELECT ${sel} FROM ${b})) AS missing,
      (SELECT count(*) FROM (SELECT ${sel} FROM ${b} EXCEPT ALL SELECT ${sel} FROM ${a})) AS extra`);
    expect(Number(r!.n)).toBeGreaterThan(0);
    expect({ missing: Number(r!.missing), extra: Number(r!.extra) }).toEqual({ missing: 0, extra: 0 });
  });

  it('keeps the whole-history counts and partition map of the full run', async () => {
    const once = await silverMeta(full);
    const last = metas.at(-1)!;
    expect(last.counts).toEqual(once.counts);
    expect(Object.keys(last.partitions)).toEqual(Object.keys(once.partitions));
    for (const [k, p] of Object.entries(once.partitionState))
      expect(last.partitionState[k]!.counts, k).toEqual(p.counts);
    expect(once.touched.full).toBe(true);
    // The copies became kept lines and their old copies duplicates; the changed file's removed lines are gone.
    expect(once.counts.duplicates).toBeGreaterThan(0);
    expect(Object.keys(once.partitions)).toContain('2011-12-31');
  });

  it('recomputes only the partitions a batch touches, sharing the others', () => {
    expect(metas[0]!.touched.full).toBe(true);
    for (let i = 1; i < metas.length; i++) {
      const [before, after] = [metas[i - 1]!, metas[i]!];
      const touched = after.touched;
      expect(touched.full, `batch ${i}`).toBe(false);
      expect(summaries[i]!.steps.silver!.status).toBe('Succeeded');
      // Exactly the batch's days (plus the unknown partition when its rows have unreadable dates).
      expect(
        touched.keys.filter((k) => k !== UNKNOWN_PARTITION),
        `batch ${i}`,
      ).toEqual([...batches[i]!.days].sort());
      for (const [k, p] of Object.entries(after.partitions)) {
        if (touched.keys.includes(k)) expect(p.builtBy, k).toBe(after.runId);
        else expect(p, k).toEqual(before.partitions[k]);
      }
      const newFiles = referencedKeys(after, PREFIX).filter((k) => k.endsWith(`/${after.runId}.parquet`));
      expect(new Set(newFiles.map((k) => /business_date=([^/]+)/.exec(k)![1]))).toEqual(
        new Set(touched.keys.filter((k) => after.partitions[k])),
      );
    }
  });

  it('prunes versions out of retainVersions but keeps every file a retained version shares', async () => {
    const lake = createLakeStore({ root: incr.lakeDir, dataset: 'online_retail' });
    const versions = await lake.versions('silver');
    expect(versions).toEqual(metas.slice(-2).map((m) => m.runId));
    const referenced = new Set(metas.slice(-2).flatMap((m) => referencedKeys(m, PREFIX)));
    const stored = (await lake.storage.list(PREFIX)).map((o) => o.key);
    // Nothing referenced is missing, nothing unreferenced is left, and the oldest run's files are still shared.
    expect(new Set(stored)).toEqual(referenced);
    expect(stored.some((k) => k.endsWith(`/${metas[0]!.runId}.parquet`))).toBe(true);
    // The previous (retained) version still reads whole: inspect --version goes through the same tableFiles.
    const prev = (await lake.version('silver', versions[0]!))!;
    const files = await lake.tableFiles('silver', prev, 'sales_lines');
    const [n] = await incr.query(
      `SELECT count(*) AS n FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`,
    );
    expect(Number(n!.n)).toBe(metas.at(-2)!.counts.silverRows);
  });
});
