import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductSearch } from '../../runner/search/create-product-search.js';
import { isSearchError } from '../../runner/search/errors.js';
import { replacePgProductIndex } from '../../runner/search/pg-product-index.js';
import type {
  ProductDocument,
  ProductSearch,
  ProductSearchQuery,
} from '../../runner/search/product-search-types.js';
import { startTestPostgres, testLogger, type TestPostgres } from '../warehouse/helpers/test-postgres.js';
import { buildSampleLake, type SearchFixture } from './helpers/search-fixture.js';

/**
 * The search step and PostgreSQL search on a real embedded PostgreSQL, over a lake the runner built from the
 * bundled sample. Expected values come from DuckDB queries over the lake's Parquet, not from the code under test.
 */
const SCHEMA = 'search_pg';
let lake: SearchFixture;
let pg: TestPostgres;
let search: ProductSearch;
let indexed: ProductDocument[] = [];

const q = (query: Partial<ProductSearchQuery>): ProductSearchQuery => ({
  q: '*',
  limit: 100,
  offset: 0,
  ...query,
});

/** Every hit of a query, page by page. */
const allHits = async (query: Partial<ProductSearchQuery>, limit = 100): Promise<ProductDocument[]> => {
  const hits: ProductDocument[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await search.search(q({ ...query, limit, offset }));
    hits.push(...page.hits);
    if (page.hits.length < limit) return hits;
  }
};

beforeAll(async () => {
  lake = await buildSampleLake();
  pg = await startTestPostgres();
  const { summary } = await lake.runSearch({ env: {}, warehouse: { schema: SCHEMA }, connect: pg.connect });
  expect(summary.steps.search?.status, JSON.stringify(summary.steps.search)).toBe('Succeeded');
  search = createProductSearch({ pool: pg.pool(), schema: SCHEMA, logger: testLogger });
  indexed = await allHits({});
});

afterAll(async () => {
  await pg?.stop();
  lake?.pipeline.cleanup();
});

const silver = () => lake.pipeline.silverTable('sales_lines');
const gold = () => `read_parquet('${lake.pipeline.goldFile('top_products')}')`;

describe('the search step on PostgreSQL', () => {
  it('indexes exactly the merchandise products, with their statistics', async () => {
    const expected = await lake.pipeline.query(`
      SELECT stock_code, min(unit_price)::DOUBLE AS lo, max(unit_price)::DOUBLE AS hi, sum(quantity)::BIGINT AS units,
             list_sort(list(DISTINCT country)) AS countries
      FROM ${await silver()} WHERE line_type = 'sale' GROUP BY stock_code ORDER BY stock_code`);
    expect(expected.length).toBeGreaterThan(1000);
    expect(indexed.length).toBe(expected.length);
    const byCode = new Map(indexed.map((d) => [d.stockCode, d]));
    for (const row of expected) {
      const doc = byCode.get(String(row.stock_code));
      expect(doc, String(row.stock_code)).toBeDefined();
      expect([doc!.priceMin, doc!.priceMax, doc!.quantity, doc!.countries]).toEqual([
        Number(row.lo),
        Number(row.hi),
        Number(row.units),
        row.countries,
      ]);
    }
    // Fees, postage and vouchers never become products.
    const nonMerch = await lake.pipeline.query(
      `SELECT DISTINCT stock_code FROM ${await silver()} WHERE line_type = 'non_merchandise'`,
    );
    expect(nonMerch.length).toBeGreaterThan(0);
    for (const row of nonMerch) expect(byCode.has(String(row.stock_code))).toBe(false);
    // Revenue rank: 1..n by revenue, as gold ranks them.
    const ranks = await lake.pipeline.query(
      `SELECT stock_code, rank, revenue::DOUBLE AS revenue FROM ${gold()}`,
    );
    for (const r of ranks) {
      expect(byCode.get(String(r.stock_code))?.revenueRank).toBe(Number(r.rank));
      expect(byCode.get(String(r.stock_code))?.revenue).toBeCloseTo(Number(r.revenue), 6);
    }
  });

  it('finds products despite typos', async () => {
    for (const [typo, word] of [
      ['chrstmas', 'CHRISTMAS'],
      ['lanturn', 'LANTERN'],
      ['wraping', 'WRAPPING'],
    ] as const) {
      const hits = await allHits({ q: typo });
      const withWord = indexed.filter((d) => d.description.includes(word));
      expect(hits.length, typo).toBeGreaterThan(0);
      // Most products named with the word are found, and the best hits carry it.
      expect(hits.filter((h) => h.description.includes(word)).length, typo).toBeGreaterThanOrEqual(
        Math.ceil(withWord.length * 0.75),
      );
      expect(hits[0]!.description, typo).toContain(word);
    }
    // Several words: each must be found (with typos), as in Typesense.
    const words = await allHits({ q: 'hearts wrappin tape' });
    expect(words.length).toBeGreaterThan(0);
    expect(
      words.every(
        (h) => /HEART/.test(h.description) && /WRAP/.test(h.description) && /TAPE/.test(h.description),
      ),
    ).toBe(true);
    const exact = await search.search(q({ q: 'christmas' }));
    expect(exact.hits.every((h) => h.description.includes('CHRISTMAS'))).toBe(true);
    const code = indexed[0]!.stockCode;
    expect((await search.search(q({ q: code.toLowerCase() }))).hits[0]?.stockCode).toBe(code);
  });

  it('applies each filter, and facets equal an independent GROUP BY', async () => {
    const [topCategory] = await lake.pipeline.query(
      `SELECT coalesce(category, 'Uncategorised') AS c, count(*) AS n FROM ${gold()} GROUP BY 1 ORDER BY n DESC, c LIMIT 1`,
    );
    const byCategory = await search.search(q({ category: String(topCategory!.c) }));
    expect(byCategory.found).toBe(Number(topCategory!.n));
    const france = await allHits({ country: 'France' });
    const [frenchProducts] = await lake.pipeline.query(
      `SELECT count(DISTINCT stock_code) AS n FROM ${await silver()} WHERE line_type = 'sale' AND country = 'France'`,
    );
    expect(france.length).toBe(Number(frenchProducts!.n));
    const priced = await allHits({ minPrice: 1, maxPrice: 2.5 });
    const [inRange] = await lake.pipeline
      .query(`SELECT count(*) AS n FROM (SELECT stock_code FROM ${await silver()}
      WHERE line_type = 'sale' GROUP BY stock_code HAVING min(unit_price) >= 1 AND max(unit_price) <= 2.5)`);
    expect(priced.length).toBe(Number(inRange!.n));
    expect(priced.every((d) => d.priceMin >= 1 && d.priceMax <= 2.5)).toBe(true);

    const all = await search.search(q({ limit: 1 }));
    const categories = await lake.pipeline.query(
      `SELECT coalesce(category, 'Uncategorised') AS value, count(*)::INT AS count FROM ${gold()} GROUP BY 1`,
    );
    const countries = await lake.pipeline
      .query(`SELECT country AS value, count(DISTINCT stock_code)::INT AS count
      FROM ${await silver()} WHERE line_type = 'sale' GROUP BY country`);
    const sorted = (rows: Record<string, unknown>[]) =>
      rows
        .map((r) => ({ value: String(r.value), count: Number(r.count) }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    expect(all.facets.category).toEqual(sorted(categories));
    expect(all.facets.country).toEqual(sorted(countries));
    // Facets describe the filtered result: the categories of French products.
    const frenchCategories = await lake.pipeline
      .query(`SELECT coalesce(g.category, 'Uncategorised') AS value, count(*)::INT AS count
      FROM ${gold()} g WHERE g.stock_code IN (SELECT stock_code FROM ${await silver()} WHERE line_type = 'sale' AND country = 'France') GROUP BY 1`);
    expect((await search.search(q({ country: 'France', limit: 1 }))).facets.category).toEqual(
      sorted(frenchCategories),
    );
  });

  it('pages through every hit without gaps or repeats, in a stable order', async () => {
    const pagedSmall = await allHits({ q: 'heart' }, 7);
    const pagedLarge = await allHits({ q: 'heart' }, 100);
    expect(pagedSmall.map((d) => d.stockCode)).toEqual(pagedLarge.map((d) => d.stockCode));
    expect(new Set(pagedSmall.map((d) => d.stockCode)).size).toBe(pagedSmall.length);
    expect(pagedSmall.length).toBe((await search.search(q({ q: 'heart', limit: 1 }))).found);
    const everything = await allHits({}, 37);
    expect(everything.length).toBe(indexed.length);
    expect(new Set(everything.map((d) => d.stockCode)).size).toBe(indexed.length);
  });

  it('treats SQL metacharacters as plain text', async () => {
    const nasty = [
      `'; DROP TABLE ${SCHEMA}.product_search; --`,
      '%',
      '_',
      '\\',
      '"',
      "O'Brien",
      '$1',
      ') OR 1=1 --',
    ];
    for (const value of nasty) {
      const r = await search.search(q({ q: value, category: value }));
      expect(r.found, value).toBe(0);
      expect((await search.search(q({ country: value }))).found, value).toBe(0);
      expect(await search.get(value)).toBeUndefined();
    }
    // A lone % or _ is not a wildcard: it matches no stock code.
    expect((await search.search(q({ q: '%' }))).found).toBe(0);
    expect((await search.search(q({}))).found).toBe(indexed.length);
  });

  it('gets one product, and rejects bad queries with a coded error', async () => {
    const doc = indexed[5]!;
    expect(await search.get(doc.stockCode.toLowerCase())).toEqual(doc);
    expect(await search.get('NO-SUCH-CODE')).toBeUndefined();
    for (const bad of [
      { limit: 0 },
      { limit: 101 },
      { offset: -1 },
      { minPrice: 3, maxPrice: 2 },
      { minPrice: Number.NaN },
    ]) {
      await expect(search.search(q(bad))).rejects.toMatchObject({ code: 'SEARCH_BAD_QUERY' });
    }
    const unindexed = createProductSearch({ pool: pg.pool(), schema: 'no_such_schema', logger: testLogger });
    await expect(unindexed.search(q({}))).rejects.toMatchObject({ code: 'SEARCH_NOT_INDEXED' });
  });

  it('swaps a reindex atomically: a concurrent reader sees the old or the new index, never a partial one', async () => {
    const pool = pg.pool();
    const small = indexed.slice(0, 100);
    await replacePgProductIndex({
      pool,
      schema: SCHEMA,
      runId: 'small',
      documents: small,
      batchSize: 30,
      logger: testLogger,
    });
    let stop = false;
    const seen = new Map<number, number>();
    const errors: unknown[] = [];
    const reader = (async () => {
      while (!stop) {
        try {
          const r = await search.search(q({ limit: 5 }));
          seen.set(r.found, (seen.get(r.found) ?? 0) + 1);
        } catch (error) {
          errors.push(error);
        }
      }
    })();
    let sawOldWhileLoaded = false;
    for (let i = 0; i < 3; i++) {
      for (const documents of [indexed, small]) {
        await replacePgProductIndex({
          pool,
          schema: SCHEMA,
          runId: `swap-${i}`,
          documents,
          batchSize: 50,
          logger: testLogger,
          onPhase: async (phase) => {
            if (phase !== 'loaded') return;
            // Fully loaded but not swapped yet: readers still get the previous index.
            const r = await search.search(q({ limit: 1 }));
            sawOldWhileLoaded = r.found === (documents === small ? indexed.length : small.length);
          },
        });
        expect(sawOldWhileLoaded).toBe(true);
      }
    }
    stop = true;
    await reader;
    expect(errors).toEqual([]);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([small.length, indexed.length]);
    // A failed reindex (a duplicate stock code) leaves the live index as it was.
    const failing = [...indexed, indexed[0]!];
    const error = await replacePgProductIndex({
      pool,
      schema: SCHEMA,
      runId: 'dup',
      documents: failing,
      batchSize: 500,
      logger: testLogger,
    }).catch((e: unknown) => e);
    expect(isSearchError(error) && error.code).toBe('SEARCH_INDEX');
    expect((await search.search(q({}))).found).toBe(small.length);
    const { rows } = await pool.query(`SELECT to_regclass('${SCHEMA}.product_search_next') AS t`);
    expect(rows[0].t).toBeNull();
  });
});
