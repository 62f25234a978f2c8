/**
 * Dimension pre-aggregates (ADR 0026): every dimension attribute the warehouse derives from silver lines is a
 * mergeable aggregate — counts of (product, description) and (product, category), first/last seen, "all lines
 * merchandise", the latest positive price (arg-max over (timestamp, price)), an invoice's first timestamp, first
 * date and line count, a customer's purchase moments (customer, timestamp → smallest country) and a country's
 * enrichment codes. So the members of a month can be summed into a year and the years into the whole history with
 * the same SQL, and a changed day costs its month, its year and the years' compact rows instead of every line.
 *
 * One relation holds every kind (a discriminated union, NULL where a kind has no value), so one Parquet file per
 * month or year holds all of them: `g` (the month YYYY-MM or year YYYY it covers), `kind`, `k` (the member's
 * natural key), `v` (description, category or a moment's country), `n` (a count), `ts`, `price`, `d1`, `d2`,
 * `flag`, `a1`..`a4` (a country's ISO2, ISO3, region, currency).
 */

export const PREAGG_COLUMNS = [
  'g',
  'kind',
  'k',
  'v',
  'n',
  'ts',
  'price',
  'd1',
  'd2',
  'flag',
  'a1',
  'a2',
  'a3',
  'a4',
] as const;

type Column = (typeof PREAGG_COLUMNS)[number];

const TYPES: Record<Column, string> = {
  g: 'VARCHAR',
  kind: 'VARCHAR',
  k: 'VARCHAR',
  v: 'VARCHAR',
  n: 'BIGINT',
  ts: 'TIMESTAMPTZ',
  price: 'DECIMAL(18,6)',
  d1: 'DATE',
  d2: 'DATE',
  flag: 'BOOLEAN',
  a1: 'VARCHAR',
  a2: 'VARCHAR',
  a3: 'VARCHAR',
  a4: 'VARCHAR',
};

/** One SELECT list in PREAGG_COLUMNS order: given expressions, typed NULL for the rest. */
const select = (values: Partial<Record<Column, string>>): string =>
  PREAGG_COLUMNS.map((c) => `CAST(${values[c] ?? 'NULL'} AS ${TYPES[c]}) AS ${c}`).join(', ');

/** Lines that carry a product's latest price: a sale or a non-merchandise line with a positive price. */
const PRICED = `unit_price > 0 AND line_type IN ('sale', 'non_merchandise')`;

/** The month a silver line belongs to (its partition's month); lines without a date form their own group. */
export const MONTH_OF_LINE = `coalesce(strftime(business_date, '%Y-%m'), '__unknown__')`;

/**
 * Pre-aggregates of silver lines (a relation with the staging columns of silver-input.ts), one group per value
 * of `group` (an expression over the lines, e.g. MONTH_OF_LINE).
 */
export const linesToPreaggSql = (lines: string, group: string): string => {
  const from = `FROM (SELECT ${group} AS g, * FROM (${lines}))`;
  return [
    `SELECT ${select({ g: 'g', kind: `'desc'`, k: 'stock_code', v: 'description', n: 'count(*)' })}
     ${from} WHERE description IS NOT NULL GROUP BY g, stock_code, description`,
    `SELECT ${select({ g: 'g', kind: `'cat'`, k: 'stock_code', v: 'category', n: 'count(*)' })}
     ${from} WHERE category IS NOT NULL GROUP BY g, stock_code, category`,
    `SELECT ${select({
      g: 'g',
      kind: `'prod'`,
      k: 'stock_code',
      ts: `max(invoice_ts) FILTER (WHERE ${PRICED} AND invoice_ts IS NOT NULL)`,
      price: `arg_max(unit_price, (invoice_ts, unit_price)) FILTER (WHERE ${PRICED} AND invoice_ts IS NOT NULL)`,
      d1: 'min(business_date)',
      d2: 'max(business_date)',
      flag: `bool_and(line_type <> 'non_merchandise')`,
    })} ${from} GROUP BY g, stock_code`,
    `SELECT ${select({
      g: 'g',
      kind: `'inv'`,
      k: 'invoice_no',
      n: 'count(*)',
      ts: 'min(invoice_ts)',
      d1: 'min(business_date)',
    })} ${from} GROUP BY g, invoice_no`,
    `SELECT ${select({ g: 'g', kind: `'moment'`, k: 'customer_id', ts: 'invoice_ts', v: 'min(country)' })}
     ${from} WHERE customer_id IS NOT NULL GROUP BY g, customer_id, invoice_ts`,
    `SELECT ${select({
      g: 'g',
      kind: `'country'`,
      k: 'country',
      a1: 'max(country_iso2)',
      a2: 'max(country_iso3)',
      a3: 'max(country_region)',
      a4: 'max(country_currency)',
    })} ${from} GROUP BY g, country`,
  ].join('\nUNION ALL\n');
};

/**
 * Merges pre-aggregate rows (a relation with PREAGG_COLUMNS) into one row per member and `group` (an expression
 * over the rows, e.g. `left(g, 4)` for months into years, or a constant for the whole history). Each kind merges
 * with its own associative aggregate, so merging months then years equals aggregating the lines at once.
 */
export const combinePreaggSql = (rows: string, group: string): string => {
  const from = (kind: string): string =>
    `FROM (SELECT ${group} AS gg, * FROM (${rows})) WHERE kind = '${kind}'`;
  return [
    `SELECT ${select({ g: 'gg', kind: `'desc'`, k: 'k', v: 'v', n: 'sum(n)' })} ${from('desc')} GROUP BY gg, k, v`,
    `SELECT ${select({ g: 'gg', kind: `'cat'`, k: 'k', v: 'v', n: 'sum(n)' })} ${from('cat')} GROUP BY gg, k, v`,
    `SELECT ${select({
      g: 'gg',
      kind: `'prod'`,
      k: 'k',
      ts: 'max(ts)',
      price: 'arg_max(price, (ts, price)) FILTER (WHERE ts IS NOT NULL)',
      d1: 'min(d1)',
      d2: 'max(d2)',
      flag: 'bool_and(flag)',
    })} ${from('prod')} GROUP BY gg, k`,
    `SELECT ${select({ g: 'gg', kind: `'inv'`, k: 'k', n: 'sum(n)', ts: 'min(ts)', d1: 'min(d1)' })}
     ${from('inv')} GROUP BY gg, k`,
    `SELECT ${select({ g: 'gg', kind: `'moment'`, k: 'k', ts: 'ts', v: 'min(v)' })} ${from('moment')}
     GROUP BY gg, k, ts`,
    `SELECT ${select({
      g: 'gg',
      kind: `'country'`,
      k: 'k',
      a1: 'max(a1)',
      a2: 'max(a2)',
      a3: 'max(a3)',
      a4: 'max(a4)',
    })} ${from('country')} GROUP BY gg, k`,
  ].join('\nUNION ALL\n');
};

/** An empty, typed pre-aggregate relation (DuckDB cannot read an empty file list). */
export const EMPTY_PREAGG_SQL = `SELECT ${select({})} WHERE false`;
