/**
 * Exact money arithmetic on decimal strings with BigInt. Line amounts are quantity × unit price (exact, prices have
 * at most 3 decimals); converted amounts are the exact rational value rounded ONCE to cents, half-even (banker's
 * rounding: ties go to the even cent, so rounding errors do not drift in one direction over 400k lines).
 *
 *   amount_eur = amount_gbp / GBP            amount_usd = amount_gbp × USD / GBP      (rates per EUR)
 */

export interface Decimal {
  /** Unscaled value: 15.30 is { units: 1530n, scale: 2 }. */
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

export function parseDecimal(text: string): Decimal {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new TypeError(`not a decimal number: ${JSON.stringify(text)}`);
  const fraction = m[3] ?? '';
  const units = BigInt(`${m[2]}${fraction}`);
  return { units: m[1] === '-' ? -units : units, scale: fraction.length };
}

/** Shortest decimal text of a finite number; exact for ECB rates, which have at most 6 significant digits. */
export function decimalFromNumber(value: number): Decimal {
  if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
  const text = String(value);
  if (/e/i.test(text)) throw new TypeError(`number needs exponent notation, not supported: ${text}`);
  return parseDecimal(text);
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** n / d rounded to the nearest integer, ties to even. d must be non-zero. */
export function divRoundHalfEven(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) return divRoundHalfEven(-n, -d);
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const twice = (a % d) * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

function multiply(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Exact GBP amount of a line: quantity × unit price. */
export function lineAmountGbp(quantity: number | bigint, unitPrice: string): Decimal {
  if (typeof quantity === 'number' && !Number.isSafeInteger(quantity)) {
    throw new TypeError(`quantity must be an integer: ${quantity}`);
  }
  return multiply({ units: BigInt(quantity), scale: 0 }, parseDecimal(unitPrice));
}

/** amount / rate, in cents, rounded half-even. */
export function toEurCents(amountGbp: Decimal, gbpPerEur: Decimal): bigint {
  // (a / 10^sa) / (g / 10^sg) × 100 = a × 10^sg × 100 / (g × 10^sa)
  return divRoundHalfEven(
    amountGbp.units * pow10(gbpPerEur.scale + 2),
    gbpPerEur.units * pow10(amountGbp.scale),
  );
}

/** amount × USD / GBP, in cents, rounded half-even. */
export function toUsdCents(amountGbp: Decimal, gbpPerEur: Decimal, usdPerEur: Decimal): bigint {
  const numerator = amountGbp.units * usdPerEur.units * pow10(gbpPerEur.scale + 2);
  const denominator = gbpPerEur.units * pow10(amountGbp.scale + usdPerEur.scale);
  return divRoundHalfEven(numerator, denominator);
}

/** Cents as a fixed two-decimal string: -1234n → "-12.34". */
export function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

/** EUR and USD of a GBP amount at one date's rates, both rounded half-even to cents. */
export function convertGbp(
  amountGbp: Decimal,
  rate: { gbp: string; usd: string },
): { eurCents: bigint; usdCents: bigint } {
  const gbp = parseDecimal(rate.gbp);
  return {
    eurCents: toEurCents(amountGbp, gbp),
    usdCents: toUsdCents(amountGbp, gbp, parseDecimal(rate.usd)),
  };
}
