import type { LayerVersion } from '../lake/lake-store.js';
import type { ChecksOutcome } from '../quality/checks/check-runner.js';
import { runStepChecks } from '../quality/checks/step-checks.js';
import type { StepContext } from '../run/step-types.js';
import type { GoldTable } from './gold-sql.js';

/** Gold checks read the staged gold tables (always whole) and, for references, the silver version gold read. */
export async function runGoldChecks(
  ctx: StepContext,
  silver: LayerVersion,
  file: (t: GoldTable) => string,
): Promise<ChecksOutcome> {
  return runStepChecks(ctx, 'gold', {
    partitioned: false,
    tableFiles: async (layer, table) =>
      layer === 'gold'
        ? { files: [{ path: file(table as GoldTable) }] }
        : { files: (await ctx.lake.tableFiles('silver', silver, table)).map((p) => ({ path: p })) },
  });
}
