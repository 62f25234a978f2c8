import { describe, expect, it } from 'vitest';
import { duckdbDialect, sparkDialect } from '../engine/sql-dialect.js';
import { GOLD_TABLES, goldTables, orderCountsSql } from './gold-sql.js';

describe('gold SQL in two dialects', () => {
  it('the DuckDB rendering is the default one', () => {
    expect(goldTables(duckdbDialect)).toEqual(GOLD_TABLES);
    expect(orderCountsSql(2, duckdbDialect)).toEqual(orderCountsSql(2));
  });

  it('the Spark rendering uses no DuckDB-only spelling', () => {
    const spark = [...Object.values(goldTables(sparkDialect)), ...orderCountsSql(3, sparkDialect)].join('\n');
    for (const duckOnly of ['date_diff(', 'date_trunc(', 'arg_min(', 'INTERVAL', 'hash(', 'TEMP TABLE', '::'])
      expect(spark).not.toContain(duckOnly);
    expect(spark).toContain(
      'min_by(category, CASE WHEN category IS NOT NULL THEN struct(-n, description) END)',
    );
    expect(spark).toContain('datediff(CAST(ref.reference_date AS DATE), c.last_purchase_date)');
    // One pass per table on Spark (its distinct aggregation spills); DuckDB slices the invoices.
    expect(orderCountsSql(3, sparkDialect)).toHaveLength(2);
    expect(orderCountsSql(3)).toHaveLength(10);
  });
});
