import { k8sTime, setCondition } from '../core/conditions.js';
import { LABELS } from '../core/names.js';
import type { EventAction, PipelineObject, PipelineRunObject } from '../core/resources.js';
import type { PipelineRunStatus, RunPhase, StepStatus } from '../spec/pipeline-run.js';
import { applyFailedReport, applyReport } from './apply-report.js';
import { describeFailingChecks } from './checks-status.js';
import { isActive, jobAttempt, jobOutcome, type ObservedJob } from './observed-job.js';
import {
  buildSpecConfigMap,
  buildStepJob,
  KUEUE_QUEUE_LABEL,
  type ConfigMapManifest,
  type JobManifest,
  type StepS3Defaults,
} from './step-job.js';
import type { SlotDecision } from './run-slots.js';
import { buildSparkApplication, type SparkApplicationManifest } from './spark-application.js';
import { isSparkStep } from './spark-engine.js';
import { parseTerminationMessage } from './termination-message.js';

/**
 * PipelineRun reconciliation as a pure function: steps run in order, one Job per attempt with a deterministic name,
 * failed attempts retry with exponential backoff, a step out of attempts fails the run, timeouts and cancellation
 * delete active Jobs. All state lives in the run's status and the observed Jobs, so a restarted operator (or a second
 * reconcile of the same state) computes the same actions, and creates are idempotent.
 */

export type RunAction =
  | { type: 'createConfigMap'; configMap: ConfigMapManifest }
  | { type: 'createJob'; job: JobManifest }
  | { type: 'deleteJob'; name: string }
  | { type: 'suspendJob'; name: string; suspend: boolean }
  | { type: 'createSparkApplication'; app: SparkApplicationManifest }
  | { type: 'deleteSparkApplication'; name: string }
  | { type: 'suspendSparkApplication'; name: string; suspend: boolean }
  | EventAction;

interface RunDesired {
  run: PipelineRunObject;
  /** Undefined when the referenced Pipeline does not exist (yet). */
  pipeline?: PipelineObject;
  /** Step image when the Pipeline does not name one (the operator's --step-image). */
  defaultImage: string;
  /** Endpoint, region and credentials Secret for s3:// Pipelines that name none (the operator's settings). */
  s3Defaults?: StepS3Defaults;
  /** The concurrency-slot decision for a run that has not started; undefined when no cap applies. */
  slot?: SlotDecision;
  /**
   * Why SparkApplications cannot be made (the CRD is not installed, or the operator may not use it); undefined when
   * they can. Only Pipelines with `engine.type: spark` care.
   */
  sparkUnavailable?: string;
}

export interface RunResult {
  actions: RunAction[];
  status: PipelineRunStatus;
  requeueAfterMs?: number;
}

const TERMINAL: ReadonlySet<string> = new Set(['Succeeded', 'Degraded', 'Failed', 'Cancelled']);
const STEP_DONE: ReadonlySet<string> = new Set(['Succeeded', 'Degraded']);
const PIPELINE_MISSING_REQUEUE_MS = 30_000;
/** How long a finished Job waits for its Pod's report before the step is settled without it. */
export const REPORT_WAIT_MS = 30_000;

export function retryDelayMs(failedAttempts: number, r: PipelineRunObject['spec']['retries']): number {
  return Math.min(r.backoffSeconds * 2 ** (failedAttempts - 1), r.maxBackoffSeconds) * 1000;
}

/** Deletes (or suspends) an observed step object of either kind. */
const deleteAction = (j: ObservedJob): RunAction =>
  j.kind === 'SparkApplication'
    ? { type: 'deleteSparkApplication', name: j.name }
    : { type: 'deleteJob', name: j.name };
const suspendAction = (j: ObservedJob, suspend: boolean): RunAction =>
  j.kind === 'SparkApplication'
    ? { type: 'suspendSparkApplication', name: j.name, suspend }
    : { type: 'suspendJob', name: j.name, suspend };

export function reconcileRun(desired: RunDesired, observedJobs: ObservedJob[], now: Date): RunResult {
  const { run, pipeline } = desired;
  const prev = run.status ?? {};
  const nowIso = k8sTime(now);
  const actions: RunAction[] = [];
  const status: PipelineRunStatus = { ...prev, observedGeneration: run.metadata.generation };
  const wake: number[] = [];
  const event = (eventType: EventAction['eventType'], reason: string, message: string) =>
    actions.push({ type: 'event', eventType, reason, message });
  const deleteActive = () => {
    for (const j of observedJobs.filter(isActive)) actions.push(deleteAction(j));
  };
  const setPhase = (phase: RunPhase, reason: string, message: string) => {
    status.phase = phase;
    const cond =
      phase === 'Succeeded' || phase === 'Degraded' ? 'True' : TERMINAL.has(phase) ? 'False' : 'Unknown';
    status.conditions = setCondition(
      prev.conditions,
      { type: 'Succeeded', status: cond, reason, message, observedGeneration: run.metadata.generation },
      now,
    );
    if (TERMINAL.has(phase)) {
      status.completionTime ??= nowIso;
      delete status.currentStep;
    }
    const prevReason = prev.conditions?.find((c) => c.type === 'Succeeded')?.reason;
    // Also a new reason in the same phase (Running → Suspended → Running, Pending → WaitingForSlot).
    if (phase !== prev.phase || reason !== prevReason)
      event(phase === 'Failed' ? 'Warning' : 'Normal', reason, message);
  };
  const result = (): RunResult => {
    const soonest = wake.length ? Math.max(0, Math.min(...wake) - now.getTime()) : undefined;
    return { actions, status, ...(soonest !== undefined ? { requeueAfterMs: soonest } : {}) };
  };

  if (TERMINAL.has(prev.phase ?? '')) {
    deleteActive(); // e.g. a Job created just before the run was cancelled
    return result();
  }
  if (!pipeline) {
    setPhase('Pending', 'PipelineNotFound', `Pipeline ${run.spec.pipelineRef.name} does not exist`);
    wake.push(now.getTime() + PIPELINE_MISSING_REQUEUE_MS);
    return result();
  }
  const requested = run.spec.steps ?? pipeline.spec.steps;
  const unknown = requested.filter((s) => !pipeline.spec.steps.includes(s));
  if (unknown.length > 0) {
    setPhase(
      'Failed',
      'InvalidSteps',
      `steps not in pipeline ${pipeline.metadata.name}: ${unknown.join(', ')}`,
    );
    return result();
  }
  const plan = pipeline.spec.steps.filter((s) => requested.includes(s));
  const queue = run.metadata.labels?.[KUEUE_QUEUE_LABEL];
  // A run stored before the CRD had the field reads as not suspended.
  const suspend = run.spec.suspend === true;
  // Started = took a slot: its status says so, or a Job exists whose status write was lost (409, crash).
  if (!prev.startTime && observedJobs.length === 0 && !run.spec.cancelled) {
    if (suspend) {
      setPhase('Pending', 'Suspended', 'suspended through spec.suspend: it takes no slot until resumed');
      return result();
    }
    if (desired.slot && !desired.slot.admit) {
      setPhase('Pending', 'WaitingForSlot', desired.slot.message);
      return result();
    }
  }
  // Copies: the previous status belongs to the informer cache and must not change under its other readers.
  const steps: StepStatus[] = plan.map((name) => {
    const known = prev.steps?.find((s) => s.name === name);
    return known ? { ...known } : { name, phase: 'Pending', attempts: 0 };
  });
  status.steps = steps;
  status.startTime ??= nowIso;
  const finishOpen = (phase: StepStatus['phase'], message: string) => {
    for (const s of steps.filter(
      (x) => !STEP_DONE.has(x.phase) && x.phase !== 'Failed' && x.phase !== 'Cancelled',
    )) {
      if (s.attempts > 0 || phase === 'Cancelled')
        Object.assign(s, { phase, message, completionTime: nowIso });
    }
  };

  if (run.spec.cancelled) {
    deleteActive();
    finishOpen('Cancelled', 'run cancelled');
    setPhase('Cancelled', 'Cancelled', 'cancelled through spec.cancelled');
    return result();
  }
  const runDeadline = Date.parse(status.startTime) + run.spec.timeouts.runSeconds * 1000;
  if (now.getTime() >= runDeadline) {
    deleteActive();
    finishOpen('Failed', 'run timed out');
    setPhase(
      'Failed',
      'RunTimeout',
      `the run exceeded timeouts.runSeconds (${run.spec.timeouts.runSeconds} s)`,
    );
    return result();
  }
  wake.push(runDeadline);
  // Spark steps need the Spark Operator's CRD: without it the run fails now, once, instead of retrying for ever.
  const sparkStep = steps.find((s) => !STEP_DONE.has(s.phase) && isSparkStep(pipeline, s.name));
  if (desired.sparkUnavailable && sparkStep && !observedJobs.some((j) => j.kind === 'SparkApplication')) {
    deleteActive();
    finishOpen('Failed', desired.sparkUnavailable);
    Object.assign(sparkStep, { phase: 'Failed', message: desired.sparkUnavailable, completionTime: nowIso });
    setPhase('Failed', 'SparkOperatorMissing', `step ${sparkStep.name}: ${desired.sparkUnavailable}`);
    return result();
  }
  // A run's own suspend moves its Jobs' spec.suspend; a Kueue-queued run's Jobs are Kueue's to un-suspend.
  if (queue === undefined) {
    for (const j of observedJobs.filter(isActive)) {
      if (Boolean(j.suspended) !== suspend) actions.push(suspendAction(j, suspend));
    }
  }

  const admission = {
    suspend: suspend || queue !== undefined,
    ...(queue !== undefined ? { queueName: queue } : {}),
  };
  const start = (step: StepStatus, attempt: number) => {
    if (attempt === 1 && steps.every((s) => s.attempts === 0)) {
      actions.push({ type: 'createConfigMap', configMap: buildSpecConfigMap(run, pipeline) });
    }
    const args = [
      run,
      pipeline,
      step.name,
      attempt,
      desired.defaultImage,
      desired.s3Defaults,
      admission,
    ] as const;
    const made = isSparkStep(pipeline, step.name)
      ? { type: 'createSparkApplication' as const, app: buildSparkApplication(...args) }
      : { type: 'createJob' as const, job: buildStepJob(...args) };
    actions.push(made);
    const name = made.type === 'createJob' ? made.job.metadata.name : made.app.metadata.name;
    Object.assign(step, { phase: 'Running', attempts: attempt, jobName: name });
    step.startTime ??= nowIso;
    delete step.nextAttemptTime;
    wake.push(now.getTime() + run.spec.timeouts.stepSeconds * 1000);
    if (attempt > 1) event('Normal', 'StepRetried', `step ${step.name}: attempt ${attempt} started`);
  };

  for (const step of steps) {
    if (STEP_DONE.has(step.phase)) continue;
    status.currentStep = step.name;
    const jobs = observedJobs.filter((j) => j.labels[LABELS.step] === step.name);
    const attempt = Math.max(step.attempts, ...jobs.map(jobAttempt));
    const job = jobs.find((j) => jobAttempt(j) === attempt);
    if (attempt === 0) {
      start(step, 1);
      break;
    }
    if (!job) {
      // Created but not yet in the informer cache (or deleted by hand): creating again is idempotent.
      start(step, attempt);
      break;
    }
    // A retry whose Job was created by a reconcile that then lost its status write (409, crash): it started now,
    // as far as the stored status knows, and events go out only with a stored status.
    if (attempt > step.attempts && attempt > 1) {
      // The failure of the attempt before was never stored either (the stored step is not Retrying): say it now.
      if (step.phase !== 'Retrying') {
        const previous = jobs.find((j) => jobAttempt(j) === attempt - 1);
        const said = previous && parseTerminationMessage(previous.terminationMessage);
        const why = said && said.ok ? (said.report.error?.message ?? said.report.note) : undefined;
        event(
          'Warning',
          'StepAttemptFailed',
          `step ${step.name}: attempt ${attempt - 1} failed${why ? `: ${why}` : ''}`,
        );
      }
      event('Normal', 'StepRetried', `step ${step.name}: attempt ${attempt} started`);
    }
    // Also when the Job has finished by the time a status that names it is first stored.
    Object.assign(step, { attempts: attempt, jobName: job.name });
    step.startTime ??= job.status.startTime ?? nowIso;
    const outcome = jobOutcome(job);
    const finishedAt = outcome.state === 'running' ? NaN : Date.parse(outcome.at ?? '');
    if (job.reportPending && now.getTime() < finishedAt + REPORT_WAIT_MS) {
      // The Pod's final status is on its way through the Pod watch (its event requeues the run).
      Object.assign(step, { phase: 'Running', attempts: attempt, jobName: job.name });
      wake.push(finishedAt + REPORT_WAIT_MS);
      break;
    }
    const parsed = parseTerminationMessage(job.terminationMessage);
    const stepDeadline =
      Date.parse(job.status.startTime ?? step.startTime ?? nowIso) + run.spec.timeouts.stepSeconds * 1000;
    let failure: string | undefined;
    if (outcome.state === 'running') {
      // A suspended Job's clock stops (Kubernetes restarts its startTime and activeDeadlineSeconds on resume).
      if (job.suspended || now.getTime() < stepDeadline) {
        Object.assign(step, { phase: 'Running', attempts: attempt, jobName: job.name });
        if (!job.suspended) wake.push(stepDeadline);
        break;
      }
      if (!job.deleting) actions.push(deleteAction(job));
      failure = `attempt ${attempt} exceeded timeouts.stepSeconds (${run.spec.timeouts.stepSeconds} s)`;
    } else if (outcome.state === 'failed' || (parsed.ok && parsed.report.status === 'Failed')) {
      failure = parsed.ok
        ? (parsed.report.error?.message ?? parsed.report.note ?? 'the step reported Failed')
        : job.terminationMessage
          ? parsed.problem // with FallbackToLogsOnError: the runner's last log lines
          : outcome.state === 'failed'
            ? `${outcome.reason}: ${outcome.message}`
            : parsed.problem;
    }
    if (failure === undefined) {
      applyReport(status, step, parsed, outcome.state === 'complete' ? (outcome.at ?? nowIso) : nowIso);
      continue;
    }
    // The runner's error names the check that failed the step; older runners may not, the report's brief does.
    const reported = parsed.ok ? parsed.report.checks : undefined;
    const failedChecks = describeFailingChecks(reported, 'error');
    const said = failure;
    if (failedChecks && !reported?.failing.some((n) => said.includes(n)))
      failure = `${said} (${failedChecks})`;
    step.message = failure.slice(0, 4096);
    step.attempts = attempt;
    applyFailedReport(status, step, parsed);
    if (attempt <= run.spec.retries.limit) {
      const failedAt = Date.parse((outcome.state === 'failed' && outcome.at) || nowIso);
      const nextAt =
        Date.parse(step.nextAttemptTime ?? '') || failedAt + retryDelayMs(attempt, run.spec.retries);
      // Once per failed attempt, also when the retry is already due by the time the failure is seen.
      if (step.phase !== 'Retrying')
        event('Warning', 'StepAttemptFailed', `step ${step.name}: ${step.message}`);
      if (now.getTime() >= nextAt) {
        start(step, attempt + 1);
      } else {
        Object.assign(step, { phase: 'Retrying', nextAttemptTime: k8sTime(new Date(nextAt)) });
        wake.push(nextAt);
      }
      break;
    }
    Object.assign(step, { phase: 'Failed', completionTime: nowIso });
    setPhase('Failed', 'StepFailed', `step ${step.name} failed after ${attempt} attempt(s): ${step.message}`);
    return result();
  }

  if (steps.every((s) => STEP_DONE.has(s.phase))) {
    const degraded = steps
      .filter((s) => s.phase === 'Degraded')
      .map((s) => {
        const checks = describeFailingChecks(s.checks, 'warn');
        return checks ? `${s.name} (${checks})` : s.name;
      });
    const partitions = status.partitions;
    if (partitions?.counts.failed)
      setPhase(
        'Failed',
        'PartitionsFailed',
        `${partitions.counts.failed} of ${partitions.counts.requested} partitions failed (${partitions.failed?.map((f) => f.dates).join(',') ?? ''}); the others are published`,
      );
    else if (degraded.length)
      setPhase('Degraded', 'Degraded', `completed with warnings in ${degraded.join(', ')}`);
    else setPhase('Succeeded', 'Succeeded', `all ${steps.length} steps succeeded`);
  } else if (suspend) {
    setPhase('Running', 'Suspended', `suspended through spec.suspend at step ${status.currentStep}`);
  } else if (queue !== undefined && observedJobs.some((j) => isActive(j) && j.suspended)) {
    setPhase(
      'Running',
      'WaitingForAdmission',
      `step ${status.currentStep} waits for Kueue to admit its Job (queue ${queue})`,
    );
  } else {
    setPhase('Running', 'Running', `step ${status.currentStep} is running`);
  }
  return result();
}
