import type { SilverPartition } from '../lake/partitions.js';
import type { ChecksOutcome } from '../quality/checks/check-runner.js';
import type { TableFiles } from '../quality/checks/check-relations.js';
import { runStepChecks } from '../quality/checks/step-checks.js';
import type { StepContext } from '../run/step-types.js';
import type { StagedTable } from './silver-report.js';

/**
 * The silver tables as this run would publish them, for the declared checks: the staged files of the touched
 * partitions and, for scope `table`, the previous version's files of every partition the run kept.
 */
export async function runSilverChecks(
  ctx: StepContext,
  staged: Map<StagedTable, Map<string, string>>,
  basePartitions: Record<string, SilverPartition> | undefined,
  touched: Set<string>,
): Promise<ChecksOutcome> {
  const tableFiles = async (
    _layer: string,
    table: string,
    scope: 'touched' | 'table',
  ): Promise<TableFiles> => {
    const own = [...(staged.get(table as StagedTable) ?? new Map<string, string>())].map(
      ([partition, p]) => ({
        path: p,
        partition,
      }),
    );
    if (scope === 'touched') return { files: own };
    const kept = Object.entries(basePartitions ?? {}).flatMap(([k, p]) => {
      const f = (p.tables as Record<string, { key: string } | undefined>)[table];
      return !touched.has(k) && f ? [{ key: f.key, partition: k }] : [];
    });
    const local = await ctx.lake.partitionFiles(kept.map((x) => x.key));
    return { files: [...own, ...kept.map((x, i) => ({ path: local[i]!, partition: x.partition }))] };
  };
  return runStepChecks(ctx, 'silver', { tableFiles, partitioned: true });
}
