import worldCountries from 'world-countries';
import { describe, expect, it } from 'vitest';
import { normalizeCountryName, parseRestCountries, resolveCountryNames } from './country-resolution.js';

const records = parseRestCountries(worldCountries);

describe('parseRestCountries', () => {
  it('reads the REST Countries v3.1 shape (world-countries shares it)', () => {
    const gb = records.find((r) => r.cca2 === 'GB');
    expect(gb).toMatchObject({
      cca3: 'GBR',
      commonName: 'United Kingdom',
      region: 'Europe',
      currencies: ['GBP'],
    });
    // Antarctica has neither subregion nor currencies; both are optional in the contract.
    expect(records.find((r) => r.cca2 === 'AQ')).toMatchObject({ subregion: null, currencies: [] });
  });

  it('refuses bodies that are off-contract', () => {
    expect(() => parseRestCountries({ message: 'Not Found', status: 404 })).toThrow();
    expect(() => parseRestCountries([])).toThrow(/full list/);
    expect(() => parseRestCountries(Array(200).fill({ name: 'France' }))).toThrow();
  });
});

describe('resolveCountryNames', () => {
  it('resolves the abbreviations of the data through explicit aliases', () => {
    const out = resolveCountryNames(['EIRE', 'RSA', 'USA', 'Czech Republic'], records);
    expect(
      out.map((c) => (c.kind === 'country' ? [c.name, c.cca2, c.cca3, c.currency, c.matchedBy] : c)),
    ).toEqual([
      ['Czech Republic', 'CZ', 'CZE', 'CZK', 'alias'],
      ['EIRE', 'IE', 'IRL', 'EUR', 'alias'],
      ['RSA', 'ZA', 'ZAF', 'ZAR', 'alias'],
      ['USA', 'US', 'USA', 'USD', 'alias'],
    ]);
  });

  it('marks names that are not one country, with a reason', () => {
    const out = resolveCountryNames(
      ['Channel Islands', 'European Community', 'Unspecified', 'Atlantis'],
      records,
    );
    expect(out.every((c) => c.kind === 'notACountry')).toBe(true);
    expect(out.find((c) => c.name === 'Channel Islands')).toMatchObject({
      region: 'Europe',
      currency: 'GBP',
    });
    expect(out.find((c) => c.name === 'Atlantis')).toMatchObject({
      reason: 'no ISO 3166-1 country has this name',
    });
  });

  it('matches common and official names regardless of case and accents', () => {
    const out = resolveCountryNames(
      ['hong kong', 'United Arab Emirates', 'Republic of Ireland', 'Curacao'],
      records,
    );
    // Sorted by name, and upper case sorts before lower case.
    expect(out.map((c) => (c.kind === 'country' ? c.cca2 : null))).toEqual(['CW', 'IE', 'AE', 'HK']);
  });

  it('returns one entry per distinct name, sorted', () => {
    expect(resolveCountryNames(['France', 'Austria', 'France'], records).map((c) => c.name)).toEqual([
      'Austria',
      'France',
    ]);
  });
});

describe('normalizeCountryName', () => {
  it('folds case, accents and punctuation', () => {
    expect(normalizeCountryName(' Côte d’Ivoire ')).toBe('COTE D IVOIRE');
    expect(normalizeCountryName('The Gambia')).toBe('GAMBIA');
  });
});
