import { DuckDBInstance } from '@duckdb/node-api';
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../../runner/engine/sql-quote.js';
import { GOLD_TABLES } from '../../runner/gold/gold-sql.js';
import { openLake } from '../../runner/lake/open-lake.js';
import { UNKNOWN_PARTITION } from '../../runner/lake/partitions.js';
import { loadSpec } from '../../runner/spec/load-spec.js';

/**
 * Compares two lakes (and two warehouse schemas) row by row, order-independent and exact: multiset differences
 * (EXCEPT ALL both ways) computed by the engines themselves, so DECIMAL and numeric values compare exactly.
 * Tables are found through `lake.tableFiles`, the one way every reader gets a table's files.
 */

export const SILVER_TABLES = ['sales_lines', 'quarantine', 'duplicates', 'countries', 'fx_rates'] as const;
export const GOLD_TABLE_NAMES = Object.keys(GOLD_TABLES);

/** Columns that name the run which wrote a row: they differ between any two lakes by construction. */
const RUN_COLUMN = /(^|_)run_id$/;

/** A small seeded generator (mulberry32): the tests print the seed, so a failure replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Cuts `items` into `n` non-empty consecutive batches of random sizes. */
export function randomBatches<T>(items: readonly T[], n: number, random: () => number): T[][] {
  const cuts = new Set<number>();
  while (cuts.size < n - 1) cuts.add(1 + Math.floor(random() * (items.length - 1)));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), items.length];
  return bounds.slice(1).map((end, i) => items.slice(bounds[i]!, end));
}

/** The partition a raw line belongs to: the date of its InvoiceDate (`YYYY-MM-DD HH:MM:SS`), or the unknown one. */
export function partitionOfInvoiceDate(raw: string | undefined): string {
  const m = /^(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}:\d{2}$/.exec(raw?.trim() ?? '');
  if (!m) return UNKNOWN_PARTITION;
  const d = new Date(`${m[1]}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[1] ? UNKNOWN_PARTITION : m[1]!;
}

export interface LakeReader {
  /** Local files of a table of the current version ([] when the table has no rows). */
  files(layer: 'silver' | 'gold', table: string): Promise<string[]>;
  /** The metadata of the current version of a layer. */
  meta(layer: 'silver' | 'gold'): Promise<Record<string, unknown>>;
}

export async function openLakeReader(specFile: string): Promise<LakeReader> {
  const lake = openLake(await loadSpec(specFile), {
    objectStore: { endpoint: undefined, region: undefined },
  });
  return {
    async files(layer, table) {
      const v = await lake.current<Record<string, unknown>>(layer);
      if (!v) throw new Error(`no published ${layer} version in ${lake.root}`);
      return lake.tableFiles(layer, v, table);
    },
    async meta(layer) {
      const v = await lake.current<Record<string, unknown>>(layer);
      if (!v) throw new Error(`no published ${layer} version in ${lake.root}`);
      return v.meta;
    },
  };
}

/** A table's columns with their types, as DuckDB reads them. */
export async function tableSchema(r: LakeReader, layer: 'silver' | 'gold', table: string): Promise<string[]> {
  const files = await r.files(layer, table);
  return (await duck(`DESCRIBE SELECT * FROM ${src(files)}`)).map((c) => `${c.column_name} ${c.column_type}`);
}

/** A small table's rows with every value as text (DECIMALs exact), in a stable order. */
export async function tableText(r: LakeReader, layer: 'silver' | 'gold', table: string): Promise<string[]> {
  const files = await r.files(layer, table);
  return (await duck(`SELECT CAST(t AS VARCHAR) AS row FROM ${src(files)} t ORDER BY ALL`)).map((x) =>
    String(x.row),
  );
}

export async function rowCount(r: LakeReader, layer: 'silver' | 'gold', table: string): Promise<number> {
  const files = await r.files(layer, table);
  return files.length === 0 ? 0 : Number((await duck(`SELECT count(*) AS n FROM ${src(files)}`))[0]!.n);
}

export interface TableDifference {
  rowsA: number;
  rowsB: number;
  /** Rows of A missing in B plus rows of B missing in A (as multisets). */
  differing: number;
  sample: Record<string, unknown>[];
}

/** Row-by-row comparison of one lake table in two lakes, with DuckDB (exact DECIMALs). */
export async function compareLakeTables(
  a: LakeReader,
  b: LakeReader,
  layer: 'silver' | 'gold',
  table: string,
): Promise<TableDifference> {
  const [fa, fb] = await Promise.all([a.files(layer, table), b.files(layer, table)]);
  if (fa.length === 0 || fb.length === 0) {
    // read_parquet([]) is an error: an empty side is compared by its row count alone.
    const count = async (files: string[]) =>
      files.length === 0 ? 0 : Number((await duck(`SELECT count(*) AS n FROM ${src(files)}`))[0]!.n);
    const [rowsA, rowsB] = [await count(fa), await count(fb)];
    return { rowsA, rowsB, differing: Math.abs(rowsA - rowsB), sample: [] };
  }
  const cols = (await duck(`DESCRIBE SELECT * FROM ${src(fa)}`))
    .map((r) => String(r.column_name))
    .filter((c) => !RUN_COLUMN.test(c))
    .map(quoteIdent)
    .join(', ');
  const diff = `(SELECT ${cols} FROM ${src(fa)} EXCEPT ALL SELECT ${cols} FROM ${src(fb)})
    UNION ALL (SELECT ${cols} FROM ${src(fb)} EXCEPT ALL SELECT ${cols} FROM ${src(fa)})`;
  const [n] =
    await duck(`SELECT (SELECT count(*) FROM ${src(fa)}) AS a, (SELECT count(*) FROM ${src(fb)}) AS b,
    (SELECT count(*) FROM (${diff})) AS d`);
  const differing = Number(n!.d);
  return {
    rowsA: Number(n!.a),
    rowsB: Number(n!.b),
    differing,
    sample: differing > 0 ? await duck(`SELECT * FROM (${diff}) LIMIT 5`) : [],
  };
}

const src = (files: string[]): string => `read_parquet([${files.map(quoteLiteral).join(', ')}])`;

let db: Promise<DuckDBInstance> | undefined;
async function duck(sql: string): Promise<Record<string, unknown>[]> {
  db ??= DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await (await db).connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
  }
}

/** Bookkeeping of loads and of the API, not warehouse content. */
const NOT_CONTENT = new Set([
  'warehouse_loads',
  'warehouse_loaded_silver',
  'schema_migrations',
  'run_history',
  'api_keys',
]);
const TIME_OF_LOAD = /^(loaded_at|updated_at|recorded_at|created_at)$/;

/**
 * The content of every warehouse table of a schema as a query: surrogate keys (identity columns), run ids and load
 * times left out; the fact's surrogate keys replaced by the natural keys they point at.
 */
async function warehouseQueries(pool: pg.Pool, schema: string): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ table_name: string; column_name: string; is_identity: string }>(
    `SELECT c.table_name, c.column_name, c.is_identity FROM information_schema.columns c
     JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
    [schema],
  );
  const s = quoteIdent(schema);
  const out = new Map<string, string>();
  const byTable = new Map<string, typeof rows>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r]);
  for (const [table, columns] of byTable) {
    if (NOT_CONTENT.has(table)) continue;
    const content = columns.filter(
      (c) => c.is_identity !== 'YES' && !RUN_COLUMN.test(c.column_name) && !TIME_OF_LOAD.test(c.column_name),
    );
    const keep = content.map((c) => `t.${quoteIdent(c.column_name)}`);
    if (table === 'fact_sales') {
      // Surrogate keys depend on the order rows were loaded in; what they point at does not (date_key is yyyymmdd).
      const facts = content
        .filter((c) => !c.column_name.endsWith('_key') || c.column_name === 'date_key')
        .map((c) => `t.${quoteIdent(c.column_name)}`);
      out.set(
        table,
        `SELECT ${facts.join(', ')}, cu.customer_id, cu.valid_from AS customer_valid_from, p.stock_code,
           co.country_name, i.invoice_no
         FROM ${s}.fact_sales t
         JOIN ${s}.dim_customer cu ON cu.customer_key = t.customer_key
         JOIN ${s}.dim_product p ON p.product_key = t.product_key
         JOIN ${s}.dim_country co ON co.country_key = t.country_key
         JOIN ${s}.dim_invoice i ON i.invoice_key = t.invoice_key`,
      );
    } else {
      out.set(table, `SELECT ${keep.join(', ')} FROM ${s}.${quoteIdent(table)} t`);
    }
  }
  return out;
}

/** Every warehouse table of schema `a` against the same table of schema `b` (same database), exactly. */
export async function compareWarehouses(
  pool: pg.Pool,
  a: string,
  b: string,
): Promise<Record<string, { rowsA: number; rowsB: number; differing: number }>> {
  const [qa, qb] = await Promise.all([warehouseQueries(pool, a), warehouseQueries(pool, b)]);
  const tables = [...new Set([...qa.keys(), ...qb.keys()])].sort();
  const out: Record<string, { rowsA: number; rowsB: number; differing: number }> = {};
  for (const table of tables) {
    const x = qa.get(table);
    const y = qb.get(table);
    if (!x || !y) {
      out[table] = { rowsA: x ? -1 : 0, rowsB: y ? -1 : 0, differing: -1 };
      continue;
    }
    const { rows } = await pool.query<{ a: string; b: string; d: string }>(
      `SELECT (SELECT count(*) FROM (${x}) q) AS a, (SELECT count(*) FROM (${y}) q) AS b,
         (SELECT count(*) FROM (((${x}) EXCEPT ALL (${y})) UNION ALL ((${y}) EXCEPT ALL (${x}))) q) AS d`,
    );
    out[table] = { rowsA: Number(rows[0]!.a), rowsB: Number(rows[0]!.b), differing: Number(rows[0]!.d) };
  }
  return out;
}
