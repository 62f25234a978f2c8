import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { convertGbp, lineAmountGbp } from './money.js';
import { eurCentsSql, toMicros, usdCentsSql } from './money-sql.js';

describe('toMicros', () => {
  it('scales rates to millionths exactly', () => {
    expect(toMicros('0.85315')).toBe(853150n);
    expect(toMicros('1.3384')).toBe(1338400n);
    expect(() => toMicros('0.1234567')).toThrow(RangeError);
  });
});

describe('eurCentsSql / usdCentsSql in DuckDB', () => {
  it('agree with convertGbp to the cent, ties and negative amounts included', async () => {
    const cases: [number, string, string, string][] = [
      [6, '2.55', '0.8393', '1.3115'],
      [1, '0.125', '1', '1'], // exact tie: 12.5 cents → 12
      [1, '0.135', '1', '1'], // exact tie: 13.5 cents → 14
      [-3, '0.135', '1', '0.5'],
      [12, '0.001', '0.85315', '1.3384'],
      [74215, '1.04', '0.8519', '1.3233'],
      [1, '0.35', '0.87', '1.4'],
    ];
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    for (const [quantity, price, gbp, usd] of cases) {
      const amount = lineAmountGbp(quantity, price);
      const milli = amount.units * 10n ** BigInt(3 - amount.scale);
      const sql = `SELECT CAST(${eurCentsSql(`${milli}`, `${toMicros(gbp)}`)} AS VARCHAR),
                          CAST(${usdCentsSql(`${milli}`, `${toMicros(gbp)}`, `${toMicros(usd)}`)} AS VARCHAR)`;
      const [row] = (await conn.runAndReadAll(sql)).getRows();
      const expected = convertGbp(amount, { gbp, usd });
      expect([row?.[0], row?.[1]], `${quantity} × ${price} at ${gbp}/${usd}`).toEqual([
        expected.eurCents.toString(),
        expected.usdCents.toString(),
      ]);
    }
    conn.closeSync();
  });
});
