import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { quoteLiteral } from '../../runner/engine/sql-quote.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import {
  compareLakeTables,
  GOLD_TABLE_NAMES,
  openLakeReader,
  SILVER_TABLES,
  tableText,
  type LakeReader,
} from '../helpers/lake-equivalence.js';

/** The source columns of the second data set, by canonical field (spec.source.columns). */
const RENAMED = {
  invoiceNo: 'order_ref',
  stockCode: 'sku',
  description: 'item_name',
  quantity: 'qty',
  invoiceDate: 'ordered_at',
  unitPrice: 'price_gbp',
  customerId: 'client',
  country: 'ship_to',
} as const;
const ORIGINAL: Record<keyof typeof RENAMED, string> = {
  invoiceNo: 'InvoiceNo',
  stockCode: 'StockCode',
  description: 'Description',
  quantity: 'Quantity',
  invoiceDate: 'InvoiceDate',
  unitPrice: 'UnitPrice',
  customerId: 'CustomerID',
  country: 'Country',
};

/**
 * The issue's second data set: the full real data with other column names, as Parquet (one file per month, the
 * columns in another order, every value the text that was read). Silver and gold with engine.type spark equal
 * DuckDB's row by row; and DuckDB's gold equals its gold of the original CSV columns, so the mapping is applied.
 */
describe('second data set (renamed columns, Parquet): silver and gold on Spark equal DuckDB', () => {
  let duck: Fixture;
  let spark: Fixture;
  let duckRun: RunSummary;
  let sparkRun: RunSummary;
  let a: LakeReader;
  let b: LakeReader;
  const seconds: Record<string, number> = {};

  beforeAll(async () => {
    const source = `    format: parquet\n    columns: { ${Object.entries(RENAMED)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} }`;
    duck = createFixture('', source);
    spark = createFixture(
      `  engine: { type: spark, spark: { master: 'local[2]', driver: { memory: 2g } } }`,
      source,
    );
    const csv = quoteLiteral(path.join(fullDataDir(), '*.csv'));
    // Reversed column order and new names; '\x01' as the null text keeps empty fields as empty strings, as read.
    const select = Object.keys(RENAMED)
      .reverse()
      .map((k) => `"${ORIGINAL[k as keyof typeof RENAMED]}" AS ${RENAMED[k as keyof typeof RENAMED]}`)
      .join(', ');
    const months = await duck.query(
      `SELECT DISTINCT substr(filename, -14, 7) AS m FROM read_csv(${csv}, all_varchar = true, header = true, filename = true) ORDER BY 1`,
    );
    for (const { m } of months) {
      for (const f of [duck, spark]) {
        const target = quoteLiteral(path.join(f.sourceDir, `orders-${String(m)}.parquet`));
        await duck.query(
          `COPY (SELECT ${select} FROM read_csv(${quoteLiteral(path.join(fullDataDir(), `${String(m)}-*.csv`))},
             all_varchar = true, header = true, nullstr = '\x01')) TO ${target} (FORMAT parquet)`,
        );
      }
    }
    const time = async (name: string, f: () => Promise<RunSummary>): Promise<RunSummary> => {
      const t0 = performance.now();
      const r = await f();
      seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
      return r;
    };
    duckRun = await time('duckdb', () => duck.run());
    sparkRun = await time('spark', () => spark.run({ sparkHome: inject('sparkHome') }));
    console.log(
      `renamed Parquet (${months.length} files), bronze+silver+gold: duckdb ${seconds.duckdb} s, spark ${seconds.spark} s ` +
        `(silver ${sparkRun.steps.silver?.durationMs} ms, gold ${sparkRun.steps.gold?.durationMs} ms)`,
    );
    a = await openLakeReader(duck.specFile);
    b = await openLakeReader(spark.specFile);
  });
  afterAll(() => {
    duck?.cleanup();
    spark?.cleanup();
  });

  it('both runs succeed with the same counts, every line read', () => {
    expect(duckRun.status, JSON.stringify(duckRun.error)).not.toBe('Failed');
    expect(sparkRun.status, JSON.stringify(sparkRun.error)).toBe(duckRun.status);
    expect(duckRun.steps.silver!.rowsIn).toBe(541_909);
    const pick = (r: RunSummary) => {
      const s = r.steps.silver!;
      return [s.rowsIn, s.rowsOut, s.quarantined, s.duplicatesRemoved, s.lineTypes];
    };
    expect(pick(sparkRun)).toEqual(pick(duckRun));
  });

  it.each(SILVER_TABLES)('silver %s is equal row by row', async (table) => {
    const d = await compareLakeTables(a, b, 'silver', table);
    expect(d.sample).toEqual([]);
    expect(d.differing).toBe(0);
    expect(d.rowsB).toBe(d.rowsA);
  });

  it.each(GOLD_TABLE_NAMES)('gold %s computed on Spark equals DuckDB row by row', async (table) => {
    const d = await compareLakeTables(a, b, 'gold', table);
    expect(d.sample).toEqual([]);
    expect(d.differing).toBe(0);
    expect(d.rowsB).toBe(d.rowsA);
    expect(d.rowsA).toBeGreaterThan(0);
  });

  it('the KPIs are equal to the cent, and are those of the real data', async () => {
    expect(sparkRun.kpis).toEqual(duckRun.kpis);
    expect(await tableText(b, 'gold', 'kpis')).toEqual(await tableText(a, 'gold', 'kpis'));
    expect(duckRun.kpis?.orders).toBeGreaterThan(18_000);
    expect(duckRun.kpis?.revenue).toBeGreaterThan(8_000_000);
  });
});
