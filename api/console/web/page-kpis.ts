import { get } from './api.js';
import { lineChart } from './chart.js';
import { count, h, money, percent, table } from './dom.js';
import type { CategoryRow, Cohort, CountryRow, Point, RfmSegment, Summary, TopProduct } from './types.js';

type Currency = 'GBP' | 'EUR' | 'USD';
const amount = (
  m: { revenue: string; revenue_eur: string | null; revenue_usd: string | null },
  c: Currency,
) => (c === 'GBP' ? m.revenue : c === 'EUR' ? m.revenue_eur : m.revenue_usd);

export interface KpiQuery {
  from?: string | undefined;
  to?: string | undefined;
  currency: Currency;
}

function heatmap(cells: Cohort[]): HTMLElement {
  const months = [...new Set(cells.map((c) => c.cohort_month))];
  const periods = Math.max(0, ...cells.map((c) => c.period)) + 1;
  const at = new Map(cells.map((c) => [`${c.cohort_month}|${c.period}`, c]));
  return h(
    'table',
    { id: 'cohorts', class: 'heatmap' },
    h(
      'caption',
      {},
      'Cohort retention: share of each first-purchase month’s customers buying again n months later',
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'cohort'),
        h('th', { scope: 'col' }, 'size'),
        ...Array.from({ length: periods }, (_, p) => h('th', { scope: 'col' }, `+${p}`)),
      ),
    ),
    h(
      'tbody',
      {},
      ...months.map((m) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, m.slice(0, 7)),
          h('td', {}, count(cells.find((c) => c.cohort_month === m)?.cohort_size)),
          ...Array.from({ length: periods }, (_, p) => {
            const c = at.get(`${m}|${p}`);
            return h(
              'td',
              {
                class: c ? `heat heat-${Math.min(9, Math.floor(c.retention_rate * 10))}` : 'heat-none',
                'data-cell': `${m}|${p}`,
              },
              c ? percent(c.retention_rate, 0) : '',
            );
          }),
        ),
      ),
    ),
  );
}

export async function kpisPage(q: KpiQuery, onChange: (q: KpiQuery) => void): Promise<HTMLElement> {
  const range = { from: q.from, to: q.to };
  const [summary, daily, monthly, countries, categories, top, rfm, cohorts] = await Promise.all([
    get<Summary>('kpis/summary', range),
    get<Point[]>('kpis/daily', range),
    get<Point[]>('kpis/monthly', range),
    get<CountryRow[]>('kpis/countries', range),
    get<CategoryRow[]>('kpis/categories', range),
    get<TopProduct[]>('kpis/top-products', { ...range, limit: '10' }),
    get<RfmSegment[]>('kpis/rfm-segments'),
    get<Cohort[]>('kpis/cohorts', range),
  ]);
  const c = q.currency;
  const form = h(
    'form',
    { class: 'filters', id: 'kpi-filters', 'aria-label': 'Date range and currency' },
    h('label', { for: 'from' }, 'From'),
    h('input', { type: 'date', id: 'from', name: 'from', value: q.from ?? '' }),
    h('label', { for: 'to' }, 'To'),
    h('input', { type: 'date', id: 'to', name: 'to', value: q.to ?? '' }),
    h('label', { for: 'currency' }, 'Currency'),
    h(
      'select',
      { id: 'currency', name: 'currency' },
      ...(['GBP', 'EUR', 'USD'] as const).map((x) => h('option', { value: x, selected: x === c }, x)),
    ),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(form);
    onChange({
      from: String(d.get('from') || '') || undefined,
      to: String(d.get('to') || '') || undefined,
      currency: String(d.get('currency')) as Currency,
    });
  });
  const chart = h('div', {
    class: 'chart',
    id: 'daily-chart',
    role: 'img',
    'aria-label': `Daily revenue in GBP, EUR and USD, ${daily.length} days`,
  });
  const tile = (label: string, value: string, field: string) =>
    h(
      'div',
      { class: 'tile' },
      h('div', { class: 'tile-label' }, label),
      h('div', { class: 'tile-value', 'data-kpi': field }, value),
    );
  const section = h(
    'section',
    { 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, 'KPIs'),
    form,
    h(
      'div',
      { class: 'tiles' },
      tile(`Revenue (${c})`, money(amount(summary, c)), `revenue-${c}`),
      tile('Orders', count(summary.orders), 'orders'),
      tile('Customers', count(summary.customers), 'customers'),
      tile('Units', count(summary.units), 'units'),
      tile('Average order (GBP)', money(summary.average_order_value), 'aov'),
    ),
    h('h2', {}, 'Revenue per day'),
    chart,
    table(
      'Revenue per month in GBP, EUR and USD',
      ['month', 'GBP', 'EUR', 'USD', 'orders', 'customers'],
      monthly.map((m) => [
        m.period.slice(0, 7),
        money(m.revenue),
        money(m.revenue_eur),
        money(m.revenue_usd),
        count(m.orders),
        count(m.customers),
      ]),
      { id: 'monthly' },
    ),
    h(
      'div',
      { class: 'grid' },
      table(
        `Revenue by country (${c})`,
        ['country', 'revenue', 'orders', 'customers'],
        countries
          .slice(0, 15)
          .map((r) => [r.country, money(amount(r, c)), count(r.orders), count(r.customers)]),
        { id: 'countries' },
      ),
      table(
        `Revenue by category (${c})`,
        ['category', 'revenue', 'units', 'orders'],
        categories.map((r) => [
          r.category ?? '(uncategorised)',
          money(amount(r, c)),
          count(r.units),
          count(r.orders),
        ]),
        { id: 'categories' },
      ),
    ),
    table(
      'Top products by revenue (GBP)',
      ['rank', 'stock code', 'description', 'category', 'revenue', 'units'],
      top.map((p) => [
        String(p.rank),
        p.stock_code,
        p.description ?? '',
        p.category ?? '',
        money(p.revenue),
        count(p.units),
      ]),
      { id: 'top-products' },
    ),
    table(
      'RFM segments (whole history)',
      ['segment', 'customers', 'revenue (GBP)', 'average recency (days)', 'average orders'],
      rfm.map((r) => [
        r.segment.replaceAll('_', ' '),
        count(r.customers),
        money(r.monetary),
        r.average_recency_days.toFixed(1),
        r.average_frequency.toFixed(2),
      ]),
      { id: 'rfm' },
    ),
    heatmap(cohorts),
  );
  // uPlot measures its container, so it is drawn once the section is in the document.
  queueMicrotask(() => {
    const x = daily.map((d) => Date.parse(`${d.period}T00:00:00Z`) / 1000);
    const num = (v: string | null) => (v === null ? null : Number(v));
    lineChart(
      chart,
      x,
      [
        { label: 'GBP', values: daily.map((d) => num(d.revenue)), className: 'gbp' },
        { label: 'EUR', values: daily.map((d) => num(d.revenue_eur)), className: 'eur' },
        { label: 'USD', values: daily.map((d) => num(d.revenue_usd)), className: 'usd' },
      ],
      Math.max(320, Math.min(1100, chart.clientWidth || 900)),
    );
  });
  return section;
}
