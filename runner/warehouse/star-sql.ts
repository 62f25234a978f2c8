import { DATE_COLUMNS } from './dim-date.js';
import { WANT_TABLES } from './dimension-sql.js';
import { FACT_COPY_COLUMNS } from './fact-keys.js';

/**
 * The SQL of one star-schema merge, in execution order. Everything runs in the load transaction with
 * search_path = <warehouse schema>, pg_temp. `want_*` temp tables hold the desired dimension members computed from
 * the complete silver version; the merge upserts them (keeping surrogate keys), rewrites changed facts and finally
 * removes members no longer wanted. Statements change no row when the data did not change (re-runs are no-ops).
 */

export const CREATE_STAGE_DATE_SQL = `CREATE TEMP TABLE want_date (LIKE dim_date) ON COMMIT DROP`;

/** Upsert that only touches rows whose attributes differ, so unchanged members create no new row versions. */
const upsert = (table: string, conflict: string[], columns: readonly string[], source: string): string => {
  const updates = columns.filter((column) => !conflict.includes(column));
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${source}
    ON CONFLICT (${conflict.join(', ')}) DO UPDATE SET ${updates.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
    WHERE (${updates.map((c) => `${table}.${c}`).join(', ')}) IS DISTINCT FROM (${updates
      .map((c) => `EXCLUDED.${c}`)
      .join(', ')})`;
};

export interface StatementSpec {
  name: string;
  sql: string;
  /** Counted as dimension changes (rowCount of the statement). */
  countsAs?: 'dimension' | 'fact_inserted' | 'fact_updated' | 'fact_deleted';
}

/** Creates the PostgreSQL temp tables the DuckDB-computed members are COPYed into (see dimension-sql.ts). */
export const createWantTablesSql = (): string =>
  WANT_TABLES.map(
    (table) =>
      `CREATE TEMP TABLE ${table.name} (${table.columns.map(([name, type]) => `${name} ${type}`).join(', ')}) ON COMMIT DROP`,
  ).join(';\n');

export const ANALYZE_SQL: StatementSpec[] = [
  {
    name: 'analyze staging',
    sql: `CREATE INDEX ON want_customer (customer_id, valid_from); ANALYZE want_customer;
      ANALYZE want_product; ANALYZE want_invoice; ANALYZE want_country`,
  },
];

export const UPSERT_DIMENSIONS_SQL: StatementSpec[] = [
  {
    name: 'upsert dim_date',
    sql: upsert('dim_date', ['date_key'], DATE_COLUMNS, 'want_date'),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_country',
    sql: upsert(
      'dim_country',
      ['country_name'],
      WANT_TABLES.find((t) => t.name === 'want_country')?.columns.map(([name]) => name) ?? [],
      'want_country',
    ),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_product',
    sql: upsert(
      'dim_product',
      ['stock_code'],
      [
        'stock_code',
        'description',
        'is_merchandise',
        'category',
        'first_seen_date',
        'last_seen_date',
        'latest_unit_price',
      ],
      'want_product',
    ),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_invoice',
    sql: upsert(
      'dim_invoice',
      ['invoice_no'],
      ['invoice_no', 'invoice_ts', 'business_date', 'date_key', 'is_cancellation', 'line_count'],
      'want_invoice',
    ),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_customer',
    sql: upsert(
      'dim_customer',
      ['customer_id', 'valid_from'],
      ['customer_id', 'country_name', 'valid_from', 'valid_to', 'is_current', 'version', 'is_unknown'],
      'want_customer',
    ),
    countsAs: 'dimension',
  },
];

const FACT_COLUMNS = FACT_COPY_COLUMNS.filter((column) => column !== 'run_id');
const FACT_VALUES = FACT_COLUMNS.filter((column) => column !== 'row_hash');

export const STAGE_FACT_SQL: StatementSpec[] = [
  { name: 'stage_fact', sql: 'CREATE TEMP TABLE stage_fact (LIKE fact_sales) ON COMMIT DROP' },
];

/**
 * Later loads: ONE full join of the staged rows with fact_sales classifies every difference — `i` new line,
 * `u` line whose values changed, `d` vanished line — into the small temp table fact_diff. Unchanged lines
 * (all of them on a re-run) are compared once and never written. `scoped`: the staged rows are the lines of the
 * business dates in pg_temp.load_scope (an incremental load), so only those dates' facts are compared.
 */
export const diffFactSql = (scoped: boolean): StatementSpec[] => [
  {
    name: 'diff facts',
    sql: `CREATE TEMP TABLE fact_diff ON COMMIT DROP AS
      SELECT coalesce(s.row_hash, f.row_hash) AS row_hash,
             CASE WHEN f.row_hash IS NULL THEN 'i' WHEN s.row_hash IS NULL THEN 'd' ELSE 'u' END AS kind
      FROM stage_fact s FULL JOIN ${
        scoped
          ? '(SELECT * FROM fact_sales WHERE date_key IN (SELECT date_key FROM load_scope))'
          : 'fact_sales'
      } f ON f.row_hash = s.row_hash
      WHERE f.row_hash IS NULL OR s.row_hash IS NULL
         OR (${FACT_VALUES.map((c) => `f.${c}`).join(', ')}) IS DISTINCT FROM (${FACT_VALUES.map((c) => `s.${c}`).join(', ')})`,
  },
];

export const DIFF_FACT_SQL = diffFactSql(false);

/** The business dates an incremental load replaces (dim_date keys), filled by the loader. */
export const CREATE_LOAD_SCOPE_SQL = `CREATE TEMP TABLE load_scope (date_key integer PRIMARY KEY) ON COMMIT DROP`;

const CUSTOMER_VERSION = 'customer_id, country_name, valid_from, valid_to, is_current, version';

/** Incremental loads: the invoices and customers whose members this load recomputes (export-inputs.ts). */
export const CREATE_AFFECTED_SQL = `CREATE TEMP TABLE affected_invoice (invoice_no text PRIMARY KEY) ON COMMIT DROP;
  CREATE TEMP TABLE affected_customer (customer_id text PRIMARY KEY) ON COMMIT DROP`;

/**
 * Incremental loads, before the dimension upsert: the customers whose type-2 history this load changes (a line of
 * a new partition can split, merge or move a version anywhere in the history). Only affected customers can differ.
 */
export const CHANGED_CUSTOMERS_SQL: StatementSpec[] = [
  {
    name: 'changed customers',
    sql: `ANALYZE affected_invoice; ANALYZE affected_customer;
      CREATE TEMP TABLE changed_customers ON COMMIT DROP AS SELECT DISTINCT customer_id FROM (
        (SELECT ${CUSTOMER_VERSION} FROM dim_customer JOIN affected_customer USING (customer_id) WHERE NOT is_unknown
         EXCEPT ALL SELECT ${CUSTOMER_VERSION} FROM want_customer)
        UNION ALL
        (SELECT ${CUSTOMER_VERSION} FROM want_customer
         EXCEPT ALL SELECT ${CUSTOMER_VERSION} FROM dim_customer JOIN affected_customer USING (customer_id)
           WHERE NOT is_unknown)) d;
      ANALYZE changed_customers`,
  },
];

/**
 * Incremental loads, after the facts of the loaded dates are merged: facts of other dates whose customer's history
 * changed point at the version valid at their timestamp again, exactly as a full load's key join would.
 */
export const REKEY_CUSTOMER_FACTS_SQL: StatementSpec[] = [
  {
    name: 're-key facts of changed customers',
    sql: `UPDATE fact_sales f SET customer_key = v.customer_key, run_id = $1
      FROM dim_customer cur
        JOIN changed_customers m USING (customer_id)
        JOIN (SELECT c.customer_key, c.customer_id, c.valid_from, w.valid_to
              FROM dim_customer c JOIN want_customer w USING (customer_id, valid_from)) v USING (customer_id)
      WHERE f.customer_key = cur.customer_key AND f.invoice_ts >= v.valid_from AND f.invoice_ts < v.valid_to
        AND f.customer_key <> v.customer_key`,
    countsAs: 'fact_updated',
  },
];

/** Applies fact_diff: delete vanished lines, rewrite changed ones, add new ones (only the differing rows). */
export const APPLY_FACT_DIFF_SQL: StatementSpec[] = [
  {
    name: 'delete facts',
    sql: `DELETE FROM fact_sales f USING fact_diff d WHERE d.kind = 'd' AND f.row_hash = d.row_hash`,
    countsAs: 'fact_deleted',
  },
  {
    name: 'update facts',
    sql: `UPDATE fact_sales f SET ${FACT_VALUES.map((c) => `${c} = s.${c}`).join(', ')}, run_id = $1
      FROM fact_diff d JOIN stage_fact s ON s.row_hash = d.row_hash
      WHERE d.kind = 'u' AND f.row_hash = d.row_hash`,
    countsAs: 'fact_updated',
  },
  {
    name: 'insert facts',
    sql: `INSERT INTO fact_sales (${FACT_COLUMNS.join(', ')}, run_id)
      SELECT ${FACT_COLUMNS.map((c) => `s.${c}`).join(', ')}, $1
      FROM fact_diff d JOIN stage_fact s ON s.row_hash = d.row_hash WHERE d.kind = 'i'`,
    countsAs: 'fact_inserted',
  },
];

/**
 * Members no longer wanted (late corrections, re-published silver) go after the facts stopped pointing at them.
 * `scoped` (an incremental load): want_invoice and want_customer hold only the affected members, so only those
 * are candidates.
 */
export const pruneSql = (scoped: boolean): StatementSpec[] => [
  {
    name: 'prune dim_invoice',
    sql: `DELETE FROM dim_invoice d ${scoped ? 'USING affected_invoice a WHERE a.invoice_no = d.invoice_no AND' : 'WHERE'}
      NOT EXISTS (SELECT 1 FROM want_invoice w WHERE w.invoice_no = d.invoice_no)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_customer',
    sql: `DELETE FROM dim_customer d ${scoped ? 'USING affected_customer a WHERE a.customer_id = d.customer_id AND' : 'WHERE'}
      NOT d.is_unknown AND NOT EXISTS
      (SELECT 1 FROM want_customer w WHERE w.customer_id = d.customer_id AND w.valid_from = d.valid_from)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_product',
    sql: `DELETE FROM dim_product d WHERE NOT EXISTS (SELECT 1 FROM want_product w WHERE w.stock_code = d.stock_code)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_country',
    sql: `DELETE FROM dim_country d WHERE NOT EXISTS (SELECT 1 FROM want_country w WHERE w.country_name = d.country_name)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_date',
    sql: `DELETE FROM dim_date d WHERE NOT EXISTS (SELECT 1 FROM want_date w WHERE w.date_key = d.date_key)`,
    countsAs: 'dimension',
  },
];

export const PRUNE_SQL = pruneSql(false);
