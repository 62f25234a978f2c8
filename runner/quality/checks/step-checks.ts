import fs from 'node:fs/promises';
import path from 'node:path';
import type { StepContext } from '../../run/step-types.js';
import type { CheckResult } from '../check-result.js';
import { pruneSamples } from './check-samples.js';
import { runChecks, type ChecksOutcome, type RunChecksInput } from './check-runner.js';
import type { CheckLayer } from './check-tables.js';
import { appendMetricHistory, readMetricHistory } from './metric-history.js';

/** What a step does with its checks' results: fail before publishing, publish Degraded, or publish as is. */
export type ChecksVerdict = 'Failed' | 'Degraded' | 'Succeeded';

export function checksVerdict(results: readonly CheckResult[]): ChecksVerdict {
  const bad = results.filter((r) => r.status === 'failed' || r.status === 'errored');
  if (bad.some((r) => r.severity === 'error')) return 'Failed';
  return bad.length > 0 ? 'Degraded' : 'Succeeded';
}

/** Names of the failing checks for a step note: "quality check failed: a, b; nothing published". */
export const failingNames = (results: readonly CheckResult[], severity: 'error' | 'warn'): string[] =>
  results
    .filter((r) => r.severity === severity && (r.status === 'failed' || r.status === 'errored'))
    .map((r) => r.name);

/** Runs the checks a step's layer declares on its staged tables (nothing when it declares none). */
export async function runStepChecks(
  ctx: StepContext,
  layer: CheckLayer,
  o: Pick<RunChecksInput, 'tableFiles' | 'partitioned'>,
): Promise<ChecksOutcome> {
  const checks = ctx.spec.quality.checks.filter((c) => c.layer === layer);
  if (checks.length === 0) return { results: [], points: {} };
  const started = performance.now();
  const dataset = ctx.spec.source.dataset;
  const history = checks.some((c) => c.kind === 'anomaly')
    ? await readMetricHistory(ctx.lake.storage, dataset)
    : {};
  const scratchDir = path.join(ctx.lake.tempDir(), `${ctx.runId}-checks-${layer}`);
  const outcome = await runChecks({
    checks,
    layer,
    ...o,
    runId: ctx.runId,
    dataset,
    now: ctx.startedAt,
    storage: ctx.lake.storage,
    scratchDir,
    history,
    memoryLimit: ctx.spec.engine.memoryLimit,
    logger: ctx.logger.child({ component: `${layer}-checks` }),
  }).finally(() => fs.rm(scratchDir, { recursive: true, force: true }));
  const bad = outcome.results.filter((r) => r.status === 'failed' || r.status === 'errored').length;
  ctx.progress.step(
    layer,
    `${checks.length} quality check(s) in ${Math.round(performance.now() - started)} ms: ${bad} failing`,
  );
  return outcome;
}

/**
 * After a publish: the anomaly points join the lake's metric history; old samples go. The version is already
 * published, so a storage fault here is logged, not fatal: the next run measures its days again.
 */
export async function commitStepChecks(ctx: StepContext, outcome: ChecksOutcome): Promise<void> {
  if (outcome.results.length === 0) return;
  const dataset = ctx.spec.source.dataset;
  try {
    await appendMetricHistory(ctx.lake.storage, dataset, ctx.runId, outcome.points);
    await pruneSamples(ctx.lake.storage, dataset, ctx.spec.lake.retainVersions);
  } catch (e) {
    ctx.logger.warn({ err: (e as Error).message }, 'quality check history or samples not updated');
  }
}
