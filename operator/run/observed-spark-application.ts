import type { ObservedJob } from './observed-job.js';

/**
 * A SparkApplication as the run reconciler sees a step Job: its `status.applicationState.state` becomes the Job
 * conditions the reconciler already reads (COMPLETED → Complete, FAILED and SUBMISSION_FAILED → Failed, everything
 * else still running), and the driver Pod's termination message is the step report.
 */

export interface SparkApplicationLike {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec?: { suspend?: boolean };
  status?: {
    applicationState?: { state?: string; errorMessage?: string };
    driverInfo?: { podName?: string };
    lastSubmissionAttemptTime?: string;
    terminationTime?: string;
  };
}

/** Terminal states; SUCCEEDING and FAILING (driver done, executors being cleaned up) still count as running. */
const FAILED_STATES: ReadonlySet<string> = new Set(['FAILED', 'SUBMISSION_FAILED']);

export function observeSparkApplication(
  app: SparkApplicationLike,
  driver: { message?: string; terminated: boolean },
): ObservedJob {
  const state = app.status?.applicationState?.state ?? '';
  // The zero time the Spark Operator writes for "not yet" is not a time.
  const time = (t: string | undefined) => (t && !t.startsWith('0001-') ? t : undefined);
  const started = time(app.status?.lastSubmissionAttemptTime) ?? app.metadata.creationTimestamp;
  const ended = time(app.status?.terminationTime);
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
    ...(ended ? { lastTransitionTime: ended } : {}),
  });
  const status: ObservedJob['status'] = started ? { startTime: started } : {};
  if (state === 'COMPLETED') {
    status.conditions = [condition('Complete', state, '')];
    if (ended) status.completionTime = ended;
  } else if (FAILED_STATES.has(state)) {
    const message = app.status?.applicationState?.errorMessage || `the SparkApplication is ${state}`;
    status.conditions = [condition('Failed', state, message)];
  }
  return {
    name: app.metadata.name,
    kind: 'SparkApplication',
    labels: app.metadata.labels ?? {},
    deleting: app.metadata.deletionTimestamp !== undefined,
    suspended: app.spec?.suspend === true,
    status,
    ...(driver.message !== undefined ? { terminationMessage: driver.message } : {}),
    // A submission that failed has no driver that could ever report.
    reportPending: !driver.terminated && state !== 'SUBMISSION_FAILED',
  };
}
