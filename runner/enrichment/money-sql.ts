import { parseDecimal } from './money.js';

/**
 * The money policy of money.ts as SQL expressions, for engines that convert whole tables (DuckDB): exact integer
 * arithmetic on HUGEINT and half-even rounding, so SQL and TypeScript agree to the cent. DuckDB's DECIMAL division
 * goes through DOUBLE and its round() rounds ties away from zero; neither would match on the 53 exact ties of the
 * Online Retail data.
 *
 * Inputs are integers: the line amount in thousandths of a pound (prices have at most 3 decimals) and the rates in
 * millionths (ECB rates have at most 6 decimals; see toMicros).
 */

/** A rate (or any decimal with at most 6 decimals) as an integer count of millionths: "0.85315" → 853150n. */
export function toMicros(decimal: string): bigint {
  const d = parseDecimal(decimal);
  if (d.scale > 6) throw new RangeError(`more than 6 decimals: ${decimal}`);
  return d.units * 10n ** BigInt(6 - d.scale);
}

/** n / d rounded half-even, for integer SQL expressions n (any sign) and d (> 0). */
export function halfEvenDivSql(n: string, d: string): string {
  const a = `abs(CAST((${n}) AS HUGEINT))`;
  const den = `CAST((${d}) AS HUGEINT)`;
  const q = `(${a} // ${den})`;
  const twiceR = `(2 * (${a} % ${den}))`;
  const rounded = `(${q} + CASE WHEN ${twiceR} > ${den} OR (${twiceR} = ${den} AND ${q} % 2 = 1) THEN 1 ELSE 0 END)`;
  return `(sign(CAST((${n}) AS HUGEINT)) * ${rounded})`;
}

/** EUR cents of a line: amount / GBP = (m / 1000) / (g / 10^6) → cents = m × 100000 / g. */
export function eurCentsSql(amountMilliGbp: string, gbpMicros: string): string {
  return halfEvenDivSql(`CAST((${amountMilliGbp}) AS HUGEINT) * 100000`, gbpMicros);
}

/** USD cents of a line: amount × USD / GBP = (m / 1000) × u / g → cents = m × u / (10 × g). */
export function usdCentsSql(amountMilliGbp: string, gbpMicros: string, usdMicros: string): string {
  return halfEvenDivSql(
    `CAST((${amountMilliGbp}) AS HUGEINT) * CAST((${usdMicros}) AS HUGEINT)`,
    `10 * CAST((${gbpMicros}) AS HUGEINT)`,
  );
}
