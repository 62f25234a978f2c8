import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datesBetween } from '../../runner/lake/date-set.js';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import { UNKNOWN_PARTITION } from '../../runner/lake/partitions.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import type { SilverMeta } from '../../runner/silver/silver-step.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * `medallion run --partitions` on real data (2011-02-20..2011-04-10): a backfill of March with two partitions failing
 * by fault injection recomputes exactly March's other partitions from silver's row store, their rows equal the full
 * run's row for row, the failed two and every other partition keep their files, and gold follows the changed ones.
 */
const MARCH = datesBetween('2011-03-01', '2011-03-31');
const FAIL = ['2011-03-08', '2011-03-15'];

describe('medallion run --partitions (backfill)', () => {
  let f: Fixture;
  let before: SilverMeta;
  let after: SilverMeta;
  let summary: RunSummary;
  const snapshots = new Map<string, string>();

  const silverMeta = async (): Promise<SilverMeta> =>
    (await createLakeStore({ root: f.lakeDir, dataset: 'online_retail' }).current<SilverMeta>('silver'))!
      .meta;
  /** A partition's sales lines as sorted JSON (every column), read from the file the meta names. */
  const lines = async (m: SilverMeta, key: string): Promise<string> => {
    const file = m.partitions[key]?.tables.sales_lines?.key;
    if (!file) return '[]';
    const rows = await f.query(
      `SELECT * FROM read_parquet('${path.join(f.lakeDir, file)}') ORDER BY source_file, source_line`,
    );
    return JSON.stringify(rows);
  };

  beforeAll(async () => {
    f = createFixture();
    const dir = fullDataDir();
    for (const n of fs.readdirSync(dir).filter((x) => x >= '2011-02-20' && x < '2011-04-11.csv'))
      f.write(n, fs.readFileSync(path.join(dir, n)));
    const first = await f.run({ steps: ['bronze', 'silver', 'gold'] });
    expect(first.status).toBe('Succeeded');
    before = await silverMeta();
    for (const d of MARCH) snapshots.set(d, await lines(before, d));
    summary = await f.run({
      steps: ['bronze', 'silver', 'gold'],
      partitions: MARCH,
      failPartitions: FAIL,
    });
    after = await silverMeta();
  }, 300_000);
  afterAll(() => f?.cleanup());

  it('lists every partition outcome and ends Failed because two partitions failed', () => {
    expect(summary.status).toBe('Failed');
    expect(summary.error).toBeUndefined();
    expect(summary.steps.bronze?.note).toMatch(/backfill/);
    expect(summary.backfill).toEqual({
      requested: '2011-03-01..2011-03-31',
      succeeded: '2011-03-01..2011-03-07,2011-03-09..2011-03-14,2011-03-16..2011-03-31',
      failed: [{ dates: '2011-03-08,2011-03-15', reason: expect.stringMatching(/injected fault/) }],
      counts: { requested: 31, succeeded: 29, failed: 2 },
    });
  });

  it('recomputes only the requested partitions that succeeded, from the rows already ingested', () => {
    const recomputed = Object.keys(after.partitions).filter(
      (k) => after.partitions[k]!.builtBy === summary.runId,
    );
    const expected = MARCH.filter((d) => before.partitions[d] && !FAIL.includes(d));
    expect(expected.length).toBeGreaterThan(20);
    expect(recomputed).toEqual(expected);
    expect(after.touched).toEqual({ full: false, keys: expected });
    // Nothing new read from bronze: same manifest, same file index.
    expect(after.bronzeVersion).toBe(before.bronzeVersion);
    expect(after.files).toEqual(before.files);
    for (const k of Object.keys(before.partitions)) {
      if (expected.includes(k)) {
        expect(after.partitions[k]!.tables.sales_lines?.key).not.toBe(
          before.partitions[k]!.tables.sales_lines?.key,
        );
      } else expect(after.partitions[k], k).toEqual(before.partitions[k]);
    }
    expect(Object.keys(after.partitions)).toEqual(Object.keys(before.partitions));
    expect(after.counts).toEqual(before.counts);
  });

  it("gives the recomputed partitions exactly the full run's rows", async () => {
    for (const d of MARCH) expect(await lines(after, d), d).toBe(snapshots.get(d));
    // Non-empty: the comparison compares something.
    expect(JSON.parse(snapshots.get('2011-03-01')!).length).toBeGreaterThan(100);
  });

  it('lets gold recompute the partitions silver changed, and only those', () => {
    const silver = summary.steps.silver?.partitions as { keys: string[] };
    const gold = summary.steps.gold?.partitions as { full: boolean; keys: string[] };
    expect(gold.full).toBe(false);
    expect(gold.keys.filter((k) => k !== UNKNOWN_PARTITION)).toEqual(silver.keys);
    expect(summary.steps.gold?.status).toBe('Succeeded');
  });
});
