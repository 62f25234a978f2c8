/** Line types a silver row can have, in the order the classification tests them (see docs/silver.md). */
export const LINE_TYPES = [
  'cancellation',
  'adjustment',
  'non_merchandise',
  'stock_adjustment',
  'zero_price',
  'sale',
] as const;
export type LineType = (typeof LINE_TYPES)[number];

/** Quarantine rule ids. The first four come from bronze (rows that could not be parsed as records). */
export const QUARANTINE_RULES = [
  'ragged_row',
  'broken_quote',
  'invalid_encoding',
  'invalid_json',
  'missing_required',
  'unparseable',
  'zero_quantity',
  'cancellation_positive_quantity',
  'negative_price',
] as const;
export type QuarantineRule = (typeof QUARANTINE_RULES)[number];

/** Exact decimals: unit prices up to 6 places; sums of quantity × price never leave DECIMAL. */
export const PRICE_TYPE = 'DECIMAL(18,6)';
export const AMOUNT_TYPE = 'DECIMAL(38,6)';
