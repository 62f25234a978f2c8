import { quoteLiteral } from '../engine/sql-quote.js';
import { eurCentsSql, toMicros, usdCentsSql } from '../enrichment/index.js';
import type { EnrichmentResult } from '../enrichment/index.js';

/**
 * Pure SQL builders that bring the enrichment tables into DuckDB and onto the silver lines. The enrichment module
 * answers with small lookup tables (one row per business date, country name, description); they are loaded as temp
 * tables and joined, so the providers are asked once per run, never per row.
 */

const MONEY_CENTS_TYPE = 'DECIMAL(38,2)';
const RATE_TYPE = 'DECIMAL(18,6)';

type Column = readonly [name: string, type: string];

const RATE_COLUMNS: Column[] = [
  ['business_date', 'DATE'],
  ['ecb_date', 'DATE'],
  ['gbp_per_eur', RATE_TYPE],
  ['usd_per_eur', RATE_TYPE],
  ['gbp_micros', 'BIGINT'],
  ['usd_micros', 'BIGINT'],
];
const COUNTRY_COLUMNS: Column[] = [
  ['name', 'VARCHAR'],
  ['kind', 'VARCHAR'],
  ['iso2', 'VARCHAR'],
  ['iso3', 'VARCHAR'],
  ['country_name', 'VARCHAR'],
  ['region', 'VARCHAR'],
  ['subregion', 'VARCHAR'],
  ['currency', 'VARCHAR'],
  ['not_a_country_reason', 'VARCHAR'],
];
const CATEGORY_COLUMNS: Column[] = [
  ['description', 'VARCHAR'],
  ['category', 'VARCHAR'],
];

/** Outcomes that are silver lines (everything not quarantined and not a duplicate). */
const SILVER_OUTCOMES = `('cancellation', 'adjustment', 'non_merchandise', 'stock_adjustment', 'zero_price', 'sale')`;

/** Distinct business dates, country names and descriptions of the silver lines: the enrichment's whole input. */
export function enrichmentInputSql(): Record<'dates' | 'countries' | 'descriptions', string> {
  const from = `FROM classified WHERE outcome IN ${SILVER_OUTCOMES}`;
  return {
    dates: `SELECT DISTINCT strftime(CAST(invoice_local_ts AS DATE), '%Y-%m-%d') AS v ${from}`,
    countries: `SELECT DISTINCT country AS v ${from}`,
    descriptions: `SELECT DISTINCT description AS v ${from} AND description IS NOT NULL`,
  };
}

const value = (v: string | null, type: string): string =>
  v === null ? `NULL::${type}` : `CAST(${quoteLiteral(v)} AS ${type})`;

/** CREATE a temp table with typed columns, then INSERT the rows (none is fine: the table is still created). */
function tableSql(name: string, columns: Column[], rows: (string | null)[][]): string[] {
  const create = `CREATE OR REPLACE TEMP TABLE ${name} (${columns.map(([c, t]) => `${c} ${t}`).join(', ')})`;
  if (rows.length === 0) return [create];
  const tuples = rows.map((r) => `(${r.map((v, i) => value(v, columns[i]![1])).join(', ')})`);
  return [create, `INSERT INTO ${name} VALUES ${tuples.join(',\n')}`];
}

/** Statements loading `enrich_rates`, `enrich_countries` and `enrich_categories`; an absent result loads empty tables. */
export function loadEnrichmentSql(result: EnrichmentResult | undefined): string[] {
  const rates = (result?.rates ?? []).map((r) => [
    r.businessDate,
    r.ecbDate,
    r.gbp,
    r.usd,
    toMicros(r.gbp).toString(),
    toMicros(r.usd).toString(),
  ]);
  const countries = (result?.countries ?? []).map((c) =>
    c.kind === 'country'
      ? [c.name, c.kind, c.cca2, c.cca3, c.countryName, c.region, c.subregion, c.currency, null]
      : [c.name, c.kind, null, null, null, c.region, null, c.currency, c.reason],
  );
  const categories = (result?.categories ?? []).map((c) => [c.description, c.category]);
  return [
    ...tableSql('enrich_rates', RATE_COLUMNS, rates),
    ...tableSql('enrich_countries', COUNTRY_COLUMNS, countries),
    ...tableSql('enrich_categories', CATEGORY_COLUMNS, categories),
  ];
}

export const dropEnrichmentSql = (): string[] =>
  ['enrich_rates', 'enrich_countries', 'enrich_categories'].map((t) => `DROP TABLE IF EXISTS ${t}`);

/**
 * The line amount in millionths of a pound (exact: prices have at most 6 decimals). The enrichment's helpers take
 * thousandths; passing millionths with the rate denominators scaled by 1000 gives the same fraction, so the same
 * half-even rounding (docs/enrichment.md, "Money policy").
 */
const amountMicros = `CAST(CAST(s.quantity * s.unit_price AS DECIMAL(38,6)) * 1000000 AS HUGEINT)`;
const cents = (centsSql: string): string =>
  `CAST(CAST(${centsSql} AS DECIMAL(38,0)) * CAST(0.01 AS DECIMAL(3,2)) AS ${MONEY_CENTS_TYPE})`;

/** Enriched columns appended to the silver lines; `r` is the rate row joined on the business date, `pc` the category. */
export const ENRICHED_COLUMNS_SQL = `
           ${cents(eurCentsSql(amountMicros, 'r.gbp_micros * 1000'))} AS amount_eur,
           ${cents(usdCentsSql(amountMicros, 'r.gbp_micros * 1000', 'r.usd_micros'))} AS amount_usd,
           r.ecb_date AS fx_rate_date, pc.category`;

export const ENRICHED_JOINS_SQL = `
    LEFT JOIN enrich_rates r ON r.business_date = CAST(s.invoice_local_ts AS DATE)
    LEFT JOIN enrich_categories pc ON pc.description = s.description`;

export function countriesSql(target: string): string {
  return `COPY (SELECT * FROM enrich_countries ORDER BY name) TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`;
}

export function fxRatesSql(target: string): string {
  return `COPY (SELECT business_date, ecb_date, gbp_per_eur, usd_per_eur FROM enrich_rates ORDER BY business_date)
    TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`;
}
