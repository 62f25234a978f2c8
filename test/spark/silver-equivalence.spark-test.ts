import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, fullDataDir, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';
import {
  compareLakeTables,
  GOLD_TABLE_NAMES,
  openLakeReader,
  SILVER_TABLES,
  tableSchema,
  tableText,
  type LakeReader,
} from '../helpers/lake-equivalence.js';

const T = '2010-12-01 09:00:00';
/**
 * The real data quarantines nothing, so one more file holds a line for every rule and for the parsing edges where
 * RE2/strptime and java.util.regex/java.time could disagree (whitespace classes, digit counts, signs, bad dates).
 */
const EDGE_CASES = [
  `536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom`,
  `,85123A,X,6,${T},2.55,17850.0,United Kingdom`,
  `536366,22633,X,6,${T},1.85,17850.0,  `,
  `536367,22633,X,six,${T},1.85,17850.0,United Kingdom`,
  `536368,22633,X,6,01/12/2010 08:28,1.85,,United Kingdom`,
  `536369,22633,X,6,${T},1.8.5,,United Kingdom`,
  `536369,22633,X,6,${T},1.1234567,,United Kingdom`,
  `536369,22633,X,1234567890123456789,${T},1.5,,United Kingdom`,
  `536369,22633,X,123456789012345678,${T},1.5,,United Kingdom`,
  `536369,22633,X,6,2010-02-30 10:00:00,1.5,,United Kingdom`,
  `536369,22633,X,6,2010-12-01 9:05:00,1.5,,United Kingdom`,
  `536369,22633,X,6,2010-12-01 09:05,1.5,,United Kingdom`,
  `536369,22633,X,6,2010-12-01 09:05:00 ,1.5,,United Kingdom`,
  `536370,22633,X,0,${T},1.85,,France`,
  `C536371,22633,X,3,${T},1.85,,France`,
  `c536372,22633,X,-3,${T},1.85,,France`,
  `A563185,B,Adjust bad debt,1,${T},11062.06,,United Kingdom`,
  `536374,22633,X,1,${T},-1.00,,United Kingdom`,
  `536375,post,POSTAGE,1,${T},18.00,12583.0,France`,
  `536376,gift_0001_20,Gift Voucher,1,${T},17.02,,United Kingdom`,
  `536377,22633,damaged,-5,${T},0,,United Kingdom`,
  `536378,22633,X,+5,${T},.5,12345.000,United Kingdom`,
  `536378,22633,X,5,${T},5.,12345.5,United Kingdom`,
  `536379,22633,"tab\there  and\u000bvtab\fform",2,${T},2.10,00123.0,EIRE`,
  `536380,22633,"RECORD FRAME 7"" SINGLE SIZE ",2,${T},2.10,,EIRE`,
  `536381,22633,only four fields,2`,
  `536382,22633,"it's \\ back\\slash",2,${T},0.000001,,France`,
  // Values listed in nullValues (one with a quote and a backslash: Spark literals escape differently).
  `536383,22633, it's \\N ,2,${T},1.25,N/A,France`,
];

/**
 * engine.type spark against the embedded DuckDB engine on the full real data (305 files, 541,909 rows) plus one
 * file of edge cases: silver (sales_lines, quarantine with rule ids and messages, duplicates, lookups) equal row by
 * row, compared by DuckDB with EXCEPT ALL both ways, DECIMAL money exact. Gold is computed by Spark in the Spark run
 * (a full build) and by DuckDB's per-range pre-aggregates in the other; every mart, its schema and the KPIs agree.
 */
describe('silver and gold on Spark (local[2]) equal silver and gold on DuckDB, full data', () => {
  let duck: Fixture;
  let spark: Fixture;
  let duckRun: RunSummary;
  let sparkRun: RunSummary;
  let a: LakeReader;
  let b: LakeReader;
  const seconds: Record<string, number> = {};
  let cleanSource = (): void => undefined;

  beforeAll(async () => {
    const sourceUri = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-spark-source-'));
    fs.cpSync(fullDataDir(), sourceUri, { recursive: true });
    fs.writeFileSync(path.join(sourceUri, 'zz-edge-cases.csv'), [HEADER, ...EDGE_CASES].join('\n') + '\n');
    const quality = '  quality: { minScore: 0.1, maxQuarantineRatio: 1 }';
    const options = `    options: { nullValues: ['', 'N/A', "it's \\\\N"] }`;
    duck = createFixture(quality, options);
    spark = createFixture(
      `${quality}\n  engine: { type: spark, spark: { master: 'local[2]', driver: { memory: 2g } } }`,
      options,
    );
    cleanSource = () => fs.rmSync(sourceUri, { recursive: true, force: true });
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
        `spark ${seconds.spark} s (silver ${sparkRun.steps.silver?.durationMs} ms; the total includes the Spark session start)`,
    );
    a = await openLakeReader(duck.specFile);
    b = await openLakeReader(spark.specFile);
  });
  afterAll(() => {
    duck?.cleanup();
    spark?.cleanup();
    cleanSource();
  });

  it('both runs succeed with the same silver counts', () => {
    expect(duckRun.status, JSON.stringify(duckRun.error)).not.toBe('Failed');
    expect(sparkRun.status, JSON.stringify(sparkRun.error)).toBe(duckRun.status);
    const pick = (r: RunSummary) => {
      const s = r.steps.silver!;
      return [s.rowsIn, s.rowsOut, s.quarantined, s.duplicatesRemoved, s.lineTypes, s.quarantineByRule];
    };
    expect(pick(sparkRun)).toEqual(pick(duckRun));
    expect(duckRun.steps.silver!.rowsIn).toBe(541_909 + EDGE_CASES.length);
    expect(duckRun.steps.silver!.duplicatesRemoved).toBeGreaterThan(5_000);
    // Two missing fields, seven unparseable, zero quantity, positive cancellation, negative price, a short row.
    expect(duckRun.steps.silver!.quarantined).toBe(13);
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
    // nullValues applied on Spark (a quote and a backslash in the spec's literal), not just equally wrong on both.
    expect(
      await spark.query(
        `SELECT description, customer_id, unit_price FROM ${await spark.silverTable('sales_lines')} WHERE invoice_no = '536383'`,
      ),
    ).toEqual([{ description: null, customer_id: null, unit_price: '1.250000' }]);
    expect(x.rules.length).toBeGreaterThan(0);
    expect(x.rules.every((r) => typeof r.rule_id === 'string' && typeof r.message === 'string')).toBe(true);
  });

  it('gold ran on Spark (a full build, no pre-aggregates) and on DuckDB (per-range pre-aggregates)', async () => {
    expect((await b.meta('gold')).parts).toBeUndefined();
    expect(Object.keys((await a.meta('gold')).parts ?? {}).length).toBeGreaterThan(0);
  });

  // kpis is compared below: its average_order_value differs on this data (see there).
  it.each(GOLD_TABLE_NAMES.filter((t) => t !== 'kpis'))(
    'gold %s computed on Spark equals DuckDB row by row',
    async (table) => {
      const d = await compareLakeTables(a, b, 'gold', table);
      expect(d.sample).toEqual([]);
      expect(d.differing).toBe(0);
      expect(d.rowsB).toBe(d.rowsA);
      expect(d.rowsA).toBeGreaterThan(0);
      expect(await tableSchema(b, 'gold', table)).toEqual(await tableSchema(a, 'gold', table));
    },
  );

  it('the KPIs are equal to the cent, but for DuckDB average order value through a DOUBLE', async () => {
    // The edge-case line of 123456789012345678 units makes revenue 1.85e17, past a DOUBLE's 15–17 digits: DuckDB
    // divides DECIMALs as DOUBLE (…759.331840), Spark divides exactly (…759.332123, the true quotient). On the
    // real data alone both agree (renamed-parquet.spark-test.ts compares every KPI).
    const omit = (k: RunSummary['kpis']) => ({ ...k, averageOrderValue: undefined });
    expect(omit(sparkRun.kpis)).toEqual(omit(duckRun.kpis));
    const text = async (r: LakeReader) =>
      (await tableText(r, 'gold', 'kpis')).map((x) => x.replace(/'average_order_value': [0-9.]+, /, ''));
    const [x, y] = [await text(a), await text(b)];
    expect(x).toHaveLength(1);
    expect(y).toEqual(x);
    expect(await tableText(b, 'gold', 'kpis')).toEqual([
      expect.stringContaining(`'average_order_value': 9364611050759.332123,`),
    ]);
    expect(await tableSchema(b, 'gold', 'kpis')).toEqual(await tableSchema(a, 'gold', 'kpis'));
  });
});
