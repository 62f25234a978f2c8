import { describe, expect, it } from 'vitest';
import { roundMoney } from './money.js';

describe('roundMoney', () => {
  it('rounds half away from zero at the third decimal', () => {
    expect(roundMoney('8911407.904000')).toBe(8911407.9);
    expect(roundMoney('0.005')).toBe(0.01);
    expect(roundMoney('0.004999')).toBe(0);
    expect(roundMoney('-1.235')).toBe(-1.24);
    expect(roundMoney('12')).toBe(12);
  });
  it('keeps precision beyond what a double holds in the fraction digits', () => {
    expect(roundMoney('123456789012.345678')).toBe(123456789012.35);
  });
  it('rejects text that is not a decimal', () => {
    expect(() => roundMoney('1e5')).toThrow(/not a decimal/);
  });
});
