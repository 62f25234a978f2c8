import { describe, expect, it } from 'vitest';
import {
  convertGbp,
  decimalFromNumber,
  divRoundHalfEven,
  formatCents,
  lineAmountGbp,
  parseDecimal,
  toEurCents,
  toUsdCents,
} from './money.js';

describe('parseDecimal / decimalFromNumber', () => {
  it('keeps the digits exactly', () => {
    expect(parseDecimal('15.30')).toEqual({ units: 1530n, scale: 2 });
    expect(parseDecimal('-0.001')).toEqual({ units: -1n, scale: 3 });
    expect(parseDecimal('7')).toEqual({ units: 7n, scale: 0 });
    expect(decimalFromNumber(0.8393)).toEqual({ units: 8393n, scale: 4 });
  });
  it('refuses non-decimals', () => {
    expect(() => parseDecimal('1e3')).toThrow(TypeError);
    expect(() => parseDecimal('N/A')).toThrow(TypeError);
    expect(() => decimalFromNumber(Number.NaN)).toThrow(TypeError);
    expect(() => decimalFromNumber(1e-7)).toThrow(TypeError);
  });
});

describe('divRoundHalfEven', () => {
  it('rounds ties to the even neighbour, both signs', () => {
    expect(divRoundHalfEven(5n, 2n)).toBe(2n);
    expect(divRoundHalfEven(7n, 2n)).toBe(4n);
    expect(divRoundHalfEven(-5n, 2n)).toBe(-2n);
    expect(divRoundHalfEven(-7n, 2n)).toBe(-4n);
    expect(divRoundHalfEven(5n, -2n)).toBe(-2n);
  });
  it('rounds non-ties to nearest', () => {
    expect(divRoundHalfEven(10n, 3n)).toBe(3n);
    expect(divRoundHalfEven(20n, 3n)).toBe(7n);
    expect(divRoundHalfEven(-20n, 3n)).toBe(-7n);
  });
  it('refuses division by zero', () => {
    expect(() => divRoundHalfEven(1n, 0n)).toThrow(RangeError);
  });
});

describe('conversions', () => {
  // 2010-12-01: GBP 0.8393, USD 1.3115 per EUR.
  const rate = { gbp: '0.8393', usd: '1.3115' };
  it('computes line amounts exactly', () => {
    expect(lineAmountGbp(6, '2.55')).toEqual({ units: 1530n, scale: 2 });
    expect(lineAmountGbp(3, '0.001')).toEqual({ units: 3n, scale: 3 });
    expect(() => lineAmountGbp(1.5, '1')).toThrow(TypeError);
  });
  it('converts GBP to EUR (÷ GBP) and USD (× USD ÷ GBP), rounded to cents', () => {
    // 15.30 / 0.8393 = 18.2294769...; 15.30 × 1.3115 / 0.8393 = 23.9079590...
    expect(convertGbp(lineAmountGbp(6, '2.55'), rate)).toEqual({ eurCents: 1823n, usdCents: 2391n });
  });
  it('uses half-even on exact ties', () => {
    // 0.125 GBP at a rate of 1 is exactly 12.5 cents → 12; 0.135 → 14.
    expect(toEurCents(parseDecimal('0.125'), parseDecimal('1'))).toBe(12n);
    expect(toEurCents(parseDecimal('0.135'), parseDecimal('1'))).toBe(14n);
    expect(toUsdCents(parseDecimal('0.125'), parseDecimal('0.5'), parseDecimal('0.5'))).toBe(12n);
  });
  it('formats cents', () => {
    expect(formatCents(1823n)).toBe('18.23');
    expect(formatCents(5n)).toBe('0.05');
    expect(formatCents(-1234n)).toBe('-12.34');
    expect(formatCents(0n)).toBe('0.00');
  });
});
