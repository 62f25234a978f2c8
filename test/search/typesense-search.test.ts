import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProductSearch } from '../../runner/search/create-product-search.js';
import type { ProductSearch, ProductSearchQuery } from '../../runner/search/product-search-types.js';
import { testLogger } from '../warehouse/helpers/test-postgres.js';
import { buildSampleLake, type SearchFixture } from './helpers/search-fixture.js';
import { startTypesenseStandIn, type TypesenseStandIn } from './typesense-stand-in.js';

/**
 * The Typesense adapter (search step and readers) against the loopback stand-in written to Typesense's documented
 * API, over a lake the runner built from the bundled sample. Typesense itself cannot be installed here.
 */
let lake: SearchFixture;
let ts: TypesenseStandIn;
let products = 0;

const q = (query: Partial<ProductSearchQuery>): ProductSearchQuery => ({
  q: '*',
  limit: 100,
  offset: 0,
  ...query,
});
const env = () => ({ TYPESENSE_URL: ts.url, TYPESENSE_API_KEY: ts.apiKey });
const reader = (apiKey = ts.apiKey, timeoutSeconds = 2): ProductSearch =>
  createProductSearch({
    pool: undefined as never,
    schema: 'unused',
    typesense: { url: ts.url, apiKey, timeoutSeconds },
    logger: testLogger,
  });
const index = async (search: object = {}) => {
  const { summary } = await lake.runSearch({ env: env(), search: { batchSize: 400, ...search } });
  return summary.steps.search!;
};

beforeAll(async () => {
  lake = await buildSampleLake();
  const [row] = await lake.pipeline.query(
    `SELECT count(DISTINCT stock_code) AS n FROM read_parquet('${lake.pipeline.silverFile('sales_lines')}') WHERE line_type = 'sale'`,
  );
  products = Number(row!.n);
});
beforeEach(async () => {
  await ts?.close();
  ts = await startTypesenseStandIn();
});
afterAll(async () => {
  await ts?.close();
  lake?.pipeline.cleanup();
});

describe('the search step on Typesense', () => {
  it('indexes every product into a new collection and points the alias at it', async () => {
    const step = await index();
    expect(step.status, JSON.stringify(step)).toBe('Succeeded');
    expect(step.rowsOut).toBe(products);
    expect(step.note).toMatch(/documents indexed into typesense \(alias products → products-/);
    const collection = ts.alias('products');
    expect(ts.collectionNames()).toEqual([collection]);
    // JSONL imports in batches of 400.
    expect(ts.requests.filter((r) => r.endsWith('/documents/import')).length).toBe(Math.ceil(products / 400));
    const search = reader();
    const all = await search.search(q({ limit: 1 }));
    expect(all).toMatchObject({ found: products, engine: 'typesense' });
    const categories = all.facets.category.reduce((n, f) => n + f.count, 0);
    expect(categories).toBe(products);
    const lantern = await search.search(q({ q: 'lanturn' }));
    expect(lantern.found).toBeGreaterThan(0);
    expect(lantern.hits.every((h) => h.description.includes('LANTERN'))).toBe(true);
    // Filters (category, country, price range) against an independent count over the lake.
    const category = all.facets.category[0]!.value;
    const country = all.facets.country[1]!.value;
    const [expected] = await lake.pipeline.query(`SELECT count(*) AS n FROM (
      SELECT s.stock_code FROM read_parquet('${lake.pipeline.silverFile('sales_lines')}') s
      JOIN read_parquet('${lake.pipeline.goldFile('top_products')}') g USING (stock_code)
      WHERE s.line_type = 'sale' AND g.category = '${category}'
      GROUP BY s.stock_code HAVING bool_or(s.country = '${country}') AND min(s.unit_price) >= 0.5 AND max(s.unit_price) <= 5)`);
    const filtered = await search.search(q({ category, country, minPrice: 0.5, maxPrice: 5 }));
    expect(Number(expected!.n)).toBeGreaterThan(0);
    expect(filtered.found).toBe(Number(expected!.n));
    expect(
      filtered.hits.every(
        (h) =>
          h.category === category && h.countries.includes(country) && h.priceMin >= 0.5 && h.priceMax <= 5,
      ),
    ).toBe(true);
    expect(filtered.facets.category).toEqual([{ value: category, count: filtered.found }]);
    const first = all.hits[0]!;
    expect(await search.get(first.stockCode)).toEqual(first);
    expect(await search.get('NO-SUCH-CODE')).toBeUndefined();
    // Paging: page/per_page walk every document exactly once.
    const seen: string[] = [];
    for (let offset = 0; offset < products; offset += 100)
      seen.push(...(await search.search(q({ offset }))).hits.map((h) => h.stockCode));
    expect(new Set(seen).size).toBe(products);
  });

  it('swaps the alias under a reader that never sees an error or an empty result; old collections are pruned', async () => {
    expect((await index()).status).toBe('Succeeded');
    const search = reader();
    // Slow imports widen the window in which the new collection exists but is not live yet.
    ts.faults.delayMs = 40;
    ts.faults.delayPath = /documents\/import$/;
    let stop = false;
    const results: number[] = [];
    const errors: unknown[] = [];
    const loop = (async () => {
      while (!stop) {
        try {
          results.push((await search.search(q({ q: 'heart', limit: 3 }))).found);
        } catch (error) {
          errors.push(error);
        }
      }
    })();
    for (let i = 0; i < 3; i++) expect((await index({ keepCollections: 2 })).status).toBe('Succeeded');
    stop = true;
    await loop;
    expect(errors).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toBeGreaterThan(0);
    const names = ts.collectionNames();
    expect(names).toHaveLength(2);
    expect(names.at(-1)).toBe(ts.alias('products'));
  });

  it('fails on a rejected document, deletes the new collection and leaves the alias where it was', async () => {
    expect((await index()).status).toBe('Succeeded');
    const live = ts.alias('products');
    const victim = (await reader().search(q({ limit: 1, offset: 1200 }))).hits[0]!.stockCode;
    ts.faults.rejectIds.add(victim);
    const step = await index();
    expect(step.status).toBe('Failed');
    expect(step.note).toContain(`Typesense rejected 1 of 400 documents (${victim}: Injected rejection`);
    expect(step.note).toContain('nothing was published');
    expect(ts.alias('products')).toBe(live);
    expect(ts.collectionNames()).toEqual([live]);
    expect((await reader().search(q({ limit: 1 }))).found).toBe(products);
  });

  it('retries a 5xx, and reports an unavailable server clearly without touching the alias', async () => {
    expect((await index()).status).toBe('Succeeded');
    const live = ts.alias('products');
    ts.faults.serverErrors = 1;
    ts.faults.failPath = /search$/;
    expect((await reader().search(q({ limit: 1 }))).found).toBe(products);
    ts.faults.serverErrors = 100;
    await expect(reader().search(q({}))).rejects.toMatchObject({
      code: 'SEARCH_UNAVAILABLE',
      message: expect.stringContaining(`Typesense at ${ts.url} is unavailable while searching products`),
    });
    ts.faults.failPath = /documents\/import$/;
    const step = await index();
    expect(step.status).toBe('Failed');
    expect(step.note).toMatch(/is unavailable while importing documents 1-400 into products-/);
    expect(ts.alias('products')).toBe(live);
    expect(ts.collectionNames()).toEqual([live]);
  });

  it('times out a hanging server with a clear error', async () => {
    expect((await index()).status).toBe('Succeeded');
    ts.faults.delayMs = 5000;
    ts.faults.delayPath = /search$/;
    const started = Date.now();
    await expect(reader(ts.apiKey, 0.2).search(q({}))).rejects.toMatchObject({
      code: 'SEARCH_UNAVAILABLE',
      message: expect.stringMatching(/timeout/i),
    });
    // Two attempts of 0.2 s and a 0.5 s pause, far less than the server's 5 s stall.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('says when the API key is wrong or missing', async () => {
    const wrong = await lake.runSearch({ env: { ...env(), TYPESENSE_API_KEY: 'wrong' } });
    expect(wrong.summary.steps.search?.status).toBe('Failed');
    expect(wrong.summary.steps.search?.note).toContain(`Typesense at ${ts.url} rejected the API key`);
    await expect(reader('wrong').search(q({}))).rejects.toMatchObject({ code: 'SEARCH_AUTH' });
    const missing = await lake.runSearch({ env: { TYPESENSE_URL: ts.url } });
    expect(missing.summary.steps.search?.note).toContain('TYPESENSE_API_KEY is empty');
    expect(ts.collectionNames()).toEqual([]);
    await expect(reader().search(q({}))).rejects.toMatchObject({ code: 'SEARCH_NOT_INDEXED' });
  });
});
