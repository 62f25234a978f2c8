import { describe, expect, it } from 'vitest';
import type { PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import { PipelineRunSpecSchema, type RunPhase } from '../spec/pipeline-run.js';
import { PipelineScheduleSpecSchema, type PipelineScheduleStatus } from '../spec/pipeline-schedule.js';
import { reconcileSchedule, scheduledRunName, type ScheduleResult } from './reconcile-schedule.js';

const CREATED = '2026-03-01T00:00:00Z';

function schedule(
  spec: Record<string, unknown> = {},
  status?: PipelineScheduleStatus,
): PipelineScheduleObject {
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineSchedule',
    metadata: { name: 'nightly', namespace: 'shop', uid: 'uid-s', generation: 2, creationTimestamp: CREATED },
    spec: PipelineScheduleSpecSchema.parse({
      pipelineRef: { name: 'retail' },
      schedule: '0 3 * * *',
      ...spec,
    }),
    ...(status ? { status } : {}),
  };
}

function run(name: string, phase?: RunPhase, completionTime?: string): PipelineRunObject {
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name, namespace: 'shop', creationTimestamp: CREATED },
    spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' } }),
    ...(phase ? { status: { phase, ...(completionTime ? { completionTime } : {}) } } : {}),
  };
}

const created = (r: ScheduleResult) => r.actions.flatMap((a) => (a.type === 'createRun' ? [a.run] : []));
const names = (r: ScheduleResult, type: 'cancelRun' | 'deleteRun') =>
  r.actions.flatMap((a) => (a.type === type ? [a.name] : []));
const events = (r: ScheduleResult) => r.actions.flatMap((a) => (a.type === 'event' ? [a.reason] : []));
const at = (iso: string) => new Date(iso);

describe('reconcileSchedule', () => {
  it('creates nothing before the first due time and requeues for it', () => {
    const r = reconcileSchedule(schedule(), [], at('2026-03-01T02:00:00Z'));
    expect(r.actions).toEqual([]);
    expect(r.status.nextScheduleTime).toBe('2026-03-01T03:00:00Z');
    expect(r.requeueAfterMs).toBe(3_600_000);
    expect(r.status.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'Scheduled' });
  });

  it('creates the due run with a name derived from the scheduled time, owner reference, labels and overrides', () => {
    const s = schedule({ runOverrides: { steps: ['silver', 'gold'], retries: { limit: 4 } } });
    const r = reconcileSchedule(s, [], at('2026-03-01T03:00:20Z'));
    const [newRun] = created(r);
    expect(newRun?.metadata).toMatchObject({
      name: scheduledRunName('nightly', at('2026-03-01T03:00:00Z')),
      namespace: 'shop',
      labels: { 'medallion.dev/pipeline': 'retail', 'medallion.dev/schedule': 'nightly' },
      annotations: { 'medallion.dev/scheduled-time': '2026-03-01T03:00:00Z' },
      ownerReferences: [{ kind: 'PipelineSchedule', name: 'nightly', uid: 'uid-s', controller: true }],
    });
    expect(newRun?.metadata.name).toBe(`nightly-${Date.parse('2026-03-01T03:00:00Z') / 60_000}`);
    expect(newRun?.spec).toMatchObject({ pipelineRef: { name: 'retail' }, steps: ['silver', 'gold'] });
    expect(newRun?.spec.retries.limit).toBe(4);
    expect(r.status.lastScheduleTime).toBe('2026-03-01T03:00:00Z');
    expect(r.status.active).toEqual([{ name: newRun?.metadata.name, scheduledTime: '2026-03-01T03:00:00Z' }]);
    expect(events(r)).toEqual(['RunCreated']);
  });

  it('is idempotent: a run already created for the due time is only recorded', () => {
    const name = scheduledRunName('nightly', at('2026-03-01T03:00:00Z'));
    const r = reconcileSchedule(schedule(), [run(name)], at('2026-03-01T03:01:00Z'));
    expect(created(r)).toEqual([]);
    expect(r.status.lastScheduleTime).toBe('2026-03-01T03:00:00Z');
    // And once recorded, nothing more happens until the next due time.
    const again = reconcileSchedule(schedule({}, r.status), [run(name)], at('2026-03-01T03:02:00Z'));
    expect(again.actions).toEqual([]);
  });

  it('runs only the most recent of several missed times and reports the others', () => {
    const s = schedule({}, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const r = reconcileSchedule(s, [], at('2026-03-05T10:00:00Z'));
    expect(created(r).map((x) => x.metadata.annotations)).toEqual([
      { 'medallion.dev/scheduled-time': '2026-03-05T03:00:00Z' },
    ]);
    expect(events(r)).toEqual(['MissedSchedule', 'RunCreated']);
  });

  it('skips a due time older than startingDeadlineSeconds', () => {
    const s = schedule({ startingDeadlineSeconds: 600 }, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const late = reconcileSchedule(s, [], at('2026-03-02T03:11:00Z'));
    expect(created(late)).toEqual([]);
    expect(events(late)).toEqual(['MissedSchedule']);
    expect(late.status.lastScheduleTime).toBe('2026-03-01T03:00:00Z');
    expect(created(reconcileSchedule(s, [], at('2026-03-02T03:09:00Z')))).toHaveLength(1);
  });

  it('Forbid skips while a run is active, and starts the run once it ends within the deadline', () => {
    const s = schedule({ concurrencyPolicy: 'Forbid' }, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const busy = reconcileSchedule(s, [run('nightly-old', 'Running')], at('2026-03-02T03:00:00Z'));
    expect(created(busy)).toEqual([]);
    expect(events(busy)).toEqual(['RunSkipped']);
    expect(busy.status.lastScheduleTime).toBe('2026-03-01T03:00:00Z');
    expect(busy.status.active).toEqual([{ name: 'nightly-old' }]);
    const freed = reconcileSchedule(
      s,
      [run('nightly-old', 'Succeeded', '2026-03-02T03:20:00Z')],
      at('2026-03-02T03:20:00Z'),
    );
    expect(created(freed)).toHaveLength(1);
  });

  it('Allow starts a new run next to the active one', () => {
    const s = schedule({ concurrencyPolicy: 'Allow' }, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const r = reconcileSchedule(s, [run('nightly-old', 'Running')], at('2026-03-02T03:00:00Z'));
    expect(created(r)).toHaveLength(1);
    expect(names(r, 'cancelRun')).toEqual([]);
    expect(r.status.active?.map((a) => a.name)).toEqual(['nightly-old', created(r)[0]?.metadata.name]);
  });

  it('Replace cancels the active run and starts the new one', () => {
    const s = schedule({ concurrencyPolicy: 'Replace' }, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const r = reconcileSchedule(s, [run('nightly-old', 'Running')], at('2026-03-02T03:00:00Z'));
    expect(names(r, 'cancelRun')).toEqual(['nightly-old']);
    expect(created(r)).toHaveLength(1);
    expect(events(r)).toEqual(['RunReplaced', 'RunCreated']);
  });

  it('suspend stops new runs only: active runs stay listed and history is still pruned', () => {
    const s = schedule(
      { suspend: true, successfulRunsHistoryLimit: 0 },
      { lastScheduleTime: '2026-03-01T03:00:00Z' },
    );
    const r = reconcileSchedule(
      s,
      [run('a', 'Running'), run('b', 'Succeeded', '2026-03-01T04:00:00Z')],
      at('2026-03-05T03:00:00Z'),
    );
    expect(created(r)).toEqual([]);
    expect(names(r, 'cancelRun')).toEqual([]);
    expect(names(r, 'deleteRun')).toEqual(['b']);
    expect(r.status.active).toEqual([{ name: 'a' }]);
    expect(r.status.nextScheduleTime).toBeUndefined();
    expect(r.requeueAfterMs).toBeUndefined();
    expect(r.status.conditions?.[0]).toMatchObject({ status: 'True', reason: 'Suspended' });
  });

  it('prunes the oldest finished runs beyond the history limits, counting Degraded as success', () => {
    const runs = [
      run('s1', 'Succeeded', '2026-03-01T03:10:00Z'),
      run('s2', 'Degraded', '2026-03-02T03:10:00Z'),
      run('s3', 'Succeeded', '2026-03-03T03:10:00Z'),
      run('s4', 'Succeeded', '2026-03-04T03:10:00Z'),
      run('f1', 'Failed', '2026-03-01T05:00:00Z'),
      run('f2', 'Cancelled', '2026-03-02T05:00:00Z'),
      run('live', 'Running'),
    ];
    const r = reconcileSchedule(
      schedule({}, { lastScheduleTime: '2026-03-04T03:00:00Z' }),
      runs,
      at('2026-03-04T12:00:00Z'),
    );
    expect(names(r, 'deleteRun')).toEqual(['s1', 'f1']);
    expect(r.status.lastSuccessfulTime).toBe('2026-03-04T03:10:00Z');
  });

  it('follows Europe/London wall-clock time across the spring DST change', () => {
    const s = schedule(
      { schedule: '30 1 * * *', timeZone: 'Europe/London' },
      { lastScheduleTime: '2026-03-28T01:30:00Z' },
    );
    // 01:30 does not exist on 2026-03-29: the run is due at 02:30 BST (01:30Z), not before.
    expect(created(reconcileSchedule(s, [], at('2026-03-29T01:29:00Z')))).toEqual([]);
    const r = reconcileSchedule(s, [], at('2026-03-29T01:30:00Z'));
    expect(created(r)[0]?.metadata.annotations).toEqual({
      'medallion.dev/scheduled-time': '2026-03-29T01:30:00Z',
    });
    expect(r.status.nextScheduleTime).toBe('2026-03-30T00:30:00Z');
  });

  it('reports an invalid schedule as Ready=False without creating runs', () => {
    const s = schedule();
    s.spec.schedule = '5-1 * * * *'; // passes the CRD regex, fails the parser
    const r = reconcileSchedule(s, [], at('2026-03-02T03:00:00Z'));
    expect(created(r)).toEqual([]);
    expect(r.status.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InvalidSchedule' });
    expect(r.status.conditions?.[0]?.message).toMatch(/backwards/);
  });

  it('keeps the condition transition time while the status stays the same', () => {
    const first = reconcileSchedule(schedule(), [], at('2026-03-01T01:00:00Z'));
    const second = reconcileSchedule(schedule({}, first.status), [], at('2026-03-01T02:00:00Z'));
    expect(second.status.conditions?.[0]?.lastTransitionTime).toBe('2026-03-01T01:00:00Z');
    expect(second.status.observedGeneration).toBe(2);
  });

  it('with only a file trigger (no cron) creates nothing itself, still prunes, and says Triggered', () => {
    const { schedule: _cron, ...triggerOnly } = schedule().spec;
    void _cron;
    const s: PipelineScheduleObject = {
      ...schedule(),
      spec: PipelineScheduleSpecSchema.parse({ ...triggerOnly, trigger: { onNewFiles: {} } }),
    };
    const runs = [1, 2, 3, 4].map((d) => run(`old-${d}`, 'Succeeded', `2026-03-0${d}T05:00:00Z`));
    const r = reconcileSchedule(s, runs, at('2026-03-05T03:00:00Z'));
    expect(created(r)).toEqual([]);
    expect(names(r, 'deleteRun')).toEqual(['old-1']);
    expect(r.status.nextScheduleTime).toBeUndefined();
    expect(r.requeueAfterMs).toBeUndefined();
    expect(r.status.conditions?.[0]?.reason).toBe('Triggered');
    expect(() => PipelineScheduleSpecSchema.parse({ pipelineRef: { name: 'retail' } })).toThrow(
      /spec.trigger/,
    );
  });
});
