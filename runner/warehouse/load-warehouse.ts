import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { copyCsvFile, copyRows } from './copy-in.js';
import { buildDateRows, DATE_COLUMNS } from './dim-date.js';
import { WarehouseError } from './errors.js';
import { withFactConstraintsDeferred } from './fact-bulk-mode.js';
import { exportMarts, loadMarts, type MartResult } from './load-marts.js';
import { openParquetSource, sqlString } from './parquet-source.js';
import { quoteIdent } from './pg-types.js';
import { planSilverExport, STAGE_COLUMN_NAMES } from './silver-input.js';
import {
  CREATE_STAGE_DATE_SQL,
  createStageSql,
  FACT_SQL,
  PRUNE_SQL,
  type StatementSpec,
  UPSERT_DIMENSIONS_SQL,
  WANT_SQL,
} from './star-sql.js';

export interface LoadWarehouseOptions {
  pool: pg.Pool;
  schema: string;
  silverDir: string;
  goldDir: string;
  runId: string;
  logger: Logger;
  /** Where the CSV exports go (default: the OS temp dir); removed after the load. */
  workDir?: string;
  /** Called with each phase name as it starts (tests use it to inject faults at a chosen moment). */
  onPhase?: (phase: string) => void | Promise<void>;
}

export interface LoadResult {
  silverRows: number;
  quarantineRows: number | null;
  enrichmentColumns: string[];
  factInserted: number;
  factUpdated: number;
  factDeleted: number;
  dimensionChanges: number;
  marts: MartResult[];
  /** Milliseconds per phase: export (DuckDB → CSV), copy (COPY into staging), merge, marts, commit. */
  timings: Record<string, number>;
}

/** Below this many new fact rows the merge maintains indexes row by row (see fact-bulk-mode.ts). */
const BULK_MIN_ROWS = 10_000;

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

/**
 * Loads one published silver+gold version into the star schema in ONE transaction: exports the Parquet inputs to
 * CSV first (no transaction open), then COPYs them into temp staging tables and merges. Readers see the previous
 * state until COMMIT. Any failure rolls everything back and surfaces as a WarehouseError.
 */
export const loadWarehouse = async (options: LoadWarehouseOptions): Promise<LoadResult> => {
  const { logger, schema } = options;
  const timings: Record<string, number> = {};
  let clock = Date.now();
  const phase = async (name: string): Promise<void> => {
    const now = Date.now();
    timings[name] = 0;
    clock = now;
    await options.onPhase?.(name);
  };
  const done = (name: string): void => {
    timings[name] = Date.now() - clock;
  };
  const silverFile = path.join(options.silverDir, 'sales_lines.parquet');
  const quarantineFile = path.join(options.silverDir, 'quarantine.parquet');
  if (!(await exists(silverFile)))
    throw new WarehouseError('WAREHOUSE_INPUT', `${silverFile} does not exist`);
  const goldFiles = (await readdir(options.goldDir).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.parquet'))
    .sort()
    .map((name) => path.join(options.goldDir, name));
  if (goldFiles.length === 0)
    throw new WarehouseError('WAREHOUSE_INPUT', `${options.goldDir} holds no gold Parquet files`);

  const workDir = await mkdtemp(path.join(options.workDir ?? tmpdir(), 'medallion-warehouse-'));
  try {
    await phase('export');
    const source = await openParquetSource();
    let plan;
    let marts;
    let years: { from: number; to: number };
    let quarantineRows: number | null = null;
    try {
      plan = planSilverExport(silverFile, await source.columns(silverFile));
      await source.exportCsv(plan.selectSql, path.join(workDir, 'sales_lines.csv'));
      const [range] = await source.queryRows(
        `SELECT year(min(business_date)) AS lo, year(max(business_date)) AS hi FROM read_parquet(${sqlString(silverFile)})`,
      );
      years = { from: Number(range?.lo ?? 0), to: Number(range?.hi ?? -1) };
      if (await exists(quarantineFile)) {
        const [row] = await source.queryRows(
          `SELECT count(*) AS n FROM read_parquet(${sqlString(quarantineFile)})`,
        );
        quarantineRows = Number(row?.n ?? 0);
      }
      marts = await exportMarts(source, goldFiles, workDir);
    } finally {
      source.close();
    }
    done('export');

    let client: pg.PoolClient;
    try {
      client = await options.pool.connect();
    } catch (cause) {
      throw new WarehouseError('WAREHOUSE_CONNECT', 'cannot connect to the warehouse', { cause });
    }
    let broken = false;
    // A dropped connection is reported through the failing query; the listener keeps the event from crashing.
    const onClientError = (error: Error): void =>
      logger.warn({ err: error }, 'warehouse connection failed mid-load');
    client.on('error', onClientError);
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}, pg_temp`);
      await client.query(`SET LOCAL work_mem = '64MB'`);
      await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`medallion.load.${schema}`]);
      await phase('copy');
      await client.query(createStageSql());
      const silverRows = await copyCsvFile(
        client,
        'pg_temp.stage_sales_lines',
        STAGE_COLUMN_NAMES,
        path.join(workDir, 'sales_lines.csv'),
      );
      await client.query(CREATE_STAGE_DATE_SQL);
      const dateRows = years.to >= years.from ? buildDateRows(years.from, years.to) : [];
      await copyRows(
        client,
        'pg_temp.want_date',
        DATE_COLUMNS,
        dateRows.map((row) => DATE_COLUMNS.map((c) => row[c])),
      );
      done('copy');

      await phase('merge');
      const counts = { dimension: 0, fact_inserted: 0, fact_updated: 0, fact_deleted: 0 };
      const run = async (statements: StatementSpec[]): Promise<void> => {
        for (const statement of statements) {
          const started = Date.now();
          const result = await client.query(
            statement.sql,
            statement.sql.includes('$1') ? [options.runId] : undefined,
          );
          if (statement.countsAs) counts[statement.countsAs] += result.rowCount ?? 0;
          logger.debug(
            { statement: statement.name, rows: result.rowCount, ms: Date.now() - started },
            'warehouse sql',
          );
        }
      };
      await run(WANT_SQL);
      await run(UPSERT_DIMENSIONS_SQL);
      await run(FACT_SQL.slice(0, 2));
      const staged = await client.query<{ n: string }>('SELECT count(*) AS n FROM stage_fact');
      if (Number(staged.rows[0]?.n) !== silverRows) {
        throw new WarehouseError(
          'WAREHOUSE_LOAD',
          `resolving dimension keys kept ${staged.rows[0]?.n} of ${silverRows} silver lines`,
        );
      }
      const pending = await client.query<{ pending: string; existing: string }>(
        `SELECT (SELECT count(*) FROM stage_fact s WHERE NOT EXISTS
                  (SELECT 1 FROM fact_sales f WHERE f.row_hash = s.row_hash)) AS pending,
                (SELECT count(*) FROM fact_sales) AS existing`,
      );
      const newRows = Number(pending.rows[0]?.pending ?? 0);
      const bulk = newRows >= BULK_MIN_ROWS && newRows * 6 > Number(pending.rows[0]?.existing ?? 0) + newRows;
      logger.debug({ newRows, bulk }, 'fact merge mode');
      // An empty fact table has nothing to delete or update: only the insert runs.
      const merge = Number(pending.rows[0]?.existing ?? 0) === 0 ? FACT_SQL.slice(4) : FACT_SQL.slice(2);
      if (bulk) await withFactConstraintsDeferred(client, 'fact_sales', () => run(merge));
      else await run(merge);
      await run(PRUNE_SQL);
      done('merge');

      await phase('marts');
      const martResults = await loadMarts(client, schema, marts);
      await client.query(
        `INSERT INTO warehouse_loads AS l (run_id, silver_rows, quarantine_rows, fact_inserted, fact_updated,
           fact_deleted, marts) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (run_id) DO UPDATE SET loaded_at = now(), silver_rows = EXCLUDED.silver_rows,
           quarantine_rows = EXCLUDED.quarantine_rows, fact_inserted = EXCLUDED.fact_inserted,
           fact_updated = EXCLUDED.fact_updated, fact_deleted = EXCLUDED.fact_deleted, marts = EXCLUDED.marts`,
        [
          options.runId,
          silverRows,
          quarantineRows,
          counts.fact_inserted,
          counts.fact_updated,
          counts.fact_deleted,
          martResults.map((m) => m.table),
        ],
      );
      done('marts');

      await phase('commit');
      await client.query('COMMIT');
      done('commit');
      return {
        silverRows,
        quarantineRows,
        enrichmentColumns: plan.present,
        factInserted: counts.fact_inserted,
        factUpdated: counts.fact_updated,
        factDeleted: counts.fact_deleted,
        dimensionChanges: counts.dimension,
        marts: martResults,
        timings,
      };
    } catch (error) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      if (error instanceof WarehouseError) throw error;
      throw new WarehouseError(
        'WAREHOUSE_LOAD',
        'loading the warehouse failed; the previous state is unchanged',
        {
          cause: error,
        },
      );
    } finally {
      if (!broken) client.off('error', onClientError);
      client.release(broken ? true : undefined);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
};
