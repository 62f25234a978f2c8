import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STEP_NAMES } from '../runner/spec/pipeline-spec.js';
import type { FinishedInTransition } from './run/finished-in-transition.js';
import type { PipelineStatus } from './spec/pipeline-resource.js';
import { ENRICHMENT_PROVIDERS, type BreakerStates } from './spec/pipeline-run.js';
import { createTriggerMetrics } from './trigger/trigger-metrics.js';

/**
 * The operator's Prometheus metrics (medallion_ prefix, base units), on a registry of its own: one per process, and
 * tests can create many. Labels stay bounded: controller, phase and step are small enums, namespace and pipeline are
 * bounded by the Pipeline objects (their series are removed with the Pipeline), run names are never labels.
 */
export function createOperatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'medallion_operator_' });
  const m = {
    registry,
    reconcileTotal: new Counter({
      name: 'medallion_reconcile_total',
      help: 'Reconciles by controller and result (ok or error).',
      labelNames: ['controller', 'result'] as const,
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'medallion_reconcile_duration_seconds',
      help: 'Time of one reconcile, by controller.',
      labelNames: ['controller'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'medallion_queue_depth',
      help: 'Keys waiting in the work queue, by controller.',
      labelNames: ['controller'] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'medallion_leader',
      help: '1 while this replica holds the leader lease.',
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'medallion_reconcile_errors_total',
      help: 'Reconciles that failed (and were requeued with backoff), by controller.',
      labelNames: ['controller'] as const,
      registers: [registry],
    }),
    runCompletions: new Counter({
      name: 'medallion_run_completions_total',
      help: 'PipelineRuns that reached a terminal phase, by pipeline and phase.',
      labelNames: ['namespace', 'pipeline', 'phase'] as const,
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: 'medallion_run_duration_seconds',
      help: 'Wall time of finished PipelineRuns, from the first Job to the terminal phase.',
      labelNames: ['namespace', 'pipeline', 'phase'] as const,
      buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 21600],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'medallion_step_duration_seconds',
      help: 'Wall time of finished steps, from the first attempt to the terminal phase (retries included).',
      labelNames: ['namespace', 'pipeline', 'step', 'phase'] as const,
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers: [registry],
    }),
    lastSuccess: new Gauge({
      name: 'medallion_pipeline_last_success_timestamp_seconds',
      help: 'Completion time (Unix seconds) of the last PipelineRun that Succeeded or was Degraded, per pipeline.',
      labelNames: ['namespace', 'pipeline'] as const,
      registers: [registry],
    }),
    lastQualityScore: new Gauge({
      name: 'medallion_pipeline_last_quality_score',
      help: 'Silver quality score (ratio 0..1) of the last run that measured it, per pipeline.',
      labelNames: ['namespace', 'pipeline'] as const,
      registers: [registry],
    }),
    qualityMinScore: new Gauge({
      name: 'medallion_pipeline_quality_min_score',
      help: "The Pipeline's spec.quality.minScore (ratio 0..1): the silver score below which a run fails or degrades.",
      labelNames: ['namespace', 'pipeline'] as const,
      registers: [registry],
    }),
    breakerOpen: new Gauge({
      name: 'medallion_enrichment_breaker_open',
      help: 'Whether an enrichment provider breaker was open (1; halfOpen counts) or closed (0) at the end of the last finished run that reported it.',
      labelNames: ['namespace', 'pipeline', 'provider'] as const,
      registers: [registry],
    }),
    // A gauge, not a counter: "does the check fail in the latest run" is a state that alerts and panels read
    // directly, resolves when the next run passes, and is rebuilt from the cached runs after a restart. A counter
    // would double-count retried steps and need increase() windows matched to each schedule.
    checkFailures: new Gauge({
      name: 'medallion_quality_check_failures',
      help: 'Whether a user-declared quality check failed (1) or passed (0) in the last finished PipelineRun that reported checks, by check and severity. Checks that never failed have no series.',
      labelNames: ['namespace', 'pipeline', 'check', 'severity'] as const,
      registers: [registry],
    }),
    scheduleInterval: new Gauge({
      name: 'medallion_schedule_interval_seconds',
      help: 'Expected seconds between two scheduled runs: the gap between the next two schedule times.',
      labelNames: ['namespace', 'schedule', 'pipeline'] as const,
      registers: [registry],
    }),
    scheduleLast: new Gauge({
      name: 'medallion_schedule_last_schedule_timestamp_seconds',
      help: 'Schedule time (Unix seconds) of the most recent run the schedule created.',
      labelNames: ['namespace', 'schedule', 'pipeline'] as const,
      registers: [registry],
    }),
    scheduleNext: new Gauge({
      name: 'medallion_schedule_next_schedule_timestamp_seconds',
      help: 'Next schedule time (Unix seconds); absent while suspended.',
      labelNames: ['namespace', 'schedule', 'pipeline'] as const,
      registers: [registry],
    }),
    scheduleSuspended: new Gauge({
      name: 'medallion_schedule_suspended',
      help: '1 while the schedule is suspended, else 0.',
      labelNames: ['namespace', 'schedule', 'pipeline'] as const,
      registers: [registry],
    }),
    runsWaiting: new Gauge({
      name: 'medallion_runs_waiting',
      help: 'PipelineRuns held Pending, by reason: WaitingForSlot (over a concurrency cap) or Suspended (spec.suspend).',
      labelNames: ['namespace', 'pipeline', 'reason'] as const,
      registers: [registry],
    }),
    slotWaitOldest: new Gauge({
      name: 'medallion_run_slot_wait_oldest_seconds',
      help: 'How long the oldest PipelineRun waiting for a concurrency slot has waited (since its creation).',
      labelNames: ['namespace', 'pipeline'] as const,
      registers: [registry],
    }),
    slotWait: new Histogram({
      name: 'medallion_run_slot_wait_seconds',
      help: "Time from a PipelineRun's creation until it took a concurrency slot (runs that waited for one).",
      labelNames: ['namespace', 'pipeline'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
      registers: [registry],
    }),
    scheduleMissed: new Counter({
      name: 'medallion_schedule_missed_runs_total',
      help: 'Schedule times that produced no run, by reason: starting_deadline_exceeded or concurrency_forbid.',
      labelNames: ['namespace', 'schedule', 'pipeline', 'reason'] as const,
      registers: [registry],
    }),
    ...createTriggerMetrics(registry),
    /** Label sets of checkFailures per pipeline, so a check gone from the runs loses its series. */
    checkSeries: new Map<string, Set<string>>(),
  };
  return m;
}

interface PipelineLabels {
  namespace: string;
  pipeline: string;
}

const TERMINAL = ['Succeeded', 'Degraded', 'Failed', 'Cancelled'] as const;

/** Counts what finished in a run's status change; call after the new status was written. */
export function recordRunTransition(
  m: OperatorMetrics,
  labels: PipelineLabels,
  finished: FinishedInTransition,
) {
  if (finished.run) {
    m.runCompletions.inc({ ...labels, phase: finished.run.phase });
    if (finished.run.seconds !== undefined)
      m.runDuration.observe({ ...labels, phase: finished.run.phase }, finished.run.seconds);
  }
  for (const s of finished.steps) {
    if (s.seconds !== undefined)
      m.stepDuration.observe({ ...labels, step: s.step, phase: s.phase }, s.seconds);
  }
}

/**
 * Per-pipeline gauges from the Pipeline's status (also restores them after an operator restart), and the run
 * completion counters at 0 for every terminal phase: a series that appears only with its first completion has no
 * earlier sample, so `increase()` misses that completion or, after a scrape gap, counts old ones as new.
 */
export function recordPipelineStatus(m: OperatorMetrics, labels: PipelineLabels, status: PipelineStatus) {
  for (const phase of TERMINAL) m.runCompletions.inc({ ...labels, phase }, 0);
  const done = Date.parse(status.lastSuccessfulRun?.completionTime ?? '');
  if (Number.isNaN(done)) m.lastSuccess.remove(labels);
  else m.lastSuccess.set(labels, done / 1000);
  if (status.lastQualityScore === undefined) m.lastQualityScore.remove(labels);
  else m.lastQualityScore.set(labels, status.lastQualityScore);
}

/** The quality floor from the Pipeline's spec (undefined: no series). */
export function recordQualityMinScore(
  m: OperatorMetrics,
  labels: PipelineLabels,
  minScore: number | undefined,
) {
  if (minScore === undefined) m.qualityMinScore.remove(labels);
  else m.qualityMinScore.set(labels, minScore);
}

/** Breaker gauges from the last finished run's enrichment report; providers it did not report have no series. */
export function recordBreakers(
  m: OperatorMetrics,
  labels: PipelineLabels,
  breakers: BreakerStates | undefined,
) {
  for (const provider of ENRICHMENT_PROVIDERS) {
    const state = breakers?.[provider];
    if (state === undefined) m.breakerOpen.remove({ ...labels, provider });
    else m.breakerOpen.set({ ...labels, provider }, state === 'closed' ? 0 : 1);
  }
}

/** A check as the gauge labels it. */
export interface CheckFailure {
  check: string;
  severity: 'error' | 'warn';
}

/**
 * The check-failure gauge of a pipeline: 1 for each check failing in the last finished run, 0 for the other checks
 * that failed in any run still in the cluster (the label sets stay bounded by the check names in the spec).
 */
export function recordCheckFailures(
  m: OperatorMetrics,
  labels: PipelineLabels,
  failing: readonly CheckFailure[],
  known: readonly CheckFailure[],
) {
  const key = (c: CheckFailure) => JSON.stringify([c.check, c.severity]);
  const now = new Set(failing.map(key));
  const all = new Map([...known, ...failing].map((c) => [key(c), c]));
  const series = `${labels.namespace}/${labels.pipeline}`;
  for (const old of m.checkSeries.get(series) ?? []) {
    if (all.has(old)) continue;
    const [check, severity] = JSON.parse(old) as [string, string];
    m.checkFailures.remove({ ...labels, check, severity });
  }
  for (const [k, c] of all) m.checkFailures.set({ ...labels, ...c }, now.has(k) ? 1 : 0);
  if (all.size > 0) m.checkSeries.set(series, new Set(all.keys()));
  else m.checkSeries.delete(series);
}

/** Drops every series of a deleted Pipeline, which keeps the label sets bounded by the Pipelines that exist. */
export function forgetPipeline(m: OperatorMetrics, labels: PipelineLabels) {
  m.lastSuccess.remove(labels);
  m.lastQualityScore.remove(labels);
  m.qualityMinScore.remove(labels);
  recordBreakers(m, labels, undefined);
  recordCheckFailures(m, labels, [], []);
  for (const phase of TERMINAL) {
    m.runCompletions.remove({ ...labels, phase });
    m.runDuration.remove({ ...labels, phase });
    for (const step of STEP_NAMES) m.stepDuration.remove({ ...labels, step, phase });
  }
}

export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;

/** Wraps a work-queue handler with reconcile counters and a duration histogram. */
export function instrument<R>(
  metrics: OperatorMetrics | undefined,
  controller: string,
  handler: (key: string) => Promise<R>,
) {
  if (!metrics) return handler;
  return async (key: string): Promise<R> => {
    const end = metrics.reconcileDuration.startTimer({ controller });
    try {
      const r = await handler(key);
      metrics.reconcileTotal.inc({ controller, result: 'ok' });
      return r;
    } catch (e) {
      metrics.reconcileTotal.inc({ controller, result: 'error' });
      metrics.reconcileErrors.inc({ controller });
      throw e;
    } finally {
      end();
    }
  };
}
