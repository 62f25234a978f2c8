/** Line types a silver row can have, in the order the classification tests them (see docs/silver.md). */
export const LINE_TYPES = [
  'cancellation',
  'adjustment',
  'non_merchandise',
  'stock_adjustment',
  'zero_price',
  'sale',
] as const;

/** Exact decimals: unit prices up to 6 places; sums of quantity × price never leave DECIMAL. */
export const PRICE_TYPE = 'DECIMAL(18,6)';
export const AMOUNT_TYPE = 'DECIMAL(38,6)';
