import { createEnrichment, type EnrichmentResult, type EnrichmentSummary } from '../enrichment/index.js';
import type { StepContext } from '../run/step-types.js';
import { enrichmentInputSql, loadEnrichmentSql } from './enrichment-sql.js';

/** What the silver version records about its enrichment (SilverMeta.enrichment, and the run summary). */
export interface SilverEnrichment {
  summary: EnrichmentSummary;
  degraded: boolean;
  degradedReasons: string[];
  /** Rows of fx_rates.parquet and countries.parquet. */
  rates: number;
  countries: number;
  missingRateDates: string[];
}

/**
 * Asks the providers once for the distinct dates, countries and descriptions of the classified silver lines and
 * loads the answers as temp tables (enrich_rates, enrich_countries, enrich_categories) for the silver SQL to join.
 * Disabled enrichment loads empty tables, so the enriched columns exist and are null. Outages never throw.
 */
export async function enrichSilverLines(
  ctx: StepContext,
  /** Business dates and countries of the partitions this run did not recompute: the lookup tables cover all. */
  kept: { dates: string[]; countries: string[] } = { dates: [], countries: [] },
): Promise<SilverEnrichment | null> {
  const { engine, spec } = ctx;
  let result: EnrichmentResult | undefined;
  if (spec.enrichment.enabled) {
    const sql = enrichmentInputSql();
    const values = async (q: string): Promise<string[]> => (await engine.all(q)).map((r) => String(r.v));
    const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])].sort();
    const [dates, countries, descriptions] = [
      union(await values(sql.dates), kept.dates),
      union(await values(sql.countries), kept.countries),
      await values(sql.descriptions),
    ];
    const enrichment = createEnrichment({
      spec: spec.enrichment,
      cacheDir: ctx.enrichment.cacheDir,
      logger: ctx.logger.child({ component: 'enrichment' }),
      registry: ctx.enrichment.registry,
      fxUrl: ctx.enrichment.fxUrl,
      countriesUrl: ctx.enrichment.countriesUrl,
    });
    try {
      result = await enrichment.enrich({ dates, countries, descriptions });
    } finally {
      enrichment.close();
    }
    const s = result.summary;
    ctx.progress.step(
      'silver',
      `enrichment: currency ${s.currency.source}, country ${s.country.source}, ` +
        `${s.product.categorised}/${s.product.descriptions} descriptions categorised`,
    );
  }
  for (const statement of loadEnrichmentSql(result)) await engine.run(statement);
  if (!result) return null;
  return {
    summary: result.summary,
    degraded: result.degraded,
    degradedReasons: result.degradedReasons,
    rates: result.rates.length,
    countries: result.countries.length,
    missingRateDates: result.missingRateDates,
  };
}
