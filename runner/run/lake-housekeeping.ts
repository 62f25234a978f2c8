import { collectLakeGarbage, DEFAULT_GC_GRACE_MS } from '../lake/lake-gc.js';
import type { LakeStore } from '../lake/lake-store.js';
import type { Logger } from '../logger.js';
import type { RunSummary } from './run-summary.js';

/**
 * After a successful run, removes what killed runs and lost races left behind once it is older than the grace
 * period, so a lake never needs a separate `medallion lake gc`. Housekeeping only: a failure is a warning in the
 * log and the summary, never a failed run.
 */
export async function collectAfterRun(
  lake: LakeStore,
  o: { retain: number; logger: Logger; graceMs?: number },
): Promise<NonNullable<RunSummary['lakeGc']>> {
  const graceMs = o.graceMs ?? DEFAULT_GC_GRACE_MS;
  try {
    const report = await collectLakeGarbage(lake, { dryRun: false, graceMs, retain: o.retain });
    const removed = report.orphans.map((x) => `${x.kind} ${x.location}`);
    if (removed.length > 0)
      o.logger.info(
        { removed, deletedBytes: report.deletedBytes, graceMs },
        `lake gc removed ${removed.length} orphans older than the grace period`,
      );
    return { graceMs, removed, deletedBytes: report.deletedBytes };
  } catch (e) {
    const message = (e as Error).message;
    o.logger.warn({ err: e }, 'lake gc after the run failed; the run itself succeeded');
    return { graceMs, removed: [], deletedBytes: 0, warning: message };
  }
}
