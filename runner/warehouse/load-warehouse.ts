import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { copyCsvFile, copyQueryToFile, copyRows } from './copy-in.js';
import { buildDateRows, DATE_COLUMNS } from './dim-date.js';
import { WANT_TABLES } from './dimension-sql.js';
import { WarehouseError } from './errors.js';
import { exportInputs } from './export-inputs.js';
import { prepareFactRows, stageFactLines } from './fact-keys.js';
import { withFactConstraintsDeferred } from './fact-bulk-mode.js';
import { loadMarts, type MartResult } from './load-marts.js';
import { mergeFacts, type FactMode } from './merge-facts.js';
import { canonicalPartitions, dateKeyOf, planLoad, type LoadPlan } from './load-plan.js';
import { readLoadedSilver, sameLoaded, writeLoadedSilver } from './loaded-silver.js';
import type { TouchedPartitions } from '../lake/partitions.js';
import type { WarehouseSource } from './warehouse-source.js';
import { quoteIdent } from '../engine/sql-quote.js';
import {
  ANALYZE_SQL,
  CHANGED_CUSTOMERS_SQL,
  CREATE_AFFECTED_SQL,
  CREATE_LOAD_SCOPE_SQL,
  CREATE_STAGE_DATE_SQL,
  REKEY_CUSTOMER_FACTS_SQL,
  createWantTablesSql,
  pruneSql,
  UPSERT_DIMENSIONS_SQL,
} from './star-sql.js';
import { createStatementRunner } from './statement-runner.js';

export interface LoadWarehouseOptions {
  pool: pg.Pool;
  schema: string;
  /** The silver and gold tables' files and the silver partition map (warehouse-source.ts). */
  source: WarehouseSource;
  runId: string;
  /** `medallion run --full-refresh`: load every partition even when the warehouse knows what it holds. */
  fullRefresh?: boolean;
  logger: Logger;
  /** Where the CSV exports go (default: the OS temp dir); removed after the load. */
  workDir?: string;
  /** Called with each phase name as it starts (tests use it to inject faults at a chosen moment). */
  onPhase?: (phase: string) => void | Promise<void>;
}

export interface LoadResult {
  /** Every partition loaded (first load, unpartitioned silver, --full-refresh), or only the changed ones. */
  full: boolean;
  /** Why the load was full, or how many partitions changed. */
  reason: string;
  partitions: TouchedPartitions;
  /** Silver lines of the loaded partitions (all of them on a full load) that became fact rows. */
  factLines: number;
  factMode: FactMode;
  silverRows: number;
  quarantineRows: number | null;
  enrichmentColumns: string[];
  factInserted: number;
  factUpdated: number;
  factDeleted: number;
  dimensionChanges: number;
  marts: MartResult[];
  /** Milliseconds per phase: export (DuckDB → CSV), dimensions, facts, marts, commit. */
  timings: Record<string, number>;
}

const AUDIT_SQL = `INSERT INTO warehouse_loads AS l (run_id, silver_rows, quarantine_rows, fact_inserted,
    fact_updated, fact_deleted, marts, silver_version, full_load, partitions)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (run_id) DO UPDATE SET loaded_at = now(), silver_rows = EXCLUDED.silver_rows,
    quarantine_rows = EXCLUDED.quarantine_rows, fact_inserted = EXCLUDED.fact_inserted,
    fact_updated = EXCLUDED.fact_updated, fact_deleted = EXCLUDED.fact_deleted, marts = EXCLUDED.marts,
    silver_version = EXCLUDED.silver_version, full_load = EXCLUDED.full_load, partitions = EXCLUDED.partitions`;

/** The silver version id recorded for inputs without one (version directories of tests and benchmarks). */
const UNVERSIONED = 'unversioned';

/** Pre-aggregate files no load needs may go once they are this old (a concurrent load may still read them). */
const PREAGG_PRUNE_GRACE_MS = 60 * 60 * 1000;

/**
 * Incremental loads: the invoices and customers the warehouse holds lines of on the loaded dates, written as CSV for
 * DuckDB. Together with the loaded lines' own, they are the members whose attributes can change.
 */
const writeHeldMembers = async (
  client: pg.PoolClient,
  schema: string,
  dates: readonly string[],
  workDir: string,
): Promise<{ invoices: string; customers: string }> => {
  const s = quoteIdent(schema);
  const keys = dates.length > 0 ? dates.map(dateKeyOf).join(', ') : 'NULL';
  const files = {
    invoices: path.join(workDir, 'held_inv.csv'),
    customers: path.join(workDir, 'held_cust.csv'),
  };
  await copyQueryToFile(
    client,
    `SELECT DISTINCT i.invoice_no FROM ${s}.fact_sales f JOIN ${s}.dim_invoice i USING (invoice_key)
     WHERE f.date_key IN (${keys})`,
    files.invoices,
  );
  await copyQueryToFile(
    client,
    `SELECT DISTINCT c.customer_id FROM ${s}.fact_sales f JOIN ${s}.dim_customer c USING (customer_key)
     WHERE f.date_key IN (${keys}) AND NOT c.is_unknown`,
    files.customers,
  );
  return files;
};

/**
 * Loads one published silver+gold version into the star schema in ONE transaction. DuckDB reads the Parquet
 * inputs first (no transaction open); then dimensions, facts and marts are COPYed and merged. Readers see the
 * previous state until COMMIT; any failure rolls everything back and surfaces as a WarehouseError.
 * When the warehouse knows the partitions it holds, only the facts of the partitions whose files changed are
 * staged and merged (ADR 0023); dimensions and marts are always merged whole, writing only what differs.
 */
export const loadWarehouse = async (options: LoadWarehouseOptions): Promise<LoadResult> => {
  const { logger, schema, runId } = options;
  const timings: Record<string, number> = {};
  let current: { name: string; started: number } | undefined;
  const phase = async (name: string): Promise<void> => {
    if (current) timings[current.name] = Date.now() - current.started;
    current = { name, started: Date.now() };
    await options.onPhase?.(name);
  };
  const workDir = await mkdtemp(path.join(options.workDir ?? tmpdir(), 'medallion-warehouse-'));
  const silver = options.source.silver;
  const planFor = (loaded: Awaited<ReturnType<typeof readLoadedSilver>>): LoadPlan =>
    planLoad({
      loaded,
      silverVersion: silver.version,
      partitions: silver.partitions,
      fullRefresh: options.fullRefresh ?? false,
    });
  try {
    await phase('export');
    /** Plans against what the warehouse holds (PostgreSQL), then has DuckDB read what that plan needs. */
    const prepare = async (client: pg.PoolClient, release: () => void) => {
      let loaded: Awaited<ReturnType<typeof readLoadedSilver>>;
      let held: { invoices: string; customers: string } | undefined;
      let plan: LoadPlan;
      try {
        loaded = await readLoadedSilver(client, schema).catch((cause: unknown) => {
          throw new WarehouseError('WAREHOUSE_CONNECT', 'cannot read what the warehouse holds', { cause });
        });
        plan = planFor(loaded);
        logger.info(
          { full: plan.full, reason: plan.reason, dates: plan.dates.length },
          'warehouse load plan',
        );
        held = plan.full ? undefined : await writeHeldMembers(client, schema, plan.dates, workDir);
      } finally {
        release();
      }
      const inputs = await exportInputs(options.source, workDir, {
        ...(plan.full ? {} : { dates: plan.dates }),
        ...(held ? { held } : {}),
      });
      return { plan, loaded, inputs };
    };
    let reader: pg.PoolClient;
    try {
      reader = await options.pool.connect();
    } catch (cause) {
      throw new WarehouseError('WAREHOUSE_CONNECT', 'cannot read what the warehouse holds', { cause });
    }
    let prepared = await prepare(reader, () => reader.release());
    let { plan, inputs } = prepared;
    // DuckDB decodes the fact lines while PostgreSQL merges the dimensions; awaited before the source closes.
    let staged = inputs.factLinesStaged ? Promise.resolve() : stageFactLines(inputs.source);
    staged.catch(() => undefined);
    let client: pg.PoolClient | undefined;
    let broken = false;
    // A dropped connection is reported through the failing query; the listener keeps the event from crashing.
    const onClientError = (error: Error): void =>
      logger.warn({ err: error }, 'warehouse connection failed mid-load');
    try {
      try {
        client = await options.pool.connect();
      } catch (cause) {
        throw new WarehouseError('WAREHOUSE_CONNECT', 'cannot connect to the warehouse', { cause });
      }
      client.on('error', onClientError);
      await client.query('BEGIN');
      // The staged fact rows (~100 MB for the full data) stay in memory instead of spilling to temp files. Only
      // settable before the session touches a temp table; a reused session keeps its own setting.
      await client.query('SAVEPOINT temp_buffers');
      await client
        .query(`SET LOCAL temp_buffers = '256MB'`)
        .then(() => client?.query('RELEASE SAVEPOINT temp_buffers'))
        .catch(() => client?.query('ROLLBACK TO SAVEPOINT temp_buffers'));
      await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}, pg_temp`);
      await client.query(`SET LOCAL TimeZone = 'UTC'`);
      await client.query(`SET LOCAL work_mem = '64MB'`);
      await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`medallion.load.${schema}`]);
      const loadedNow = await readLoadedSilver(client, schema);
      if (!sameLoaded(prepared.loaded, loadedNow)) {
        // A concurrent load committed while DuckDB read: plan and read again against what the warehouse holds
        // now (under the lock, so it cannot change again).
        logger.info('warehouse changed meanwhile; load re-planned');
        await staged.catch(() => undefined);
        inputs.source.close();
        prepared = await prepare(client, () => undefined);
        ({ plan, inputs } = prepared);
        staged = inputs.factLinesStaged ? Promise.resolve() : stageFactLines(inputs.source);
        staged.catch(() => undefined);
      }

      for (const [part, ms] of Object.entries(inputs.timings)) timings[`export.${part}`] = ms;
      await phase('dimensions');
      await client.query(createWantTablesSql());
      for (const want of WANT_TABLES) {
        const file = path.join(workDir, `${want.name}.csv`);
        await copyCsvFile(
          client,
          `pg_temp.${want.name}`,
          want.columns.map(([name]) => name),
          file,
        );
      }
      await client.query(CREATE_STAGE_DATE_SQL);
      const { from, to } = inputs.years;
      const dateRows = to >= from ? buildDateRows(from, to) : [];
      await copyRows(
        client,
        'pg_temp.want_date',
        DATE_COLUMNS,
        dateRows.map((row) => DATE_COLUMNS.map((c) => row[c])),
      );
      const runner = createStatementRunner(client, runId, logger);
      await runner.run(ANALYZE_SQL);
      if (!plan.full) {
        await client.query(CREATE_AFFECTED_SQL);
        await copyCsvFile(
          client,
          'pg_temp.affected_invoice',
          ['invoice_no'],
          inputs.affected?.invoices ?? '',
        );
        await copyCsvFile(
          client,
          'pg_temp.affected_customer',
          ['customer_id'],
          inputs.affected?.customers ?? '',
        );
        await client.query(CREATE_LOAD_SCOPE_SQL);
        await copyRows(
          client,
          'pg_temp.load_scope',
          ['date_key'],
          plan.dates.map((date) => [dateKeyOf(date)]),
        );
        await runner.run(CHANGED_CUSTOMERS_SQL);
      }
      // First load: dim_invoice's foreign key to dim_date is added (validated, one pass) after its ~26k rows
      // instead of being checked row by row; an existing dim_invoice keeps it, so readers are never blocked.
      const firstInvoices = (await client.query('SELECT 1 FROM dim_invoice LIMIT 1')).rowCount === 0;
      if (firstInvoices) {
        await withFactConstraintsDeferred(client, 'dim_invoice', () => runner.run(UPSERT_DIMENSIONS_SQL), {
          foreignKeysOnly: true,
        });
      } else await runner.run(UPSERT_DIMENSIONS_SQL);

      await phase('facts');
      const facts = await prepareFactRows(client, inputs.source, staged, workDir, runId);
      const factMode = await mergeFacts(client, runner, facts, workDir, facts.rows, logger, !plan.full);
      if (!plan.full) await runner.run(REKEY_CUSTOMER_FACTS_SQL);
      await runner.run(pruneSql(!plan.full));

      await phase('marts');
      const marts = await loadMarts(client, schema, inputs.marts);
      const { counts } = runner;
      await client.query(AUDIT_SQL, [
        runId,
        inputs.silverRows,
        inputs.quarantineRows,
        counts.fact_inserted,
        counts.fact_updated,
        counts.fact_deleted,
        marts.map((m) => m.table),
        silver.version ?? UNVERSIONED,
        plan.full,
        plan.touched.keys,
      ]);
      await writeLoadedSilver(client, {
        runId,
        silverVersion: silver.version ?? UNVERSIONED,
        partitions: silver.partitions ? canonicalPartitions(silver.partitions) : null,
      });

      await phase('commit');
      await client.query('COMMIT');
      if (inputs.preaggs && options.source.preaggs) {
        // Files of versions nobody loads any more; a failure here costs disk, not correctness.
        await options.source.preaggs
          .prune(inputs.preaggs.keep, new Date(Date.now() - PREAGG_PRUNE_GRACE_MS))
          .catch((error: unknown) => logger.warn({ err: error }, 'pruning dimension pre-aggregates failed'));
      }
      await phase('done');
      return {
        full: plan.full,
        reason: plan.reason,
        partitions: plan.touched,
        factLines: facts.rows,
        factMode,
        silverRows: inputs.silverRows,
        quarantineRows: inputs.quarantineRows,
        enrichmentColumns: inputs.enrichmentColumns,
        factInserted: counts.fact_inserted,
        factUpdated: counts.fact_updated,
        factDeleted: counts.fact_deleted,
        dimensionChanges: counts.dimension,
        marts,
        timings,
      };
    } catch (error) {
      broken = true;
      await client?.query('ROLLBACK').catch(() => undefined);
      if (error instanceof WarehouseError) throw error;
      throw new WarehouseError(
        'WAREHOUSE_LOAD',
        'loading the warehouse failed; the previous state is unchanged',
        {
          cause: error,
        },
      );
    } finally {
      if (client && !broken) client.off('error', onClientError);
      client?.release(broken ? true : undefined);
      await staged.catch(() => undefined);
      inputs.source.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
};
