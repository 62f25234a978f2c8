import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../spec/pipeline-run.js';
import type { ObservedJob } from './observed-job.js';
import { reconcileRun, type RunAction } from './reconcile-run.js';
import type { SlotDecision } from './run-slots.js';
import { KUEUE_QUEUE_LABEL } from './step-job.js';

// Slots, spec.suspend and Kueue as the pure reconcile sees them: the decision comes in, actions and status go out.

const now = new Date('2026-03-01T03:00:00Z');
const pipeline: PipelineObject = {
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'retail', namespace: 'shop', uid: 'uid-p' },
  spec: PipelineResourceSpecSchema.parse({ source: { uri: '/data' }, concurrency: { maxRuns: 1 } }),
};
const runOf = (spec: object = {}, labels?: Record<string, string>, status?: object): PipelineRunObject => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name: 'r1', namespace: 'shop', uid: 'uid-r', generation: 1, ...(labels ? { labels } : {}) },
  spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' }, ...spec }),
  ...(status ? { status } : {}),
});
const wait: SlotDecision = {
  admit: false,
  message: 'waiting for a slot: pipeline retail allows 1 run(s) at once',
};
const reconcile = (run: PipelineRunObject, jobs: ObservedJob[] = [], slot?: SlotDecision) =>
  reconcileRun({ run, pipeline, defaultImage: 'img', ...(slot ? { slot } : {}) }, jobs, now);
const types = (actions: RunAction[]) =>
  actions.map((a) => (a.type === 'event' ? `event:${a.reason}` : a.type));
const reason = (s: PipelineRunObject['status']) => s?.conditions?.find((c) => c.type === 'Succeeded')?.reason;
const created = (actions: RunAction[]) => {
  const a = actions.find((x) => x.type === 'createJob');
  if (a?.type !== 'createJob') throw new Error('no Job created');
  return a.job;
};

describe('reconcileRun: concurrency slots', () => {
  it('keeps a run without a slot Pending (WaitingForSlot), with no Job and no start time', () => {
    const r = reconcile(runOf(), [], wait);
    expect(r.status).toMatchObject({ phase: 'Pending' });
    expect(r.status.startTime).toBeUndefined();
    expect(reason(r.status)).toBe('WaitingForSlot');
    expect(r.status.conditions?.[0]?.message).toBe(wait.message);
    expect(types(r.actions)).toEqual(['event:WaitingForSlot']);
  });

  it('starts the run once it gets its slot, with an event for the new reason', () => {
    const waiting = reconcile(runOf(), [], wait).status;
    const r = reconcile(runOf({}, undefined, waiting), [], { admit: true });
    expect(r.status.phase).toBe('Running');
    expect(r.status.startTime).toBe('2026-03-01T03:00:00Z');
    expect(types(r.actions)).toEqual(['createConfigMap', 'createJob', 'event:Running']);
  });

  it('a run that started keeps going whatever the decision (it holds its slot)', () => {
    const started = reconcile(runOf(), [], { admit: true }).status;
    const r = reconcile(runOf({}, undefined, started), [], wait);
    expect(r.status.phase).toBe('Running');
    expect(types(r.actions)).toEqual(['createJob']); // the Job not yet in the cache: created again, idempotently
  });

  it('a waiting run can still be cancelled', () => {
    const r = reconcile(runOf({ cancelled: true }), [], wait);
    expect(r.status.phase).toBe('Cancelled');
  });
});

describe('reconcileRun: spec.suspend', () => {
  it('a suspended run that has not started stays Pending (Suspended) and takes no slot', () => {
    const r = reconcile(runOf({ suspend: true }), [], { admit: true });
    expect(r.status.phase).toBe('Pending');
    expect(reason(r.status)).toBe('Suspended');
    expect(r.status.startTime).toBeUndefined();
    expect(types(r.actions)).toEqual(['event:Suspended']);
  });

  it('suspending a started run suspends its active Job; resuming un-suspends it', () => {
    const first = reconcile(runOf());
    const job: ObservedJob = {
      name: created(first.actions).metadata.name,
      labels: created(first.actions).metadata.labels,
      status: { startTime: '2026-03-01T03:00:00Z', active: 1 },
    };
    const suspended = reconcile(runOf({ suspend: true }, undefined, first.status), [job]);
    expect(suspended.actions).toContainEqual({ type: 'suspendJob', name: job.name, suspend: true });
    expect([suspended.status.phase, reason(suspended.status)]).toEqual(['Running', 'Suspended']);

    const resumed = reconcile(runOf({}, undefined, suspended.status), [{ ...job, suspended: true }]);
    expect(resumed.actions).toContainEqual({ type: 'suspendJob', name: job.name, suspend: false });
    expect([resumed.status.phase, reason(resumed.status)]).toEqual(['Running', 'Running']);
  });

  it('a suspended Job does not time out: its clock stops while it waits', () => {
    const first = reconcile(runOf());
    const job: ObservedJob = {
      name: created(first.actions).metadata.name,
      labels: created(first.actions).metadata.labels,
      suspended: true,
      status: {},
    };
    const old = {
      ...first.status,
      steps: first.status.steps?.map((s) => ({ ...s, startTime: '2026-03-01T01:00:00Z' })),
    };
    const r = reconcileRun(
      {
        run: runOf({ suspend: true, timeouts: { stepSeconds: 60, runSeconds: 86400 } }, undefined, old),
        pipeline,
        defaultImage: 'img',
      },
      [job],
      now,
    );
    expect(types(r.actions)).not.toContain('deleteJob');
    expect(r.status.steps?.[0]?.phase).toBe('Running');
  });
});

describe('reconcileRun: Kueue', () => {
  const queued = { [KUEUE_QUEUE_LABEL]: 'team-a' };

  it('creates the step Job suspended with the queue-name label, and waits for Kueue to admit it', () => {
    const first = reconcile(runOf({}, queued));
    const job = created(first.actions);
    expect(job.spec.suspend).toBe(true);
    expect(job.metadata.labels[KUEUE_QUEUE_LABEL]).toBe('team-a');
    const observed: ObservedJob = {
      name: job.metadata.name,
      labels: job.metadata.labels,
      suspended: true,
      status: {},
    };
    const r = reconcile(runOf({}, queued, first.status), [observed]);
    expect([r.status.phase, reason(r.status)]).toEqual(['Running', 'WaitingForAdmission']);
    // Kueue's Job: the operator never moves its suspend.
    expect(types(r.actions)).not.toContain('suspendJob');

    const admitted = reconcile(runOf({}, queued, r.status), [
      { ...observed, suspended: false, status: { startTime: '2026-03-01T03:00:00Z', active: 1 } },
    ]);
    expect([admitted.status.phase, reason(admitted.status)]).toEqual(['Running', 'Running']);
  });

  it('a run without the label creates its Jobs unsuspended and unlabelled', () => {
    const job = created(reconcile(runOf()).actions);
    expect(job.spec.suspend).toBeUndefined();
    expect(job.metadata.labels[KUEUE_QUEUE_LABEL]).toBeUndefined();
  });
});
