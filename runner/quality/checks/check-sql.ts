import { quoteIdent, quoteLiteral } from '../../engine/sql-quote.js';
import type { QualityCheck } from '../../spec/quality-checks-spec.js';

/**
 * Pure SQL of each check kind over named relations (views the check runner creates; check-runner.ts). Row-level
 * kinds render the SELECT of their failing rows; table-level kinds render one value the runner judges.
 */

export type RenderedCheck = { level: 'rows'; failingSql: string } | { level: 'value'; valueSql: string };

/** The relation of the checked rows: the table restricted by the check's filter. */
export const filteredSql = (c: Pick<QualityCheck, 'filter'>, relation: string): string =>
  `SELECT * FROM ${relation}${c.filter ? ` WHERE (${c.filter})` : ''}`;

const col = (name: string): string => quoteIdent(name);

/** Rows of `rel` failing check `c`; `reference` names the referenced relation of a referential check. */
export function renderCheck(c: QualityCheck, rel: string, reference?: string): RenderedCheck {
  const rows = `(${filteredSql(c, rel)}) t`;
  switch (c.kind) {
    case 'notNull':
      return {
        level: 'rows',
        failingSql: `SELECT * FROM ${rows} WHERE ${c.columns!.map((x) => `${col(x)} IS NULL`).join(' OR ')}`,
      };
    case 'unique': {
      const key = c.columns!.map(col).join(', ');
      // Every row of a key that occurs more than once fails; rows with a null in the key are not compared (SQL).
      return {
        level: 'rows',
        failingSql: `SELECT * FROM ${rows} WHERE ${c.columns!.map((x) => `${col(x)} IS NOT NULL`).join(' AND ')}
          QUALIFY count(*) OVER (PARTITION BY ${key}) > 1 ORDER BY ${key}`,
      };
    }
    case 'acceptedValues':
      return {
        level: 'rows',
        failingSql: `SELECT * FROM ${rows} WHERE ${col(c.column!)} IS NOT NULL
          AND CAST(${col(c.column!)} AS VARCHAR) NOT IN (${c.values!.map(quoteLiteral).join(', ')})`,
      };
    case 'range': {
      const bounds = [
        ...(c.min === undefined ? [] : [`${col(c.column!)} < ${c.min}`]),
        ...(c.max === undefined ? [] : [`${col(c.column!)} > ${c.max}`]),
      ];
      return { level: 'rows', failingSql: `SELECT * FROM ${rows} WHERE ${bounds.join(' OR ')}` };
    }
    case 'sql':
      return c.query !== undefined
        ? { level: 'rows', failingSql: `SELECT * FROM (${c.query}) q` }
        : { level: 'rows', failingSql: `SELECT * FROM ${rows} WHERE NOT coalesce((${c.expression}), false)` };
    case 'referential': {
      const r = c.references!;
      return {
        level: 'rows',
        failingSql: `SELECT * FROM ${rows} WHERE ${col(c.column!)} IS NOT NULL AND NOT EXISTS
          (SELECT 1 FROM ${reference} r WHERE r.${col(r.column)} = t.${col(c.column!)})`,
      };
    }
    case 'rowCount':
      return { level: 'value', valueSql: `SELECT count(*) AS v FROM ${rows}` };
    case 'freshness':
      // Epoch seconds of the newest value: a DATE counts from its midnight (a business day that began).
      return {
        level: 'value',
        valueSql: `SELECT epoch(max(CAST(${col(c.column!)} AS TIMESTAMP))) AS v FROM ${rows}`,
      };
    case 'anomaly':
      throw new Error('anomaly checks are rendered by anomaly-sql.ts');
  }
}

/** Judges a table-level value: rowCount within [min, max]; freshness age in hours at most maxAgeHours. */
export function judgeValue(
  c: QualityCheck,
  value: number | null,
  now: Date,
): { passed: boolean; observed?: number; expected: string; message: string } {
  if (c.kind === 'rowCount') {
    const n = value ?? 0;
    const expected = rangeWords(c.min, c.max);
    const passed = (c.min === undefined || n >= c.min) && (c.max === undefined || n <= c.max);
    return { passed, observed: n, expected, message: `${n} rows; expected ${expected}` };
  }
  const expected = `newest ${c.column} at most ${c.maxAgeHours} h old`;
  if (value === null) return { passed: false, expected, message: `no ${c.column} value at all` };
  const age = Math.round(((now.getTime() / 1000 - value) / 3600) * 100) / 100;
  const newest = new Date(value * 1000).toISOString();
  return {
    passed: age <= c.maxAgeHours!,
    observed: age,
    expected,
    message: `newest ${c.column} ${newest} is ${age} h old; expected at most ${c.maxAgeHours} h`,
  };
}

export const rangeWords = (min?: number, max?: number): string =>
  min !== undefined && max !== undefined
    ? `between ${min} and ${max}`
    : min !== undefined
      ? `at least ${min}`
      : `at most ${max}`;
