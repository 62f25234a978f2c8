import { describe, expect, it } from 'vitest';
import { SearchSpecSchema } from '../spec/search-spec.js';
import { fuzzyTokens, searchSql } from './pg-search-sql.js';
import { normaliseQuery, sortFacets } from './search-query.js';
import { resolveSearchTarget } from './search-target.js';
import { documentId, pageWindow, searchParams } from './typesense-documents.js';

const query = (extra: object = {}) => normaliseQuery({ q: '*', limit: 10, offset: 0, ...extra });
const NASTY = `x'; DROP TABLE t; -- "y" $1 \\ %_`;

describe('PostgreSQL search SQL', () => {
  it('passes every user value as a parameter, never in the SQL text', () => {
    const s = searchSql(
      'medallion',
      query({ q: NASTY, category: NASTY, country: NASTY, minPrice: 1, maxPrice: 2 }),
      'ext',
    );
    expect(s.text).not.toContain('DROP TABLE');
    expect(s.values).toContain(NASTY);
    expect(s.values).toContain(`X'; DROP TABLE T; -- "Y" $1 \\\\ \\%\\_%`);
    expect(s.text).toContain('"ext".word_similarity(');
  });
  it('omits the trigram clause without pg_trgm, and the text clause for match-all', () => {
    expect(searchSql('m', query({ q: 'lamp' }), undefined).text).not.toContain('word_similarity');
    expect(searchSql('m', query({ q: '*' }), 'ext').text).not.toContain('websearch_to_tsquery');
  });
  it('keeps words trigrams can match', () => {
    expect(fuzzyTokens(' red  -- lanturn % ')).toEqual(['red', 'lanturn']);
  });
});

describe('queries', () => {
  it('rejects what no backend can answer', () => {
    for (const bad of [
      { limit: 0 },
      { limit: 101 },
      { offset: 1.5 },
      { minPrice: -1 },
      { minPrice: 5, maxPrice: 1 },
      { q: 'x'.repeat(201) },
    ])
      expect(() => query(bad)).toThrow(expect.objectContaining({ code: 'SEARCH_BAD_QUERY' }));
    expect(query({ q: '  ', category: ' ' })).toMatchObject({ text: undefined, category: undefined });
  });
  it('orders facets by count, then value', () => {
    expect(
      sortFacets([
        { value: 'b', count: 1 },
        { value: 'a', count: 1 },
        { value: 'c', count: 2 },
      ]).map((f) => f.value),
    ).toEqual(['c', 'a', 'b']);
  });
});

describe('Typesense parameters', () => {
  it('quotes filter values in backticks and pages on page boundaries', () => {
    const p = searchParams(
      query({ category: 'Party & Gift Wrap', country: 'EIRE', minPrice: 0.5, limit: 20, offset: 40 }),
    );
    expect(p).toMatchObject({
      filter_by: 'category:=`Party & Gift Wrap` && countries:=`EIRE` && price_min:>=0.5',
      page: 3,
      per_page: 20,
      facet_by: 'category,countries',
    });
    // Typesense 0.24 has no offset/limit: an offset off a page boundary becomes a page holding the window.
    expect(searchParams(query({ limit: 20, offset: 5 }))).toMatchObject({ page: 1, per_page: 25 });
    expect(searchParams(query({ limit: 20, offset: 5 }))).not.toHaveProperty('offset');
    expect(searchParams(query({ category: 'a`b' }))).toBeUndefined();
  });
  it('covers any offset window with pages', () => {
    for (let offset = 0; offset < 3000; offset += 7)
      for (const limit of [1, 5, 20, 97, 100]) {
        const w = pageWindow(offset, limit);
        const start = (w.pages[0]! - 1) * w.perPage;
        expect(start + w.skip).toBe(offset);
        expect(start + w.pages.length * w.perPage).toBeGreaterThanOrEqual(offset + limit);
        expect(w.perPage).toBeLessThanOrEqual(250);
        expect(w.perPage).toBeGreaterThanOrEqual(limit);
      }
    expect(pageWindow(40, 20)).toEqual({ perPage: 20, pages: [3], skip: 0 });
    // No page size up to 250 holds 125..250 in one page (reachable only with limits over 100): two pages.
    expect(pageWindow(125, 126)).toEqual({ perPage: 126, pages: [1, 2], skip: 125 });
  });
  it('makes URL-safe document ids', () => {
    expect(documentId('85123A')).toBe('85123A');
    expect(documentId('A B/C')).toBe('A~20B~2fC');
  });
});

describe('search target', () => {
  const spec = SearchSpecSchema.parse({});
  it('uses PostgreSQL without a Typesense URL, and refuses a URL without a key', () => {
    expect(resolveSearchTarget(spec, {})).toEqual({ engine: 'postgres' });
    expect(
      resolveSearchTarget(spec, { TYPESENSE_URL: 'http://t:8108', TYPESENSE_API_KEY: 'k' }),
    ).toMatchObject({ engine: 'typesense', apiKey: 'k' });
    expect(() => resolveSearchTarget(spec, { TYPESENSE_URL: 'http://t:8108' })).toThrow(
      /TYPESENSE_API_KEY is empty/,
    );
    expect(() =>
      resolveSearchTarget(spec, { TYPESENSE_URL: 'typesense:8108', TYPESENSE_API_KEY: 'k' }),
    ).toThrow(/not an http/);
  });
});
