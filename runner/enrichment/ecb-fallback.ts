import type { EcbRate } from './rate-table.js';

/**
 * The bundled ECB table (data/ecb-rates.json, "Source: European Central Bank"). Imported lazily: a run whose API
 * answers never parses the 230 kB file, and the import makes tsc copy it into dist/ with the code.
 */
export async function loadBundledEcbRates(): Promise<EcbRate[]> {
  const mod = await import('./data/ecb-rates.json', { with: { type: 'json' } });
  return mod.default.rows.map((row) => {
    const [date, gbp, usd] = row;
    if (date === undefined || gbp === undefined || usd === undefined) {
      throw new Error('bundled ecb-rates.json has a short row; regenerate it with build-ecb-table.ts');
    }
    return { date, gbp, usd };
  });
}
