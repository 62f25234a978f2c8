import type { PipelineRunStatus, RunPhase, StepPhase } from '../spec/pipeline-run.js';

/**
 * What finished between two statuses of one run: the run itself and each step that reached a terminal phase. The
 * adapter turns this into metrics after the new status is written, so a run or step is counted once: a rewritten
 * (unchanged) status or an operator restart finds nothing new.
 */

const TERMINAL_RUN: readonly RunPhase[] = ['Succeeded', 'Degraded', 'Failed', 'Cancelled'];
const TERMINAL_STEP: readonly StepPhase[] = ['Succeeded', 'Degraded', 'Failed', 'Cancelled'];

export interface Finished<P> {
  phase: P;
  /** Wall time from start to completion; undefined when either is missing (e.g. cancelled before it started). */
  seconds?: number;
}

export interface FinishedInTransition {
  run?: Finished<RunPhase>;
  steps: (Finished<StepPhase> & { step: string })[];
}

function seconds(start: string | undefined, end: string | undefined): number | undefined {
  const s = Date.parse(start ?? '');
  const e = Date.parse(end ?? '');
  // Job times have second precision while the operator stamps milliseconds: a step done within its first second can
  // look like it ended before it started.
  return Number.isNaN(s) || Number.isNaN(e) ? undefined : Math.max(0, e - s) / 1000;
}

const withSeconds = (s: number | undefined) => (s === undefined ? {} : { seconds: s });

export function finishedInTransition(
  before: PipelineRunStatus | undefined,
  after: PipelineRunStatus,
): FinishedInTransition {
  const wasDone = (p: RunPhase | undefined) => p !== undefined && TERMINAL_RUN.includes(p);
  const run =
    after.phase && wasDone(after.phase) && !wasDone(before?.phase)
      ? { phase: after.phase, ...withSeconds(seconds(after.startTime, after.completionTime)) }
      : undefined;
  const steps: FinishedInTransition['steps'] = [];
  for (const s of after.steps ?? []) {
    if (!TERMINAL_STEP.includes(s.phase)) continue;
    const prev = before?.steps?.find((p) => p.name === s.name);
    if (prev && TERMINAL_STEP.includes(prev.phase)) continue;
    steps.push({ step: s.name, phase: s.phase, ...withSeconds(seconds(s.startTime, s.completionTime)) });
  }
  return { ...(run ? { run } : {}), steps };
}
