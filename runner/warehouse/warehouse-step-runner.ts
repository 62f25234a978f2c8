import type { Registry } from 'prom-client';
import type { StepContext, StepResult, WarehouseDetails } from '../run/step-types.js';
import { WarehouseSpecSchema, type WarehouseSpecInput } from '../spec/warehouse-spec.js';
import { openWarehouseConnection } from './warehouse-connection.js';
import { runWarehouseStep } from './warehouse-step.js';
import { sourceFromLake } from './warehouse-source.js';
import { describePartitions } from '../lake/partitions.js';

export interface WarehouseStepRunnerOptions {
  /** Environment values (process.env from the CLI's config module): DATABASE_URL or the spec's urlFromEnv. */
  env: Readonly<Record<string, string | undefined>>;
  registry?: Registry;
  /** Overrides the spec's `warehouse` section (tests and programs embedding the runner). */
  warehouse?: WarehouseSpecInput;
}

const tableRef = (target: string | undefined, table: string) => {
  let namespace = 'postgres://unknown';
  try {
    if (target) {
      const url = new URL(target);
      namespace = `postgres://${url.host}`;
    }
  } catch {
    // keep the placeholder namespace
  }
  return { namespace, name: table };
};

/**
 * Adapts runWarehouseStep to the runner's StepRunner contract: `runPipeline({ extraSteps: { warehouse:
 * createWarehouseStepRunner({ env: process.env }) } })`. Loads the currently published silver and gold versions.
 */
export const createWarehouseStepRunner =
  (options: WarehouseStepRunnerOptions) =>
  async (ctx: StepContext): Promise<StepResult<WarehouseDetails>> => {
    const fromSpec = (ctx.spec as { warehouse?: WarehouseSpecInput }).warehouse;
    // An explicit section from the caller (tests, embedding programs) wins over the spec's defaults.
    const spec = WarehouseSpecSchema.parse(options.warehouse ?? fromSpec ?? {});
    const [silver, gold] = await Promise.all([
      ctx.lake.current<Record<string, unknown>>('silver'),
      ctx.lake.current<Record<string, unknown>>('gold'),
    ]);
    const dataset = ctx.lake.dataset;
    const lakeNs = ctx.lake.namespace;
    const inputs = [
      { namespace: lakeNs, name: `silver/${dataset}/sales_lines` },
      { namespace: lakeNs, name: `gold/${dataset}` },
    ];
    if (!silver || !gold) {
      const note = 'no published silver and gold versions to load; run the silver and gold steps first';
      return {
        status: 'Failed',
        rowsIn: 0,
        rowsOut: 0,
        durationMs: 0,
        note,
        inputs,
        outputs: [],
        details: {},
      };
    }
    ctx.progress.step('warehouse', `loading silver ${silver.version} and gold ${gold.version}`);
    const result = await runWarehouseStep({
      source: await sourceFromLake(ctx.lake, silver, gold),
      runId: ctx.runId,
      fullRefresh: ctx.fullRefresh,
      spec,
      connect: () =>
        openWarehouseConnection({ spec, env: options.env, baseDir: ctx.baseDir, logger: ctx.logger }),
      logger: ctx.logger,
      ...(options.registry ? { registry: options.registry } : {}),
      workDir: ctx.lake.tempDir(),
    });
    const load = result.load;
    const changed = load ? load.factInserted + load.factUpdated + load.factDeleted : 0;
    if (result.psqlCommand && result.status === 'Succeeded') {
      ctx.progress.step('warehouse', `connect with: ${result.psqlCommand}`);
      // An embedded server stops with the run: say how to bring it back for browsing.
      if (result.embedded) {
        ctx.progress.step(
          'warehouse',
          'the embedded server stops with this run; `medallion db start -f <spec>` serves it again',
        );
      }
    }
    return {
      status: result.status,
      rowsIn: load?.silverRows ?? 0,
      rowsOut: load?.silverRows ?? 0,
      durationMs: result.durationMs,
      note: result.error
        ? `${result.error.message}${result.error.cause ? `: ${result.error.cause}` : ''}`
        : changed === 0 && load?.dimensionChanges === 0
          ? 'up to date'
          : `${changed} fact rows changed (${load ? describePartitions(load.partitions) : ''})`,
      inputs,
      outputs: load
        ? [{ ...tableRef(result.target, `${spec.schema}.fact_sales`), rowCount: load.silverRows }]
        : [],
      details: {
        schema: spec.schema,
        target: result.target,
        psql: result.psqlCommand,
        migrations: result.migrations,
        load,
        error: result.error,
        ...(load ? { partitions: load.partitions } : {}),
      },
    };
  };
