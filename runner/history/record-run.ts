import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { RunSummary } from '../run/run-summary.js';
import { WarehouseSpecSchema, type WarehouseSpecInput } from '../spec/warehouse-spec.js';
import { resolveWarehouseTarget } from '../warehouse/connection-config.js';
import { runMigrations } from '../warehouse/run-migrations.js';
import { openWarehouseConnection, type WarehouseConnection } from '../warehouse/warehouse-connection.js';
import { checkRowsFromSummary } from './check-rows.js';
import { historyRowFromSummary, upsertHistoryParams, upsertHistorySql } from './history-row.js';
import { recordCheckRows } from './record-checks.js';

interface RecordRunInput {
  summary: RunSummary;
  /** The spec's `warehouse` section. */
  warehouse: WarehouseSpecInput | undefined;
  env: Readonly<Record<string, string | undefined>>;
  baseDir: string;
  logger: Logger;
  /** Injectable for tests; default opens the configured or embedded warehouse. */
  connect?: () => Promise<WarehouseConnection>;
}

type RecordRunResult =
  | { recorded: true; target: string }
  | { recorded: false; reason: string }
  | { recorded: false; reason: string; error: unknown };

/** OpenLineage events the run wrote to `<lake>/_lineage/<runId>/`, in file (= emission) order. */
async function readLineageEvents(lake: string, runId: string): Promise<unknown[]> {
  const dir = path.join(lake, '_lineage', runId);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const events: unknown[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    events.push(JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')));
  }
  return events;
}

/**
 * Upserts a finished run into the warehouse's `run_history` (what the read API lists in local mode). Runs when a
 * warehouse is configured (URL in the spec or its env var), or when this run used the embedded default (it ran the
 * warehouse step): a plain `--steps bronze` run on a laptop does not start a PostgreSQL just to record itself.
 * Recording is best effort: a failure is returned (and logged) but never changes the run's outcome.
 */
export async function recordRun(input: RecordRunInput): Promise<RecordRunResult> {
  const spec = WarehouseSpecSchema.parse(input.warehouse ?? {});
  const log = input.logger.child({ component: 'run-history' });
  let target;
  try {
    target = resolveWarehouseTarget({ spec, env: input.env, baseDir: input.baseDir });
  } catch (error) {
    return { recorded: false, reason: 'no warehouse configured', error };
  }
  if (target.kind === 'embedded' && !('warehouse' in input.summary.steps)) {
    return { recorded: false, reason: 'embedded warehouse not used by this run' };
  }
  let connection: WarehouseConnection | undefined;
  try {
    connection = await (
      input.connect ??
      (() => openWarehouseConnection({ spec, env: input.env, baseDir: input.baseDir, logger: input.logger }))
    )();
    await runMigrations({ pool: connection.pool, schema: spec.schema, logger: log });
    const lineage = await readLineageEvents(input.summary.lake, input.summary.runId);
    const row = historyRowFromSummary(input.summary, lineage);
    await connection.pool.query(upsertHistorySql(spec.schema, 1), upsertHistoryParams([row]));
    const checks = checkRowsFromSummary(input.summary);
    await recordCheckRows(connection.pool, spec.schema, row.runId, checks);
    log.info({ runId: row.runId, schema: spec.schema, checks: checks.length }, 'run recorded in run_history');
    return { recorded: true, target: connection.target };
  } catch (error) {
    log.warn({ err: error }, 'could not record the run in run_history');
    return { recorded: false, reason: 'recording failed', error };
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
