import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import {
  compareLakeTables,
  GOLD_TABLE_NAMES,
  openLakeReader,
  SILVER_TABLES,
  type LakeReader,
} from '../helpers/lake-equivalence.js';

/**
 * engine.type spark against the embedded DuckDB engine on the full real data (305 files, 541,909 rows): silver
 * (sales_lines, quarantine with rule ids and messages, duplicates, lookups) equal row by row, compared by DuckDB
 * with EXCEPT ALL both ways, DECIMAL money exact. Gold is computed on DuckDB from each lake, which shows the Spark
 * run's lake layout reads unchanged downstream.
 */
describe('silver on Spark (local[2]) equals silver on DuckDB, full data', () => {
  let duck: Fixture;
  let spark: Fixture;
  let duckRun: RunSummary;
  let sparkRun: RunSummary;
  let a: LakeReader;
  let b: LakeReader;
  const seconds: Record<string, number> = {};

  beforeAll(async () => {
    const sourceUri = fullDataDir();
    duck = createFixture();
    spark = createFixture(`  engine: { type: spark, spark: { master: 'local[2]', driver: { memory: 2g } } }`);
    const time = async (name: string, f: () => Promise<RunSummary>): Promise<RunSummary> => {
      const t0 = performance.now();
      const r = await f();
      seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
      return r;
    };
    duckRun = await time('duckdb', () => duck.run({ sourceUri }));
    sparkRun = await time('spark', () => spark.run({ sourceUri, sparkHome: inject('sparkHome') }));
    console.log(
      `full data, bronze+silver+gold: duckdb ${seconds.duckdb} s (silver ${duckRun.steps.silver?.durationMs} ms), ` +
        `spark ${seconds.spark} s (silver ${sparkRun.steps.silver?.durationMs} ms, Spark start included)`,
    );
    a = await openLakeReader(duck.specFile);
    b = await openLakeReader(spark.specFile);
  });
  afterAll(() => {
    duck?.cleanup();
    spark?.cleanup();
  });

  it('both runs succeed with the same silver counts', () => {
    expect(duckRun.status, JSON.stringify(duckRun.error)).not.toBe('Failed');
    expect(sparkRun.status, JSON.stringify(sparkRun.error)).toBe(duckRun.status);
    const pick = (r: RunSummary) => {
      const s = r.steps.silver!;
      return [s.rowsIn, s.rowsOut, s.quarantined, s.duplicatesRemoved, s.lineTypes, s.quarantineByRule];
    };
    expect(pick(sparkRun)).toEqual(pick(duckRun));
    expect(duckRun.steps.silver!.rowsIn).toBe(541_909);
    expect(duckRun.steps.silver!.duplicatesRemoved).toBeGreaterThan(5_000);
    expect(duckRun.steps.silver!.quarantined).toBeGreaterThan(0);
  });

  it.each(SILVER_TABLES)('silver %s is equal row by row', async (table) => {
    const d = await compareLakeTables(a, b, 'silver', table);
    expect(d.sample).toEqual([]);
    expect(d.differing).toBe(0);
    expect(d.rowsB).toBe(d.rowsA);
    expect(d.rowsA).toBeGreaterThan(0);
  });

  it('money to the cent, quarantine rule ids and messages per rule', async () => {
    const q = async (f: Fixture) => ({
      money: await f.query(
        `SELECT sum(line_amount)::VARCHAR AS amount, sum(quantity) AS units, count(DISTINCT invoice_no) AS invoices
         FROM ${await f.silverTable('sales_lines')}`,
      ),
      rules: await f.query(
        `SELECT rule_id, message, count(*) AS n FROM ${await f.silverTable('quarantine')}
         GROUP BY ALL ORDER BY ALL`,
      ),
    });
    const [x, y] = [await q(duck), await q(spark)];
    expect(y).toEqual(x);
    expect(x.rules.length).toBeGreaterThan(0);
    expect(x.rules.every((r) => typeof r.rule_id === 'string' && typeof r.message === 'string')).toBe(true);
  });

  it.each(GOLD_TABLE_NAMES)('gold %s (DuckDB over each silver) is equal', async (table) => {
    const d = await compareLakeTables(a, b, 'gold', table);
    expect(d.differing).toBe(0);
    expect(d.rowsB).toBe(d.rowsA);
  });
});
