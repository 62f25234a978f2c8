import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../runner/engine/sql-quote.js';
import { SCHEMA, startApiFixture, type ApiFixture } from './helpers/api-fixture.js';
import { buildTestApp, token, type TestApp } from './helpers/api-app.js';

/**
 * Route tests against a real PostgreSQL loaded by the real CLI from the bundled sample (two runs). Expected values
 * are computed independently: from the silver and gold Parquet files with DuckDB, and from the run summaries.
 */
let f: ApiFixture;
let t: TestApp;
let auth: Record<string, string>;

interface Envelope<T> {
  status: string;
  data: T;
  metadata: {
    timestamp: string;
    version: string;
    processing_time_ms: number;
    pagination?: { limit: number; next_cursor: string | null };
  };
}

const get = async <T>(url: string): Promise<Envelope<T>> => {
  const res = await t.app.inject({ method: 'GET', url, headers: auth });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json() as Envelope<T>;
};

/** Follows next_cursor to the end; returns every item and the number of pages. */
const all = async <T>(url: string): Promise<{ items: T[]; pages: number }> => {
  const items: T[] = [];
  let next: string | null | undefined;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const body = await get<T[]>(next ? `${url}${sep}cursor=${encodeURIComponent(next)}` : url);
    items.push(...body.data);
    next = body.metadata.pagination?.next_cursor;
    pages++;
    expect(pages).toBeLessThan(10_000);
  } while (next);
  return { items, pages };
};

const silver = () => f.pipeline.silverTable('sales_lines');
const gold = (table: string) => f.pipeline.goldFile(table);
const q = quoteLiteral;

beforeAll(async () => {
  f = await startApiFixture({ steps: ['bronze', 'silver', 'gold', 'warehouse', 'search'] });
  expect(f.runs.map((r) => r.code)).toEqual([0, 0]);
  t = await buildTestApp({ url: f.pg.url, schema: SCHEMA });
  auth = { authorization: `Bearer ${await token('viewer')}` };
});
afterAll(async () => {
  await t?.close();
  await f?.close();
});

describe('sales lines', () => {
  const cases: [string, string, string][] = [
    ['no filter', '', 'true'],
    [
      'date range',
      'from=2010-12-02&to=2011-12-08',
      `business_date BETWEEN DATE '2010-12-02' AND DATE '2011-12-08'`,
    ],
    ['country', 'country=France', `country = 'France'`],
    ['customer', 'customer=17850', `customer_id = '17850'`],
    ['stock code', 'stock_code=85123A', `stock_code = '85123A'`],
    ['line type', 'line_type=cancellation', `line_type = 'cancellation'`],
    [
      'all filters together',
      'from=2010-12-01&to=2010-12-03&country=United%20Kingdom&line_type=sale&stock_code=22423',
      `business_date BETWEEN DATE '2010-12-01' AND DATE '2010-12-03' AND country = 'United Kingdom' AND line_type = 'sale' AND stock_code = '22423'`,
    ],
  ];
  it.each(cases)(
    '%s: pages to the end without gaps or repeats, equal to the silver lines',
    async (_name, query, where) => {
      const expected = (
        await f.pipeline.query(
          `SELECT row_hash FROM ${await silver()} WHERE ${where} ORDER BY business_date, row_hash`,
        )
      ).map((r) => String(r.row_hash));
      expect(expected.length).toBeGreaterThan(0);
      const limit = expected.length > 2_000 ? 500 : 7;
      const { items, pages } = await all<{ id: string }>(`/api/v1/sales?limit=${limit}&${query}`);
      const ids = items.map((i) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expected);
      expect(pages).toBe(Math.floor(expected.length / limit) + 1);
    },
  );

  it('returns exact amounts, the customer and the country of each line', async () => {
    const [line] = (
      await get<Record<string, unknown>[]>('/api/v1/sales?stock_code=85123A&limit=1&customer=17850')
    ).data;
    const [row] = await f.pipeline.query(
      `SELECT invoice_no, quantity, CAST(unit_price AS VARCHAR) AS unit_price, CAST(line_amount AS VARCHAR) AS line_amount, country
       FROM ${await silver()} WHERE stock_code = '85123A' AND customer_id = '17850' ORDER BY business_date, row_hash LIMIT 1`,
    );
    expect(line).toMatchObject({
      invoice_no: row!.invoice_no,
      quantity: Number(row!.quantity),
      country: row!.country,
      customer_id: '17850',
    });
    expect(Number(line!.line_amount)).toBe(Number(row!.line_amount));
    expect(Number(line!.unit_price)).toBe(Number(row!.unit_price));
  });

  it('rejects a cursor from another list and a forged one with 400', async () => {
    const products = await get<unknown[]>('/api/v1/products?limit=1');
    const other = products.metadata.pagination!.next_cursor!;
    for (const cursor of [other, 'bm90LWpzb24', Buffer.from('["sales",1e99,"x"]').toString('base64url')]) {
      const res = await t.app.inject({ url: `/api/v1/sales?cursor=${cursor}`, headers: auth });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ status: 'error', data: null, error: { code: 'INVALID_CURSOR' } });
    }
  });
});

describe('KPIs equal the gold outputs', () => {
  const money = (v: unknown) => Number(v).toFixed(6);
  it('summary = gold kpis', async () => {
    const [k] = await f.pipeline.query(`SELECT * FROM ${q(gold('kpis'))}`);
    const { data } = await get<Record<string, unknown>>('/api/v1/kpis/summary');
    expect({
      revenue: money(data.revenue),
      orders: data.orders,
      customers: data.customers,
      units: data.units,
      aov: money(data.average_order_value),
      cancelled: data.cancelled_invoices,
      cancellation: money(data.cancellation_value),
      eur: money(data.revenue_eur),
      usd: money(data.revenue_usd),
    }).toEqual({
      revenue: money(k!.revenue),
      orders: Number(k!.orders),
      customers: Number(k!.customers),
      units: Number(k!.units),
      aov: money(k!.average_order_value),
      cancelled: Number(k!.cancelled_invoices),
      cancellation: money(k!.cancellation_value),
      eur: money(k!.revenue_eur),
      usd: money(k!.revenue_usd),
    });
  });

  it.each([
    ['daily', 'kpi_daily', 'business_date'],
    ['monthly', 'kpi_monthly', 'month'],
  ])('%s = gold %s', async (endpoint, table, column) => {
    const rows = await f.pipeline.query(
      `SELECT CAST(${column} AS VARCHAR) AS period, revenue, orders, customers, units, revenue_eur, revenue_usd
       FROM ${q(gold(table))} ORDER BY ${column}`,
    );
    const { data } = await get<Record<string, unknown>[]>(`/api/v1/kpis/${endpoint}`);
    const norm = (r: Record<string, unknown>) => ({
      period: String(r.period),
      revenue: money(r.revenue),
      orders: Number(r.orders),
      customers: Number(r.customers),
      units: Number(r.units),
      eur: money(r.revenue_eur),
      usd: money(r.revenue_usd),
    });
    expect(rows.length).toBeGreaterThan(1);
    expect(data.map(norm)).toEqual(rows.map(norm));
  });

  it('a date range narrows daily and monthly series and the summary (computed from the facts)', async () => {
    const daily = await get<{ period: string }[]>('/api/v1/kpis/daily?from=2010-12-02&to=2010-12-03');
    expect(daily.data.map((d) => d.period)).toEqual(['2010-12-02', '2010-12-03']);
    const monthly = await get<{ period: string }[]>('/api/v1/kpis/monthly?from=2011-12-09&to=2011-12-31');
    expect(monthly.data.map((d) => d.period)).toEqual(['2011-12-01']);
    const [day] = await f.pipeline.query(
      `SELECT * FROM ${q(gold('kpi_daily'))} WHERE business_date = DATE '2010-12-02'`,
    );
    const one = await get<Record<string, unknown>>('/api/v1/kpis/summary?from=2010-12-02&to=2010-12-02');
    expect([money(one.data.revenue), one.data.orders, one.data.customers, one.data.units]).toEqual([
      money(day!.revenue),
      Number(day!.orders),
      Number(day!.customers),
      Number(day!.units),
    ]);
  });

  it('by country over one day = gold country_daily; over all days = the silver sales by country', async () => {
    const day = await f.pipeline.query(
      `SELECT country, revenue, orders, customers, units FROM ${q(gold('country_daily'))}
       WHERE business_date = DATE '2011-12-08' ORDER BY revenue DESC, country`,
    );
    const api = await get<Record<string, unknown>[]>('/api/v1/kpis/countries?from=2011-12-08&to=2011-12-08');
    const norm = (r: Record<string, unknown>) => [
      r.country,
      money(r.revenue),
      Number(r.orders),
      Number(r.customers),
      Number(r.units),
    ];
    expect(api.data.map(norm)).toEqual(day.map(norm));
    const allDays = await f.pipeline.query(
      `SELECT country, sum(line_amount) AS revenue, count(DISTINCT invoice_no) AS orders,
         count(DISTINCT customer_id) AS customers, sum(quantity) AS units
       FROM ${await silver()} WHERE line_type = 'sale' GROUP BY country ORDER BY revenue DESC, country`,
    );
    const whole = await get<Record<string, unknown>[]>('/api/v1/kpis/countries');
    expect(whole.data.map(norm)).toEqual(allDays.map(norm));
  });

  it('rejects an inverted or impossible range with 400', async () => {
    for (const query of ['from=2011-01-02&to=2011-01-01', 'from=2011-02-30', 'to=0000-01-01']) {
      const res = await t.app.inject({ url: `/api/v1/kpis/daily?${query}`, headers: auth });
      expect(res.statusCode, query).toBe(400);
    }
  });
});

describe('products', () => {
  it('lists every product once, in stock-code order, equal to the silver stock codes', async () => {
    const { items } = await all<{ stock_code: string }>('/api/v1/products?limit=97');
    const expected = (await f.pipeline.query(`SELECT DISTINCT stock_code FROM ${await silver()}`)).map((r) =>
      String(r.stock_code),
    );
    const codes = items.map((i) => i.stock_code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual([...expected].sort());
    expect(codes).toEqual([...codes].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
  });

  it('gets one product with its sales, and 404 for an unknown one', async () => {
    const [row] = await f.pipeline.query(
      `SELECT sum(line_amount) AS revenue, sum(quantity) AS units, count(DISTINCT invoice_no) AS orders
       FROM ${await silver()} WHERE stock_code = '85123A' AND line_type = 'sale'`,
    );
    const { data } = await get<{ sales: Record<string, unknown> }>('/api/v1/products/85123A');
    expect([Number(data.sales.revenue).toFixed(2), data.sales.units, data.sales.orders]).toEqual([
      Number(row!.revenue).toFixed(2),
      Number(row!.units),
      Number(row!.orders),
    ]);
    const missing = await t.app.inject({ url: '/api/v1/products/NOPE-0', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 'error', error: { code: 'NOT_FOUND' } });
  });

  it('searches with text, filters and facets on the PostgreSQL fallback, paging without repeats', async () => {
    const res = await get<{
      found: number;
      engine: string;
      hits: {
        stock_code: string;
        description: string;
        category: string;
        countries: string[];
        price_min: number;
        price_max: number;
      }[];
      facets: { category: { value: string; count: number }[] };
    }>('/api/v1/products/search?q=heart&limit=5');
    expect(res.data.engine).toBe('postgres');
    expect(res.data.found).toBeGreaterThan(5);
    expect(res.data.hits.every((h) => /heart/i.test(h.description))).toBe(true);
    expect(res.data.facets.category.reduce((n, c) => n + c.count, 0)).toBe(res.data.found);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: Envelope<{ hits: { stock_code: string }[] }> = await get(
        `/api/v1/products/search?q=heart&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...body.data.hits.map((h) => h.stock_code));
      cursor = body.metadata.pagination!.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(res.data.found);

    // Filters taken from one hit must keep it, and every hit must satisfy them.
    const h = res.data.hits[0]!;
    const filter = `category=${encodeURIComponent(h.category)}&country=${encodeURIComponent(h.countries[0]!)}&min_price=${h.price_min}&max_price=${h.price_max}`;
    const filtered = await get<{ hits: typeof res.data.hits }>(
      `/api/v1/products/search?q=*&${filter}&limit=100`,
    );
    expect(filtered.data.hits.map((x) => x.stock_code)).toContain(h.stock_code);
    for (const x of filtered.data.hits) {
      expect(x.category).toBe(h.category);
      expect(x.countries).toContain(h.countries[0]);
      expect(x.price_min).toBeGreaterThanOrEqual(h.price_min);
      expect(x.price_max).toBeLessThanOrEqual(h.price_max);
    }
  });
});

describe('runs', () => {
  it('lists both recorded runs newest first, filters by phase and time, pages by cursor', async () => {
    const ids = f.runs.map((r) => /run (\S+): /.exec(r.out)![1]!);
    const { items } = await all<{ id: string; phase: string; pipeline: string }>('/api/v1/runs?limit=1');
    expect(items.map((r) => r.id)).toEqual([...ids].reverse());
    expect(items.map((r) => r.phase)).toEqual(['Degraded', 'Succeeded']);
    const degraded = await get<{ id: string }[]>('/api/v1/runs?phase=Degraded');
    expect(degraded.data.map((r) => r.id)).toEqual([ids[1]]);
    const byPipeline = await get<unknown[]>('/api/v1/runs?pipeline=fixture');
    expect(byPipeline.data).toHaveLength(2);
    expect((await get<unknown[]>('/api/v1/runs?pipeline=other')).data).toHaveLength(0);
    const second = await get<{ started_at: string }>(`/api/v1/runs/${ids[1]}`);
    const since = await get<{ id: string }[]>(
      `/api/v1/runs?since=${encodeURIComponent(second.data.started_at)}`,
    );
    expect(since.data.map((r) => r.id)).toEqual([ids[1]]);
    const until = await get<{ id: string }[]>(
      `/api/v1/runs?until=${encodeURIComponent(second.data.started_at)}`,
    );
    expect(until.data.map((r) => r.id)).toEqual([ids[0]]);
  });

  it('serves a run, its quality report and its OpenLineage events as the runner wrote them', async () => {
    const id = /run (\S+): /.exec(f.runs[0]!.out)![1]!;
    const summary = JSON.parse(
      await import('node:fs').then((fs) =>
        fs.readFileSync(`${f.pipeline.lakeDir}/_runs/${id}/summary.json`, 'utf8'),
      ),
    ) as { quality: { score: number }; kpis: Record<string, number>; steps: Record<string, unknown> };
    const run = await get<{ steps: { name: string }[]; kpis: Record<string, number>; quality_score: number }>(
      `/api/v1/runs/${id}`,
    );
    expect(run.data.steps.map((s) => s.name)).toEqual(Object.keys(summary.steps));
    expect(run.data.kpis).toEqual(summary.kpis);
    const quality = await get<{ score: number; report: unknown }>(`/api/v1/runs/${id}/quality`);
    expect(quality.data.report).toEqual(summary.quality);
    const lineage = await get<{ events: { eventType: string; job: { name: string } }[] }>(
      `/api/v1/runs/${id}/lineage`,
    );
    const files = (await import('node:fs')).readdirSync(`${f.pipeline.lakeDir}/_lineage/${id}`).sort();
    expect(lineage.data.events).toHaveLength(files.length);
    expect(lineage.data.events.map((e) => e.eventType)).toEqual(
      files.map((n) => /-(START|COMPLETE|FAIL)\.json$/.exec(n)![1]),
    );
    expect((await t.app.inject({ url: '/api/v1/runs/nope', headers: auth })).statusCode).toBe(404);
  });

  it('lists pipelines from the history, and says how to run locally when asked to trigger without a cluster', async () => {
    const p = await get<{ name: string; runs_recorded: number }[]>('/api/v1/pipelines');
    expect(p.data).toEqual([
      expect.objectContaining({ name: 'fixture', runs_recorded: 2, source: 'history' }),
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/default/fixture/runs',
      headers: { authorization: `Bearer ${await token('operator')}` },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      status: 'error',
      error: { code: 'NO_CLUSTER', hint: expect.stringContaining('medallion run -f') },
    });
  });

  it('reports external API health from the last runs: the FX breaker opened in the second run', async () => {
    const { data } = await get<
      {
        provider: string;
        breaker_state: string;
        source: string;
        healthy: boolean;
        recent: { breaker_state: string }[];
      }[]
    >('/api/v1/external-apis/health');
    const fx = data.find((p) => p.provider === 'currency')!;
    expect(fx).toMatchObject({ breaker_state: 'open', source: 'fallback', healthy: false });
    expect(fx.recent.map((r) => r.breaker_state)).toEqual(['open', 'closed']);
    expect(data.find((p) => p.provider === 'country')).toMatchObject({
      breaker_state: 'closed',
      healthy: true,
    });
  });
});

describe('envelope, health and metrics', () => {
  it('wraps every response, errors included, and names routes by pattern in the metrics', async () => {
    for (const [url, status] of [
      ['/healthz', 200],
      ['/readyz', 200],
      ['/api/v1/kpis/summary', 200],
      ['/api/v1/nothing', 404],
      ['/api/v1/sales?limit=0', 400],
    ] as const) {
      const res = await t.app.inject({ url, headers: auth });
      expect(res.statusCode, url).toBe(status);
      const body = res.json();
      expect(Object.keys(body)).toEqual(expect.arrayContaining(['status', 'data', 'metadata']));
      expect(body.metadata).toMatchObject({
        version: 'v1',
        timestamp: expect.any(String),
        processing_time_ms: expect.any(Number),
      });
    }
    await t.app.inject({ url: '/api/v1/runs/some-random-id-123', headers: auth });
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(
      /medallion_api_requests_total\{method="GET",route="\/api\/v1\/runs\/:runId",status_code="404"\} \d+/,
    );
    expect(metrics).not.toContain('some-random-id-123');
    expect(metrics).toMatch(/route="unmatched",status_code="404"/);
  });
});
