import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { rendered } from './browser.js';

/** GET an /api/v1 path with credentials, unwrap the envelope. The expected numbers come from here, never from code. */
export type ApiGet = <T = any>(path: string) => Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Money as the console prints it: the API's exact decimal, rounded half up to cents, with thousands separators. */
export const moneyText = (decimal: string | null): string => {
  if (decimal === null) return '–';
  const [whole = '0', frac = ''] = decimal.replace('-', '').split('.');
  const micro = BigInt(whole + (frac + '000000').slice(0, 6));
  const cents = (micro + 5_000n) / 10_000n;
  const text = `${(cents / 100n).toLocaleString('en-GB')}.${String(cents % 100n).padStart(2, '0')}`;
  return decimal.startsWith('-') && cents > 0n ? `-${text}` : text;
};
const countText = (n: number) => n.toLocaleString('en-GB');

const cellTexts = async (page: Page, selector: string): Promise<string[][]> =>
  page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('td, th')].map((c) => (c.textContent ?? '').trim())),
  );

export async function checkPipelinesPage(page: Page, api: ApiGet): Promise<void> {
  await rendered(page, 'Pipelines');
  const overview = await api<
    {
      name: string;
      last_run: { id: string; phase: string; quality_score: number | null };
      durations: unknown[];
    }[]
  >('pipelines/overview');
  expect(overview.length).toBeGreaterThan(0);
  const rows = await cellTexts(page, '#pipelines');
  expect(rows.length).toBe(overview.length);
  for (const [i, p] of overview.entries()) {
    expect(rows[i]![0]).toContain(p.name);
    expect(rows[i]![1]).toBe(p.last_run.id);
    expect(rows[i]![2]).toBe(p.last_run.phase);
    expect(rows[i]![3]).toBe(p.last_run.quality_score?.toFixed(4) ?? '–');
  }
  // One sparkline point per finished run the API lists.
  const dots = await page.$$eval('#pipelines tbody tr:first-child svg.spark circle', (c) => c.length);
  expect(dots).toBe(overview[0]!.durations.length);
}

export async function checkRunPage(page: Page, api: ApiGet, runId: string): Promise<void> {
  await rendered(page, `Run ${runId}`);
  const id = encodeURIComponent(runId);
  const run = await api<{
    phase: string;
    steps: { name: string; rows_in: number | null; rows_out: number | null }[];
  }>(`runs/${id}`);
  const quality = await api<{
    score: number;
    report: { checks: { name: string; severity: string; status: string }[] };
  }>(`runs/${id}/quality`);
  const silver = await api<{
    counts: Record<'bronze_rows' | 'silver_rows' | 'quarantined' | 'duplicates', number> & {
      quarantine_by_rule: Record<string, number>;
    };
    samples: { rule: string; rows: unknown[] }[];
    enrichment: Record<string, { source: string; breakerState: string }>;
  }>(`runs/${id}/silver`);
  const lineage = await api<{
    events: {
      eventType: string;
      job: { name: string };
      inputs?: { name: string }[];
      outputs?: { name: string }[];
    }[];
  }>(`runs/${id}/lineage`);

  expect(await page.textContent('[data-field=phase]')).toBe(run.phase);
  expect(await page.textContent('[data-field=quality]')).toBe(quality.score.toFixed(4));
  for (const step of run.steps) {
    expect(await page.textContent(`[data-rows-in="${step.name}"]`)).toBe(countText(step.rows_in ?? 0));
    expect(await page.textContent(`[data-rows-out="${step.name}"]`)).toBe(countText(step.rows_out ?? 0));
  }
  // Timeline: one bar per step attempt the API reports, and (for a runner's run) one per step job's START event.
  const timeline = await api<{
    source: string;
    spans: { step: string; attempt: number; started_at: string; finished_at: string }[];
  }>(`runs/${id}/timeline`);
  expect(timeline.source).toBe('lineage');
  expect(timeline.spans.length).toBe(
    lineage.events.filter((e) => e.eventType === 'START' && e.job.name.includes('.')).length,
  );
  const bars = await page.$$eval('svg.timeline rect.tl-bar', (r) =>
    r.map((x) => x.getAttribute('data-step')),
  );
  expect(bars).toEqual(timeline.spans.map((s) => `${s.step} #${s.attempt}`));
  const table = await cellTexts(page, '#steps');
  for (const s of timeline.spans) {
    const row = table.find((r) => r[0] === s.step)!;
    expect(row.slice(1, 5)).toEqual([
      String(s.attempt),
      expect.any(String),
      s.started_at.slice(11, 23),
      s.finished_at.slice(11, 23),
    ]);
  }
  const c = silver.counts;
  expect(c.bronze_rows).toBe(c.silver_rows + c.quarantined + c.duplicates);
  for (const [k, field] of [
    ['bronze', 'bronze_rows'],
    ['silver', 'silver_rows'],
    ['quarantine', 'quarantined'],
    ['duplicates', 'duplicates'],
  ] as const) {
    expect(await page.textContent(`[data-count=${k}]`)).toBe(countText(c[field]!));
  }
  expect(await page.textContent('#reconciliation')).toContain('reconciled');
  const checks = await cellTexts(page, '#checks');
  expect(checks.map((r) => r.slice(0, 3))).toEqual(
    quality.report.checks.map((k) => [k.name, k.severity, k.status]),
  );
  for (const [rule, n] of Object.entries(c.quarantine_by_rule)) {
    expect(await page.textContent(`[data-rule="${rule}"]`)).toBe(countText(n));
  }
  expect(await page.$$eval('table.samples tbody tr', (r) => r.length)).toBe(
    silver.samples.reduce((n, s) => n + s.rows.length, 0),
  );
  const providers = await cellTexts(page, '#providers');
  expect(providers[0]!.slice(1, 3)).toEqual([
    silver.enrichment.currency!.source,
    silver.enrichment.currency!.breakerState,
  ]);
  // Lineage graph: every job and dataset of the COMPLETE events is a node.
  const done = lineage.events.filter((e) => e.eventType === 'COMPLETE');
  const expected = new Set(
    done.flatMap((e) => [
      e.job.name,
      ...(e.inputs ?? []).map((d) => d.name),
      ...(e.outputs ?? []).map((d) => d.name),
    ]),
  );
  const nodes = await page.$$eval('svg.dag g[data-node]', (g) => g.map((n) => n.getAttribute('data-node')));
  expect(new Set(nodes)).toEqual(expected);
  expect(await page.$$eval('svg.dag path.dag-edge', (p) => p.length)).toBeGreaterThanOrEqual(done.length);
}

export async function checkKpiPage(
  page: Page,
  api: ApiGet,
  range: { from: string; to: string },
): Promise<void> {
  await rendered(page, 'KPIs');
  const q = `from=${range.from}&to=${range.to}`;
  const summary = await api<{
    revenue: string;
    orders: number;
    customers: number;
    units: number;
    revenue_eur: string;
  }>(`kpis/summary?${q}`);
  await expect.poll(() => page.textContent('[data-kpi=orders]')).toBe(countText(summary.orders));
  expect(await page.textContent('[data-kpi=revenue-GBP]')).toBe(moneyText(summary.revenue));
  expect(await page.textContent('[data-kpi=customers]')).toBe(countText(summary.customers));
  expect(await page.textContent('[data-kpi=units]')).toBe(countText(summary.units));
  const monthly = await api<
    { period: string; revenue: string; revenue_eur: string | null; revenue_usd: string | null }[]
  >(`kpis/monthly?${q}`);
  expect((await cellTexts(page, '#monthly')).map((r) => r.slice(0, 4))).toEqual(
    monthly.map((m) => [
      m.period.slice(0, 7),
      moneyText(m.revenue),
      moneyText(m.revenue_eur),
      moneyText(m.revenue_usd),
    ]),
  );
  const countries = await api<{ country: string; revenue: string }[]>(`kpis/countries?${q}`);
  expect((await cellTexts(page, '#countries')).map((r) => r.slice(0, 2))).toEqual(
    countries.slice(0, 15).map((r) => [r.country, moneyText(r.revenue)]),
  );
  const categories = await api<{ category: string | null; revenue: string }[]>(`kpis/categories?${q}`);
  expect((await cellTexts(page, '#categories')).map((r) => r.slice(0, 2))).toEqual(
    categories.map((r) => [r.category ?? '(uncategorised)', moneyText(r.revenue)]),
  );
  const top = await api<{ stock_code: string; revenue: string }[]>(`kpis/top-products?${q}&limit=10`);
  expect((await cellTexts(page, '#top-products')).map((r) => [r[1], r[4]])).toEqual(
    top.map((p) => [p.stock_code, moneyText(p.revenue)]),
  );
  const rfm = await api<{ segment: string; customers: number }[]>('kpis/rfm-segments');
  expect((await cellTexts(page, '#rfm')).map((r) => r.slice(0, 2))).toEqual(
    rfm.map((r) => [r.segment.replaceAll('_', ' '), countText(r.customers)]),
  );
  const cohorts = await api<{ cohort_month: string; period: number; retention_rate: number }[]>(
    `kpis/cohorts?${q}`,
  );
  expect(cohorts.length).toBeGreaterThan(0);
  for (const cell of cohorts) {
    expect(await page.textContent(`[data-cell="${cell.cohort_month}|${cell.period}"]`)).toBe(
      `${(cell.retention_rate * 100).toFixed(0)}%`,
    );
  }
  // The daily chart is drawn (uPlot's canvas) with one x value per day of the range.
  await page.waitForSelector('#daily-chart canvas');
}

export async function checkProductsPage(page: Page, api: ApiGet, query: string): Promise<void> {
  await rendered(page, 'Products');
  await page.fill('#q', query);
  await page.press('#q', 'Enter');
  const result = await api<{
    found: number;
    hits: { stock_code: string }[];
    facets: { category: { value: string }[] };
  }>(`products/search?q=${encodeURIComponent(query)}&limit=25`);
  expect(result.found).toBeGreaterThan(0);
  await expect.poll(() => page.textContent('[data-field=found]')).toBe(countText(result.found));
  expect((await cellTexts(page, '#products')).map((r) => r[0])).toEqual(result.hits.map((h) => h.stock_code));
  // A category facet narrows the search, as the API does.
  const category = result.facets.category[0]!.value;
  await page.selectOption('#category', category);
  await page.click('#product-search button[type=submit]');
  const narrowed = await api<{ found: number; hits: { stock_code: string }[] }>(
    `products/search?q=${encodeURIComponent(query)}&category=${encodeURIComponent(category)}&limit=25`,
  );
  await expect.poll(() => page.textContent('[data-field=found]')).toBe(countText(narrowed.found));
  expect((await cellTexts(page, '#products')).map((r) => r[0])).toEqual(
    narrowed.hits.map((h) => h.stock_code),
  );
}
