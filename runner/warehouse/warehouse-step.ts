import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { WarehouseSpec } from '../spec/warehouse-spec.js';
import { isWarehouseError, type WarehouseErrorCode } from './errors.js';
import { loadWarehouse, type LoadResult } from './load-warehouse.js';
import { createWarehouseMetrics } from './metrics.js';
import { runMigrations, type MigrationResult } from './run-migrations.js';
import type { WarehouseConnection } from './warehouse-connection.js';
import type { WarehouseSource } from './warehouse-source.js';

export interface WarehouseStepInput {
  /** The published silver and gold tables' files (sourceFromLake; sourceFromDirs for version directories). */
  source: WarehouseSource;
  runId: string;
  /** Load every partition even when the warehouse knows what it holds (`medallion run --full-refresh`). */
  fullRefresh?: boolean;
  spec: WarehouseSpec;
  /** Opens the warehouse (openWarehouseConnection by default in the runner; tests pass their own pool). */
  connect: () => Promise<WarehouseConnection>;
  /** Already bound to the run and step (runPipeline binds runId and step once; binding them again repeats the keys). */
  logger: Logger;
  registry?: Registry;
  /** Scratch directory for the CSV exports (default: OS temp dir). */
  workDir?: string;
  onPhase?: (phase: string) => void | Promise<void>;
}

export interface WarehouseStepResult {
  status: 'Succeeded' | 'Failed';
  durationMs: number;
  /** Masked connection URL. */
  target?: string;
  psqlCommand?: string;
  /** The load went to the embedded server this step started (and stopped). */
  embedded?: boolean;
  schema: string;
  migrations?: MigrationResult;
  load?: LoadResult;
  error?: { code: WarehouseErrorCode | 'UNEXPECTED'; message: string; cause?: string };
}

const describeCause = (error: unknown): string | undefined => {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
};

/**
 * The warehouse step: migrate, then load the published silver and gold versions in one transaction (only the
 * changed partitions' facts when the warehouse knows what it holds).
 * Never throws for load problems: it reports Failed with a coded error, and the warehouse keeps its previous state.
 */
export const runWarehouseStep = async (input: WarehouseStepInput): Promise<WarehouseStepResult> => {
  const started = Date.now();
  const logger = input.logger;
  const metrics = input.registry ? createWarehouseMetrics(input.registry) : undefined;
  const schema = input.spec.schema;
  let connection: WarehouseConnection | undefined;
  const result: WarehouseStepResult = { status: 'Failed', durationMs: 0, schema };
  try {
    connection = await input.connect();
    result.target = connection.target;
    result.psqlCommand = connection.psqlCommand;
    result.embedded = connection.embedded;
    logger.info({ target: connection.target, schema }, 'loading the warehouse');
    result.migrations = await runMigrations({ pool: connection.pool, schema, logger });
    result.load = await loadWarehouse({
      pool: connection.pool,
      schema,
      source: input.source,
      ...(input.fullRefresh ? { fullRefresh: true } : {}),
      runId: input.runId,
      logger,
      ...(input.workDir ? { workDir: input.workDir } : {}),
      ...(input.onPhase ? { onPhase: input.onPhase } : {}),
    });
    result.status = 'Succeeded';
    metrics?.factRows.inc({ change: 'inserted' }, result.load.factInserted);
    metrics?.factRows.inc({ change: 'updated' }, result.load.factUpdated);
    metrics?.factRows.inc({ change: 'deleted' }, result.load.factDeleted);
    metrics?.lastSuccess.set(Date.now() / 1000);
    logger.info(
      {
        rows: result.load.silverRows,
        full: result.load.full,
        factLines: result.load.factLines,
        factMode: result.load.factMode,
        timings: result.load.timings,
        psql: connection.psqlCommand,
      },
      `warehouse loaded; connect with: ${connection.psqlCommand}`,
    );
  } catch (error) {
    result.error = {
      code: isWarehouseError(error) ? error.code : 'UNEXPECTED',
      message: error instanceof Error ? error.message : String(error),
      ...(describeCause(error) ? { cause: describeCause(error) } : {}),
    };
    logger.error(
      { err: error, code: result.error.code },
      'warehouse step failed; previous warehouse state kept',
    );
  } finally {
    result.durationMs = Date.now() - started;
    metrics?.loads.inc({ status: result.status, code: result.error?.code ?? '' });
    metrics?.duration.observe({ status: result.status }, result.durationMs / 1000);
    await connection
      ?.close()
      .catch((error: unknown) => logger.warn({ err: error }, 'closing the warehouse failed'));
  }
  return result;
};
