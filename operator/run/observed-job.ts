import { LABELS } from '../core/names.js';

/**
 * What the run reconciler needs to know about one step Job (the adapter fills it from the Job and its Pod), or about
 * a Spark step's SparkApplication and its driver Pod, which read the same way.
 */
export interface ObservedJob {
  name: string;
  /** A Spark step's SparkApplication (observed-spark-application.ts) rather than a Job; Job when unset. */
  kind?: 'Job' | 'SparkApplication';
  labels: Record<string, string>;
  /** metadata.deletionTimestamp is set: already being deleted. */
  deleting?: boolean;
  /** spec.suspend is true: the Job controller keeps (or takes) its Pods away until it is false. */
  suspended?: boolean;
  status: {
    active?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
  };
  /** Termination message of the step container, read from the Job's Pod. */
  terminationMessage?: string;
  /**
   * The adapter has not seen the step container terminate yet. Jobs and Pods come through separate watches, so a
   * finished Job can be seen before its Pod's final status (which carries the report): the reconciler waits a little.
   */
  reportPending?: boolean;
}

type JobOutcome =
  | { state: 'running' }
  | { state: 'complete'; at?: string }
  | { state: 'failed'; at?: string; reason: string; message: string };

/** Only the terminal Complete/Failed conditions count: pods may still be stopping while FailureTarget is set. */
export function jobOutcome(job: ObservedJob): JobOutcome {
  const cond = (type: string) => job.status.conditions?.find((c) => c.type === type && c.status === 'True');
  const complete = cond('Complete');
  if (complete) return { state: 'complete', at: job.status.completionTime ?? complete.lastTransitionTime };
  const failed = cond('Failed');
  if (failed) {
    return {
      state: 'failed',
      at: failed.lastTransitionTime,
      reason: failed.reason ?? 'Failed',
      message: failed.message ?? 'the step Job failed',
    };
  }
  return { state: 'running' };
}

export function jobAttempt(job: ObservedJob): number {
  return Number(job.labels[LABELS.attempt] ?? 0) || 0;
}

export function isActive(job: ObservedJob): boolean {
  return !job.deleting && jobOutcome(job).state === 'running';
}
