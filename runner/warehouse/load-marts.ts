import path from 'node:path';
import type pg from 'pg';
import { copyCsvFile } from './copy-in.js';
import type { ParquetColumn, ParquetSource } from './parquet-source.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import { duckTypeToPg } from './pg-types.js';
import { readParquetSql } from './silver-input.js';
import type { GoldTableFiles } from './warehouse-source.js';
import { quoteIdent } from '../engine/sql-quote.js';

export interface MartFile {
  name: string;
  table: string;
  columns: { name: string; pgType: string }[];
  csvFile: string;
}

export interface MartResult {
  table: string;
  rows: number;
  changed: boolean;
}

/** mart_<file name>: gold `kpi_daily.parquet` becomes table `mart_kpi_daily`. */
export const martTableName = (fileName: string): string => {
  const base = path
    .basename(fileName, '.parquet')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  return `mart_${base}`.slice(0, 63);
};

/** Exports every gold table (its Parquet files) to CSV (outside the load transaction) with its PostgreSQL column types. */
export const exportMarts = async (
  source: ParquetSource,
  gold: readonly GoldTableFiles[],
  workDir: string,
): Promise<MartFile[]> => {
  const marts: MartFile[] = [];
  for (const { name, files } of gold) {
    const relation = readParquetSql(files);
    const columns: ParquetColumn[] = await source.columns(relation);
    const table = martTableName(`${name}.parquet`);
    const csvFile = path.join(workDir, `${table}.csv`);
    await source.exportCsv(`SELECT * FROM ${relation}`, csvFile);
    marts.push({
      name: `${name}.parquet`,
      table,
      csvFile,
      columns: columns.map((c) => ({ name: c.name, pgType: duckTypeToPg(c.type) })),
    });
  }
  return marts;
};

/** Column names and canonical types of a table (undefined when it does not exist). */
const signature = async (client: pg.PoolClient, qualifiedName: string): Promise<string | undefined> => {
  const { rows } = await client.query<{ signature: string | null }>(
    `SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS signature
     FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [qualifiedName],
  );
  return rows[0]?.signature ?? undefined;
};

/**
 * Replaces each mart with the gold file's rows inside the caller's transaction. A mart whose columns changed is
 * re-created from the Parquet schema; an unchanged mart with identical rows is left untouched. Marts whose gold
 * file disappeared are dropped.
 */
export const loadMarts = async (
  client: pg.PoolClient,
  schema: string,
  marts: readonly MartFile[],
): Promise<MartResult[]> => {
  const results: MartResult[] = [];
  for (const mart of marts) {
    const table = quoteIdent(mart.table);
    const stage = quoteIdent(`stage_${mart.table}`);
    const columnSql = mart.columns.map((c) => `${quoteIdent(c.name)} ${c.pgType}`).join(', ');
    await client.query(`CREATE TEMP TABLE ${stage} (${columnSql}) ON COMMIT DROP`);
    const rows = await copyCsvFile(
      client,
      `pg_temp.${stage}`,
      mart.columns.map((c) => c.name),
      mart.csvFile,
    );
    const wanted = await signature(client, `pg_temp.${stage}`);
    const current = await signature(client, `${quoteIdent(schema)}.${table}`);
    let changed = true;
    if (current !== undefined && current === wanted) {
      const diff = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ((TABLE ${table} EXCEPT ALL TABLE pg_temp.${stage})
           UNION ALL (TABLE pg_temp.${stage} EXCEPT ALL TABLE ${table})) d`,
      );
      changed = Number(diff.rows[0]?.n ?? 0) > 0;
      if (changed) await client.query(`DELETE FROM ${table}`);
    } else {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.query(`CREATE TABLE ${table} (${columnSql})`);
      await client.query(
        `COMMENT ON TABLE ${table} IS ${quoteLiteral(`Gold mart loaded from ${mart.name}.`)}`,
      );
    }
    if (changed) await client.query(`INSERT INTO ${table} SELECT * FROM pg_temp.${stage}`);
    results.push({ table: mart.table, rows, changed });
  }
  const keep = marts.map((m) => m.table);
  const stale = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'mart\\_%' AND NOT (c.relname = ANY($2))`,
    [schema, keep],
  );
  for (const row of stale.rows) await client.query(`DROP TABLE ${quoteIdent(row.relname)}`);
  return results;
};
