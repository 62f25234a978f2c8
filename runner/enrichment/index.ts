/** Public surface of the enrichment building blocks (see docs/enrichment.md). */
export { createEnrichment } from './enrichment.js';
export type {
  Enrichment,
  EnrichmentInput,
  EnrichmentOptions,
  EnrichmentResult,
  EnrichmentSummary,
  ProductSummary,
} from './enrichment.js';
export { convertGbp, formatCents, lineAmountGbp, parseDecimal, type Decimal } from './money.js';
export { eurCentsSql, halfEvenDivSql, toMicros, usdCentsSql } from './money-sql.js';
export {
  categorizeProduct,
  categoryCoverage,
  PRODUCT_CATEGORIES,
  type ProductCategory,
} from './product-categories.js';
export type { CountryInfo } from './country-resolution.js';
export type { DateRate, EcbRate } from './rate-table.js';
export type { BreakerState, DataSource, ProviderSummary } from './types.js';
