import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProductSearch } from '../../runner/search/create-product-search.js';
import type { ProductDocument, ProductSearch } from '../../runner/search/product-search-types.js';
import { createTypesenseClient } from '../../runner/search/typesense-client.js';
import { replaceTypesenseIndex } from '../../runner/search/typesense-product-index.js';
import { testLogger } from '../warehouse/helpers/test-postgres.js';
import { startTypesenseStandIn, type TypesenseStandIn } from './typesense-stand-in.js';

/**
 * Faults a real Typesense cannot be made to show on demand: 503 answers and connections reset mid-request, on
 * reads, imports and the alias swap. They run against the loopback stand-in (typesense-stand-in.ts); everything
 * else, timeouts and a stopped server included, runs against a real server in typesense-search.test.ts.
 */
let ts: TypesenseStandIn;

const documents: ProductDocument[] = Array.from({ length: 30 }, (_, i) => ({
  stockCode: `C${String(i).padStart(3, '0')}`,
  description: `HEART LANTERN ${i}`,
  category: i % 2 ? 'Lighting' : 'Home & Garden',
  priceMin: 1 + i / 10,
  priceMax: 2 + i / 10,
  priceAvg: 1.5 + i / 10,
  countries: ['United Kingdom'],
  revenue: 100 - i,
  revenueRank: i + 1,
  quantity: 10 * i,
}));
const reader = (): ProductSearch =>
  createProductSearch({
    pool: undefined as never,
    schema: 'unused',
    typesense: { url: ts.url, apiKey: ts.apiKey, timeoutSeconds: 2 },
    logger: testLogger,
  });
const replace = (runId: string) =>
  replaceTypesenseIndex({
    client: createTypesenseClient({ url: ts.url, apiKey: ts.apiKey, retryIntervalSeconds: 0.05 }),
    target: ts.url,
    alias: 'products',
    runId,
    documents,
    batchSize: 10,
    keepCollections: 2,
    logger: testLogger,
  });
const query = { q: 'lantern', limit: 5, offset: 0 };

beforeEach(async () => {
  ts = await startTypesenseStandIn();
  await replace('20000101t000000-a');
});
afterEach(async () => {
  await ts.close();
});

describe('Typesense faults (stand-in)', () => {
  it('retries a 503 on a read, then gives up with SEARCH_UNAVAILABLE', async () => {
    ts.faults.failPath = /search$/;
    ts.faults.serverErrors = 1;
    expect((await reader().search(query)).found).toBe(documents.length);
    ts.faults.serverErrors = 100;
    await expect(reader().search(query)).rejects.toMatchObject({
      code: 'SEARCH_UNAVAILABLE',
      message: expect.stringContaining(`Typesense at ${ts.url} is unavailable while searching products`),
    });
  });

  it('retries a reset connection on a read, then gives up with SEARCH_UNAVAILABLE', async () => {
    ts.faults.resetPath = /search$/;
    ts.faults.resets = 1;
    expect((await reader().search(query)).found).toBe(documents.length);
    ts.faults.resets = 100;
    await expect(reader().search(query)).rejects.toMatchObject({
      code: 'SEARCH_UNAVAILABLE',
      message: expect.stringMatching(/ECONNRESET|socket hang up/),
    });
  });

  it('fails an import that keeps answering 503, deletes the new collection and leaves the alias', async () => {
    const live = ts.alias('products');
    ts.faults.failPath = /documents\/import$/;
    ts.faults.serverErrors = 100;
    await expect(replace('20000101t000001-b')).rejects.toMatchObject({
      code: 'SEARCH_UNAVAILABLE',
      message: expect.stringMatching(
        /is unavailable while importing documents 1-10 into products-20000101t000001-b/,
      ),
    });
    expect(ts.alias('products')).toBe(live);
    expect(ts.collectionNames()).toEqual([live]);
  });

  it('survives one reset during the alias swap; a swap that never gets through leaves the old alias', async () => {
    ts.faults.resetPath = /^PUT \/aliases\/products$/;
    ts.faults.resets = 1;
    await replace('20000101t000002-c');
    expect(ts.alias('products')).toBe('products-20000101t000002-c');
    ts.faults.resets = 100;
    await expect(replace('20000101t000003-d')).rejects.toMatchObject({ code: 'SEARCH_UNAVAILABLE' });
    expect(ts.alias('products')).toBe('products-20000101t000002-c');
    expect(ts.collectionNames()).toEqual(['products-20000101t000000-a', 'products-20000101t000002-c']);
  });
});
