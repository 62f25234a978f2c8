import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combinePreaggSql, linesToPreaggSql, MONTH_OF_LINE } from './dimension-preaggs.js';
import { WANT_TABLES } from './dimension-sql.js';
import { WANT_FROM_TOTALS } from './dimension-totals-sql.js';

/**
 * The pre-aggregate path (lines → months → years → whole history) must give exactly the members the whole-silver
 * queries give, on lines built to hit every tie-break: equal description counts, several countries at one moment,
 * equal latest timestamps with different prices, non-merchandise lines, NULL descriptions and categories, an
 * invoice spanning two months and two years, and a customer whose country changes and changes back.
 */
let db: DuckDBConnection;
const rows = async (sql: string): Promise<string[]> =>
  (await db.runAndReadAll(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (${sql})`))
    .getRowsJS()
    .map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)))
    .sort();

const LINES = `SELECT * FROM (VALUES
  ('A1', 'P1', 'red mug', 'sale', 2.5, TIMESTAMPTZ '2010-12-01 10:00:00+00', 'C1', 'France', 'kitchen'),
  ('A1', 'P1', 'Red mug', 'sale', 2.7, TIMESTAMPTZ '2010-12-01 10:00:00+00', 'C1', 'Germany', 'kitchen'),
  ('A2', 'P1', 'Red mug', 'sale', 3.0, TIMESTAMPTZ '2011-01-05 09:00:00+00', 'C1', 'France', NULL),
  ('A2', 'P1', 'red mug', 'sale', 3.5, TIMESTAMPTZ '2011-01-05 09:00:00+00', 'C1', 'France', 'home'),
  ('A3', 'P2', NULL, 'non_merchandise', 1.0, TIMESTAMPTZ '2011-01-06 09:00:00+00', NULL, 'Spain', NULL),
  ('A3', 'P2', 'postage', 'sale', 0.0, TIMESTAMPTZ '2011-01-06 09:00:00+00', NULL, 'Spain', NULL),
  ('C4', 'P1', 'red mug', 'cancellation', 2.5, TIMESTAMPTZ '2011-02-01 08:00:00+00', 'C1', 'Germany', 'home'),
  ('A5', 'P3', 'blue cup', 'sale', 1.0, TIMESTAMPTZ '2011-02-01 08:00:00+00', 'C2', 'Germany', 'home'),
  ('A5', 'P3', 'blue cup', 'sale', 1.0, TIMESTAMPTZ '2011-02-02 08:00:00+00', 'C2', 'Germany', 'home'),
  ('A6', 'P1', 'red mug', 'sale', 2.0, TIMESTAMPTZ '2011-02-03 08:00:00+00', 'C1', 'France', 'home')
) t(invoice_no, stock_code, description, line_type, unit_price, invoice_ts, customer_id, country, category)`;

beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`SET TimeZone = 'UTC'`);
  await db.run(`CREATE TABLE stage AS SELECT invoice_no, stock_code, description, line_type,
      CAST(unit_price AS DECIMAL(18,6)) AS unit_price, invoice_ts, CAST(invoice_ts AS DATE) AS business_date,
      customer_id, country, category, CAST(NULL AS VARCHAR) AS country_iso2, 'XX' AS country_iso3,
      CAST(NULL AS VARCHAR) AS country_region, CAST(NULL AS VARCHAR) AS country_currency
    FROM (${LINES})`);
  await db.run(`CREATE TABLE countries AS SELECT 'France' AS name, 'fr' AS iso2, CAST(NULL AS VARCHAR) AS iso3, CAST(NULL AS VARCHAR) AS region,
      CAST(NULL AS VARCHAR) AS currency, 'country' AS kind, 'French Republic' AS country_name, CAST(NULL AS VARCHAR) AS subregion,
      CAST(NULL AS VARCHAR) AS not_a_country_reason`);
});

afterAll(() => db?.closeSync());

describe('dimension pre-aggregates', () => {
  it('months merged into years merged into the history give the whole-silver members', async () => {
    await db.run(`CREATE TABLE months AS ${linesToPreaggSql('SELECT * FROM stage', MONTH_OF_LINE)}`);
    await db.run(`CREATE TABLE years AS ${combinePreaggSql('SELECT * FROM months', 'left(g, 4)')}`);
    await db.run(`CREATE TABLE tot AS ${combinePreaggSql('SELECT * FROM years', `''`)}`);
    expect(await rows(`SELECT DISTINCT g FROM months ORDER BY 1`)).toHaveLength(3);
    for (const [index, want] of WANT_TABLES.entries()) {
      const direct = await rows(want.duckSql);
      expect(direct.length).toBeGreaterThan(0);
      expect(await rows(WANT_FROM_TOTALS[index]?.duckSql ?? '')).toEqual(direct);
    }
  });

  it('removing lines changes members back (recomputing a month from its remaining lines)', async () => {
    // The month of the 'red mug' tie and the Germany moment, without the Germany line.
    await db.run(
      `CREATE OR REPLACE TABLE stage2 AS SELECT * FROM stage WHERE NOT (country = 'Germany' AND invoice_no = 'A1')`,
    );
    await db.run(`CREATE OR REPLACE TABLE months2 AS SELECT * FROM months WHERE g <> '2010-12'
      UNION ALL SELECT * FROM (${linesToPreaggSql(`SELECT * FROM stage2 WHERE business_date < DATE '2011-01-01'`, MONTH_OF_LINE)})`);
    await db.run(
      `CREATE OR REPLACE TABLE tot AS ${combinePreaggSql(
        combinePreaggSql('SELECT * FROM months2', 'left(g, 4)'),
        `''`,
      )}`,
    );
    await db.run('ALTER TABLE stage RENAME TO stage_all');
    await db.run('ALTER TABLE stage2 RENAME TO stage');
    for (const [index, want] of WANT_TABLES.entries())
      expect(await rows(WANT_FROM_TOTALS[index]?.duckSql ?? '')).toEqual(await rows(want.duckSql));
    // Invoice A1 lost one of its two lines.
    expect(
      await rows(`SELECT f FROM (${WANT_FROM_TOTALS[2]?.duckSql}) t(a, b, c, d, e, f) WHERE a = 'A1'`),
    ).toEqual(['["1"]']);
  });
});
