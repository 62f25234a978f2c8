import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { quoteLiteral } from '../engine/sql-quote.js';
import { convertGbp, formatCents, lineAmountGbp, type EnrichmentResult } from '../enrichment/index.js';
import {
  ENRICHED_COLUMNS_SQL,
  ENRICHED_JOINS_SQL,
  enrichmentInputSql,
  loadEnrichmentSql,
} from './enrichment-sql.js';

const rates: EnrichmentResult['rates'] = [
  { businessDate: '2011-04-22', ecbDate: '2011-04-21', gbp: '0.8884', usd: '1.4566' }, // Good Friday
  { businessDate: '2011-05-02', ecbDate: '2011-05-02', gbp: '1', usd: '1' },
  { businessDate: '2011-05-03', ecbDate: '2011-05-03', gbp: '0.85315', usd: '1.3384' },
];

const result = {
  rates,
  missingRateDates: ['2030-01-01'],
  countries: [
    {
      name: 'EIRE',
      kind: 'country',
      cca2: 'IE',
      cca3: 'IRL',
      countryName: 'Ireland',
      region: 'Europe',
      subregion: 'Northern Europe',
      currency: 'EUR',
      matchedBy: 'alias',
    },
    { name: 'Unspecified', kind: 'notACountry', reason: "it's not recorded", region: null, currency: null },
  ],
  categories: [
    { description: "POPPY'S PLAYHOUSE KITCHEN", category: 'Toys & Games' },
    { description: 'HAND OPEN SHAPE GOLD', category: null },
  ],
} as unknown as EnrichmentResult;

// quantity, unit price (up to 6 decimals), business date, description
const lines: [number, string, string, string | null][] = [
  [6, '2.55', '2011-04-22', "POPPY'S PLAYHOUSE KITCHEN"],
  [1, '0.125', '2011-05-02', 'HAND OPEN SHAPE GOLD'], // exact tie: 12.5 cents → 12
  [1, '0.135', '2011-05-02', null], // exact tie: 13.5 cents → 14
  [-3, '0.135', '2011-05-02', null], // negative tie
  [7, '0.123457', '2011-05-03', null], // 6 decimals
  [74215, '1.04', '2011-05-03', null],
  [2, '1.25', '2030-01-01', null], // no rate: no amounts
];

async function query(statements: string[], sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    for (const s of statements) await conn.run(s);
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const linesSql = `SELECT * FROM (VALUES ${lines
  .map(
    ([q, p, d, desc]) =>
      `(${q}, CAST('${p}' AS DECIMAL(18,6)), TIMESTAMP '${d} 10:00:00', ${desc === null ? 'NULL' : quoteLiteral(desc)})`,
  )
  .join(', ')}) s(quantity, unit_price, invoice_local_ts, description)`;

describe('silver enrichment SQL', () => {
  it('converts each line half-even to cents exactly as the TypeScript money policy, any price scale', async () => {
    const plain = await query(
      loadEnrichmentSql(result),
      `SELECT CAST(amount_eur AS VARCHAR) AS eur, CAST(amount_usd AS VARCHAR) AS usd,
              CAST(fx_rate_date AS VARCHAR) AS fx_date, category, typeof(amount_eur) AS type
       FROM (SELECT s.quantity, ${ENRICHED_COLUMNS_SQL} FROM (${linesSql}) s ${ENRICHED_JOINS_SQL})`,
    );
    const expected = lines.map(([q, p, d, desc]) => {
      const rate = rates.find((r) => r.businessDate === d);
      const c = rate ? convertGbp(lineAmountGbp(q, p), rate) : undefined;
      return {
        eur: c ? formatCents(c.eurCents) : null,
        usd: c ? formatCents(c.usdCents) : null,
        fx_date: rate?.ecbDate ?? null,
        category: result.categories.find((x) => x.description === desc)?.category ?? null,
        type: 'DECIMAL(38,2)',
      };
    });
    expect(plain).toEqual(expected);
    expect(plain[1]!.eur).toBe('0.12');
    expect(plain[2]!.eur).toBe('0.14');
    expect(plain[3]!.eur).toBe('-0.40');
  });

  it('loads country and rate tables with exact decimals and quoted text', async () => {
    const [c] = await query(
      loadEnrichmentSql(result),
      `SELECT (SELECT count(*) FROM enrich_countries) AS countries,
              (SELECT not_a_country_reason FROM enrich_countries WHERE kind = 'notACountry') AS reason,
              (SELECT iso3 FROM enrich_countries WHERE name = 'EIRE') AS iso3,
              (SELECT CAST(gbp_per_eur AS VARCHAR) FROM enrich_rates WHERE business_date = DATE '2011-05-03') AS gbp`,
    );
    expect(c).toEqual({ countries: '2', reason: "it's not recorded", iso3: 'IRL', gbp: '0.853150' });
  });

  it('creates empty tables when enrichment is off, so the joins still work', async () => {
    const [c] = await query(
      loadEnrichmentSql(undefined),
      `SELECT count(*) AS n, count(amount_eur) AS converted
       FROM (SELECT s.quantity, ${ENRICHED_COLUMNS_SQL} FROM (${linesSql}) s ${ENRICHED_JOINS_SQL})`,
    );
    expect(c).toEqual({ n: String(lines.length), converted: '0' });
  });

  it('asks for distinct values of silver lines only', () => {
    const sql = enrichmentInputSql();
    for (const q of Object.values(sql))
      expect(q).toMatch(/SELECT DISTINCT .* FROM classified WHERE outcome IN/);
  });
});
