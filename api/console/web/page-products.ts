import { get } from './api.js';
import { count, h, table } from './dom.js';
import type { SearchResult } from './types.js';

export interface ProductQuery {
  q: string;
  category?: string | undefined;
  country?: string | undefined;
  min_price?: string | undefined;
  max_price?: string | undefined;
}

const facetSelect = (
  id: string,
  label: string,
  values: { value: string; count: number }[],
  selected: string | undefined,
) => [
  h('label', { for: id }, label),
  h(
    'select',
    { id, name: id },
    h('option', { value: '' }, 'any'),
    ...values.map((f) =>
      h('option', { value: f.value, selected: f.value === selected }, `${f.value} (${count(f.count)})`),
    ),
  ),
];

export async function productsPage(
  q: ProductQuery,
  onChange: (q: ProductQuery) => void,
): Promise<HTMLElement> {
  const result = await get<SearchResult>('products/search', {
    q: q.q || '*',
    category: q.category,
    country: q.country,
    min_price: q.min_price,
    max_price: q.max_price,
    limit: '25',
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search', id: 'product-search', 'aria-label': 'Product search' },
    h('label', { for: 'q' }, 'Search'),
    h('input', {
      type: 'search',
      id: 'q',
      name: 'q',
      value: q.q,
      placeholder: 'e.g. lunch bag (typos are fine)',
    }),
    ...facetSelect('category', 'Category', result.facets.category, q.category),
    ...facetSelect('country', 'Country', result.facets.country, q.country),
    h('label', { for: 'min_price' }, 'Min price'),
    h('input', {
      type: 'number',
      id: 'min_price',
      name: 'min_price',
      min: 0,
      step: '0.01',
      value: q.min_price ?? '',
    }),
    h('label', { for: 'max_price' }, 'Max price'),
    h('input', {
      type: 'number',
      id: 'max_price',
      name: 'max_price',
      min: 0,
      step: '0.01',
      value: q.max_price ?? '',
    }),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const v = (k: string) => String(d.get(k) ?? '') || undefined;
    onChange({
      q: v('q') ?? '',
      category: v('category'),
      country: v('country'),
      min_price: v('min_price'),
      max_price: v('max_price'),
    });
  });
  return h(
    'section',
    { 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, 'Products'),
    form,
    h(
      'p',
      { id: 'found', 'aria-live': 'polite' },
      h('strong', { 'data-field': 'found' }, count(result.found)),
      ` products match (${result.engine} search)`,
    ),
    table(
      'Matching products',
      ['stock code', 'description', 'category', 'price (GBP)', 'countries', 'revenue (GBP)'],
      result.hits.map((p) => [
        p.stock_code,
        p.description,
        p.category,
        p.price_min === p.price_max
          ? p.price_min.toFixed(2)
          : `${p.price_min.toFixed(2)}–${p.price_max.toFixed(2)}`,
        String(p.countries.length),
        p.revenue.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      ]),
      { id: 'products' },
    ),
  );
}
