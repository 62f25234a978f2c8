import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unreachableUrl } from '../helpers/stand-in-providers.js';
import { startTypesenseServer, type TypesenseServer } from '../search/typesense-server.js';
import { SCHEMA, startApiFixture, type ApiFixture } from './helpers/api-fixture.js';
import { buildTestApp, token, type TestApp } from './helpers/api-app.js';

/**
 * The API's product routes on a real Typesense 0.24.1 (test/search/typesense-server.ts): the real CLI runs the
 * pipeline with TYPESENSE_URL set, so its search step indexes into the server, and the app reads through the alias.
 * Expected values come from DuckDB over the lake's Parquet.
 */
let f: ApiFixture;
let ts: TypesenseServer;
let t: TestApp;
let auth: Record<string, string>;

interface Hit {
  stock_code: string;
  description: string;
  category: string;
}
interface SearchBody {
  data: {
    found: number;
    engine: string;
    hits: Hit[];
    facets: { category: { value: string; count: number }[] };
  };
  metadata: { pagination?: { next_cursor: string | null } };
  error?: { code: string; message: string };
}

const search = async (app: TestApp, query: string) => {
  const res = await app.app.inject({ method: 'GET', url: `/api/v1/products/search?${query}`, headers: auth });
  return { status: res.statusCode, body: res.json() as SearchBody };
};

beforeAll(async () => {
  ts = await startTypesenseServer();
  f = await startApiFixture({
    steps: ['bronze', 'silver', 'gold', 'search'],
    env: { TYPESENSE_URL: ts.url, TYPESENSE_API_KEY: ts.apiKey },
  });
  expect(f.runs.map((r) => r.code)).toEqual([0, 0]);
  t = await buildTestApp({ url: f.pg.url, schema: SCHEMA, typesense: { url: ts.url, apiKey: ts.apiKey } });
  auth = { authorization: `Bearer ${await token('viewer')}` };
});
afterAll(async () => {
  await t?.close();
  await f?.close();
  await ts?.close();
});

describe('product search routes on a real Typesense', () => {
  it('answers typo queries and category filters from the index the CLI built', async () => {
    const [row] = await f.pipeline.query(
      `SELECT count(DISTINCT stock_code) AS n FROM ${await f.pipeline.silverTable('sales_lines')} WHERE line_type = 'sale'`,
    );
    const all = await search(t, 'q=*&limit=1');
    expect(all.status).toBe(200);
    expect(all.body.data).toMatchObject({ engine: 'typesense', found: Number(row!.n) });
    const lantern = await search(t, 'q=lanturn&limit=10');
    expect(lantern.body.data.found).toBeGreaterThan(0);
    expect(lantern.body.data.hits.every((h) => h.description.includes('LANTERN'))).toBe(true);
    const categories = await f.pipeline.query(
      `SELECT coalesce(category, 'Uncategorised') AS c, count(*)::INT AS n FROM read_parquet('${f.pipeline.goldFile('top_products')}') GROUP BY 1`,
    );
    for (const { c, n } of categories) {
      const r = await search(t, `q=*&category=${encodeURIComponent(String(c))}&limit=1`);
      expect(r.body.data.found, String(c)).toBe(n);
    }
  });

  it('pages by cursor without gaps or repeats, also when the client changes the page size', async () => {
    const reference: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await search(t, `q=heart&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      reference.push(...r.body.data.hits.map((h) => h.stock_code));
      cursor = r.body.metadata.pagination!.next_cursor;
    } while (cursor);
    expect(reference.length).toBeGreaterThan(50);
    // 7, then 5, 13, 5, 13 ...: every page after the first starts off a page boundary of its own size.
    const seen: string[] = [];
    let page = 0;
    do {
      const limit = page === 0 ? 7 : page % 2 ? 5 : 13;
      const r = await search(t, `q=heart&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.data.hits.map((h) => h.stock_code));
      cursor = r.body.metadata.pagination!.next_cursor;
      page++;
    } while (cursor);
    expect(seen).toEqual(reference);
  });

  it('answers 503 when Typesense is unreachable and 500 with a clear message for a wrong key', async () => {
    const down = await buildTestApp({
      url: f.pg.url,
      schema: SCHEMA,
      typesense: {
        url: (await unreachableUrl('/')).replace(/\/$/, ''),
        apiKey: ts.apiKey,
        timeoutSeconds: 1,
      },
    });
    const wrong = await buildTestApp({
      url: f.pg.url,
      schema: SCHEMA,
      typesense: { url: ts.url, apiKey: 'wrong' },
    });
    try {
      const unavailable = await search(down, 'q=heart');
      expect(unavailable.status).toBe(503);
      expect(unavailable.body.error?.code).toBe('NOT_READY');
      const rejected = await search(wrong, 'q=heart');
      expect(rejected.status).toBe(500);
      expect(rejected.body.error?.message).toContain(`Typesense at ${ts.url} rejected the API key`);
    } finally {
      await down.close();
      await wrong.close();
    }
  });
});
