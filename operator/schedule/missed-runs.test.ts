import { describe, expect, it } from 'vitest';
import type { PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import { PipelineRunSpecSchema, type RunPhase } from '../spec/pipeline-run.js';
import { PipelineScheduleSpecSchema, type PipelineScheduleStatus } from '../spec/pipeline-schedule.js';
import { reconcileSchedule, scheduledRunName } from './reconcile-schedule.js';

// What medallion_schedule_missed_runs_total and medallion_schedule_interval_seconds are computed from: the
// reconciler's `missed` list (each final miss once) and `intervalSeconds`.

const CREATED = '2026-03-01T00:00:00Z';
const at = (iso: string) => new Date(iso);

function schedule(
  spec: Record<string, unknown> = {},
  status?: PipelineScheduleStatus,
): PipelineScheduleObject {
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineSchedule',
    metadata: { name: 'nightly', namespace: 'shop', uid: 'uid-s', generation: 1, creationTimestamp: CREATED },
    spec: PipelineScheduleSpecSchema.parse({
      pipelineRef: { name: 'retail' },
      schedule: '0 3 * * *',
      ...spec,
    }),
    ...(status ? { status } : {}),
  };
}

function run(name: string, created: string, phase: RunPhase, completionTime?: string): PipelineRunObject {
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name, namespace: 'shop', creationTimestamp: created },
    spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' } }),
    status: { phase, ...(completionTime ? { completionTime } : {}) },
  };
}

const deadline = (r: string) => ({ scheduledTime: r, reason: 'starting_deadline_exceeded' });
const forbid = (r: string) => ({ scheduledTime: r, reason: 'concurrency_forbid' });

describe('missed schedule times', () => {
  it('operator down for days: every time since the last run is missed once, too late for the deadline', () => {
    const s = schedule({ startingDeadlineSeconds: 600 }, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const r = reconcileSchedule(s, [], at('2026-03-04T05:00:00Z'));
    expect(r.actions.filter((a) => a.type === 'createRun')).toEqual([]);
    expect(r.missed).toEqual([
      deadline('2026-03-02T03:00:00Z'),
      deadline('2026-03-03T03:00:00Z'),
      deadline('2026-03-04T03:00:00Z'),
    ]);
    expect(r.status.lastMissedTime).toBe('2026-03-04T03:00:00Z');
    // The stored status moves the window: later reconciles count nothing again and stop repeating the warning.
    const again = reconcileSchedule(
      schedule({ startingDeadlineSeconds: 600 }, r.status),
      [],
      at('2026-03-04T06:00:00Z'),
    );
    expect(again.missed).toEqual([]);
    expect(again.actions).toEqual([]);
  });

  it('without a deadline the latest time runs and only the superseded ones are missed', () => {
    const s = schedule({}, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const r = reconcileSchedule(s, [], at('2026-03-03T10:00:00Z'));
    expect(r.missed).toEqual([deadline('2026-03-02T03:00:00Z')]);
    expect(r.status.lastScheduleTime).toBe('2026-03-03T03:00:00Z');
  });

  it('Forbid: a skipped time is missed only once a newer time supersedes it while the run is still active', () => {
    const s = (status: PipelineScheduleStatus) => schedule({ concurrencyPolicy: 'Forbid' }, status);
    const long = run('nightly-long', '2026-03-01T03:00:05Z', 'Running');
    const first = reconcileSchedule(
      s({ lastScheduleTime: '2026-03-01T03:00:00Z' }),
      [long],
      at('2026-03-02T03:00:10Z'),
    );
    // Skipped, but could still start if the run ends in time: not missed yet.
    expect(first.missed).toEqual([]);
    const second = reconcileSchedule(s(first.status), [long], at('2026-03-03T03:00:10Z'));
    expect(second.missed).toEqual([forbid('2026-03-02T03:00:00Z')]);
    expect(second.status.lastMissedTime).toBe('2026-03-02T03:00:00Z');
    // The run ends; the skipped 03-03 time still starts (no deadline), nothing more is missed.
    const ended = run('nightly-long', '2026-03-01T03:00:05Z', 'Succeeded', '2026-03-03T09:00:00Z');
    const third = reconcileSchedule(s(second.status), [ended], at('2026-03-03T09:00:01Z'));
    expect(third.missed).toEqual([]);
    expect(third.status.lastScheduleTime).toBe('2026-03-03T03:00:00Z');
  });

  it('Forbid: a time skipped because of an active run and then past its deadline counts as concurrency_forbid', () => {
    const s = schedule(
      { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600 },
      { lastScheduleTime: '2026-03-01T03:00:00Z' },
    );
    const ended = run('nightly-long', '2026-03-01T03:00:05Z', 'Failed', '2026-03-02T05:00:00Z');
    const r = reconcileSchedule(s, [ended], at('2026-03-02T05:00:01Z'));
    expect(r.missed).toEqual([forbid('2026-03-02T03:00:00Z')]);
    // A run of another schedule time that was active earlier does not make a later miss a Forbid one.
    const early = run('nightly-early', '2026-03-01T03:00:05Z', 'Succeeded', '2026-03-01T04:00:00Z');
    expect(reconcileSchedule(s, [early], at('2026-03-02T05:00:01Z')).missed).toEqual([
      deadline('2026-03-02T03:00:00Z'),
    ]);
  });

  it('a superseded time whose run exists (created before a lost status write) is not missed', () => {
    const s = schedule({}, { lastScheduleTime: '2026-03-01T03:00:00Z' });
    const made = scheduledRunName('nightly', at('2026-03-02T03:00:00Z'));
    const r = reconcileSchedule(
      s,
      [run(made, '2026-03-02T03:00:01Z', 'Succeeded', '2026-03-02T04:00:00Z')],
      at('2026-03-03T03:00:30Z'),
    );
    expect(r.missed).toEqual([]);
  });

  it('times passed while suspended are not missed, on resume either', () => {
    const suspended = reconcileSchedule(
      schedule({ suspend: true, startingDeadlineSeconds: 60 }, { lastScheduleTime: '2026-03-01T03:00:00Z' }),
      [],
      at('2026-03-03T10:00:00Z'),
    );
    expect(suspended.missed).toEqual([]);
    const resumed = reconcileSchedule(
      schedule({ startingDeadlineSeconds: 60 }, suspended.status),
      [],
      at('2026-03-05T10:00:00Z'),
    );
    expect(resumed.missed).toEqual([]);
    expect(resumed.status.lastMissedTime).toBe('2026-03-05T03:00:00Z');
    const later = reconcileSchedule(
      schedule({ startingDeadlineSeconds: 60 }, resumed.status),
      [],
      at('2026-03-05T11:00:00Z'),
    );
    expect(later.missed).toEqual([]);
  });
});

describe('schedule interval', () => {
  it.each([
    ['0 3 * * *', 'UTC', '2026-03-01T00:00:00Z', 24 * 3600],
    ['*/15 * * * *', 'UTC', '2026-03-01T00:00:00Z', 15 * 60],
    // 1 March 2026 is a Sunday: after Thursday the 5th, the next two weekday times are Friday 6th and Monday 9th.
    ['0 6 * * 1-5', 'UTC', '2026-03-05T07:00:00Z', 3 * 24 * 3600],
    // Europe/London springs forward at 01:00 UTC on 29 March 2026: 03:00 GMT on the 28th, 03:00 BST on the 29th.
    [
      '0 3 * * *',
      'Europe/London',
      '2026-03-27T12:00:00Z',
      (Date.parse('2026-03-29T02:00:00Z') - Date.parse('2026-03-28T03:00:00Z')) / 1000,
    ],
  ])('%s in %s after %s: %d s', (cron, timeZone, now, seconds) => {
    expect(reconcileSchedule(schedule({ schedule: cron, timeZone }), [], at(now)).intervalSeconds).toBe(
      seconds,
    );
  });

  it('is still known while suspended, and absent for a schedule with no future times', () => {
    expect(reconcileSchedule(schedule({ suspend: true }), [], at(CREATED)).intervalSeconds).toBe(86400);
    // 30 February never comes.
    expect(
      reconcileSchedule(schedule({ schedule: '0 0 30 2 *' }), [], at(CREATED)).intervalSeconds,
    ).toBeUndefined();
  });
});
