import { z } from 'zod';

/**
 * Resolving the free-text country names of the sales data to ISO 3166-1 countries. Pure: the country list comes
 * from REST Countries or from the world-countries package (same schema, REST Countries is built on it).
 */

export interface CountryRecord {
  cca2: string;
  cca3: string;
  commonName: string;
  officialName: string;
  region: string;
  subregion: string | null;
  /** ISO 4217 codes in the provider's order; the first is used as the country's currency. */
  currencies: string[];
  altSpellings: string[];
}

export type CountryInfo =
  | {
      name: string;
      kind: 'country';
      cca2: string;
      cca3: string;
      countryName: string;
      region: string;
      subregion: string | null;
      currency: string | null;
      matchedBy: 'name' | 'alias';
    }
  | {
      name: string;
      kind: 'notACountry';
      reason: string;
      /** What is still known (for dim_country): Europe/GBP for the Channel Islands, for example. */
      region: string | null;
      currency: string | null;
    };

/** Names of the data that abbreviate a country; decided once here instead of trusting fuzzy matching. */
const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
  EIRE: 'IE', // Irish name of Ireland, used by UK retailers
  RSA: 'ZA', // Republic of South Africa
  USA: 'US',
  UK: 'GB',
  'CZECH REPUBLIC': 'CZ', // ISO short name is now Czechia
};

/** Names that are not one ISO 3166-1 country, with the reason reported in place of codes. */
const NOT_A_COUNTRY: Readonly<
  Record<string, { reason: string; region: string | null; currency: string | null }>
> = {
  'CHANNEL ISLANDS': {
    reason: 'Jersey (JE) and Guernsey (GG) are separate ISO 3166-1 entries and the data does not say which',
    region: 'Europe',
    currency: 'GBP',
  },
  'EUROPEAN COMMUNITY': {
    reason: 'a supranational union (the European Union), not a country',
    region: 'Europe',
    currency: 'EUR',
  },
  UNSPECIFIED: { reason: 'the country was not recorded', region: null, currency: null },
};

export function normalizeCountryName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
    .replace(/^THE /, '');
}

const RestCountry = z.object({
  name: z.object({ common: z.string().min(1), official: z.string().min(1) }),
  cca2: z.string().regex(/^[A-Z]{2}$/),
  cca3: z.string().regex(/^[A-Z]{3}$/),
  region: z.string(),
  subregion: z.string().optional(),
  currencies: z.record(z.string(), z.unknown()).optional(),
  altSpellings: z.array(z.string()).default([]),
});

/** Validates a REST Countries v3.1 `/all` body (or the world-countries array); a near-empty list is off-contract. */
export function parseRestCountries(body: unknown): CountryRecord[] {
  const list = z.array(RestCountry).min(100, 'expected the full list of countries').parse(body);
  return list.map((c) => ({
    cca2: c.cca2,
    cca3: c.cca3,
    commonName: c.name.common,
    officialName: c.name.official,
    region: c.region,
    subregion: c.subregion || null, // world-countries writes "" where REST Countries omits the field
    currencies: Object.keys(c.currencies ?? {}),
    altSpellings: c.altSpellings,
  }));
}

export function resolveCountryNames(
  names: readonly string[],
  records: readonly CountryRecord[],
): CountryInfo[] {
  const byCode = new Map(records.map((r) => [r.cca2, r]));
  const byName = new Map<string, CountryRecord>();
  // Common and official names win over alternative spellings when two countries share a spelling.
  for (const pass of ['alt', 'names'] as const) {
    for (const r of records) {
      const keys =
        pass === 'names' ? [r.commonName, r.officialName] : r.altSpellings.filter((s) => s.length > 3);
      for (const k of keys) byName.set(normalizeCountryName(k), r);
    }
  }
  const toInfo = (name: string, r: CountryRecord, matchedBy: 'name' | 'alias'): CountryInfo => ({
    name,
    kind: 'country',
    cca2: r.cca2,
    cca3: r.cca3,
    countryName: r.commonName,
    region: r.region,
    subregion: r.subregion,
    currency: r.currencies[0] ?? null,
    matchedBy,
  });

  return [...new Set(names)].sort().map((name): CountryInfo => {
    const key = normalizeCountryName(name);
    const excluded = NOT_A_COUNTRY[key];
    if (excluded) return { name, kind: 'notACountry', ...excluded };
    const alias = COUNTRY_ALIASES[key];
    const aliased = alias ? byCode.get(alias) : undefined;
    if (aliased) return toInfo(name, aliased, 'alias');
    const found = byName.get(key);
    if (found) return toInfo(name, found, 'name');
    return {
      name,
      kind: 'notACountry',
      reason: 'no ISO 3166-1 country has this name',
      region: null,
      currency: null,
    };
  });
}
