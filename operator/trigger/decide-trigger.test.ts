import { describe, expect, it } from 'vitest';
import type { PipelineScheduleObject } from '../core/resources.js';
import { PipelineScheduleSpecSchema } from '../spec/pipeline-schedule.js';
import type { TriggerClaim, TriggerStatus } from '../spec/trigger-spec.js';
import {
  TRIGGER_FILES_ANNOTATION,
  decideTrigger,
  triggeredRunName,
  type ListedFile,
  type SeenFile,
  type TriggerDecision,
  type TriggerObserved,
} from './decide-trigger.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');

function schedule(extra: Record<string, unknown> = {}, trigger?: TriggerStatus): PipelineScheduleObject {
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineSchedule',
    metadata: { name: 'arrivals', namespace: 'shop', uid: 'uid-s', generation: 1 },
    spec: PipelineScheduleSpecSchema.parse({
      pipelineRef: { name: 'retail' },
      trigger: { onNewFiles: { pollIntervalSeconds: 10, settleSeconds: 30, maxFilesPerRun: 2 } },
      ...extra,
    }),
    ...(trigger ? { status: { trigger } } : {}),
  };
}

const file = (name: string, size = 100, etag = `e-${size}`): ListedFile => ({ name, size, etag });

function observe(over: Partial<TriggerObserved> & { atMs?: number } = {}): TriggerObserved {
  const s = over.schedule ?? schedule();
  return {
    schedule: s,
    trigger: s.spec.trigger!.onNewFiles,
    now: new Date(over.atMs ?? T0),
    listed: [],
    ingested: new Set(),
    claims: [],
    activeRuns: [],
    seen: new Map(),
    jitter: 0.5,
    ...over,
  };
}

/** Polls again at `atMs` with what the previous decision remembered. */
const next = (d: TriggerDecision, over: Partial<TriggerObserved> & { atMs: number }) =>
  observe({ seen: d.seen, claims: d.status.claims ?? [], ...over });

describe('decideTrigger', () => {
  it('creates no run when the source holds nothing the manifest lacks', () => {
    const d = decideTrigger(
      observe({ listed: [file('a.csv'), file('b.csv')], ingested: new Set(['a.csv', 'b.csv']) }),
    );
    expect(d.result).toBe('nothing_new');
    expect(d.run).toBeUndefined();
    expect(d.event).toBeUndefined();
    expect([d.filesSeen, d.filesNew]).toEqual([2, 0]);
    // The regular interval, jittered (0.5 → exactly the interval).
    expect(d.nextPollMs).toBe(T0 + 10_000);
  });

  it('takes a new file only once it has looked the same for the settle time', () => {
    const first = decideTrigger(observe({ listed: [file('c.csv', 10)] }));
    expect(first.result).toBe('settling');
    expect(first.run).toBeUndefined();
    // The next poll comes at the regular interval, before the file can settle at T0+30s.
    expect(first.nextPollMs).toBe(T0 + 10_000);

    // Still being written: it grew, so the clock starts again.
    const growing = decideTrigger(next(first, { atMs: T0 + 20_000, listed: [file('c.csv', 20)] }));
    expect(growing.result).toBe('settling');
    expect(growing.seen.get('c.csv')?.sinceMs).toBe(T0 + 20_000);

    const notYet = decideTrigger(next(growing, { atMs: T0 + 49_000, listed: [file('c.csv', 20)] }));
    expect(notYet.result).toBe('settling');
    // Polled again exactly when it settles, earlier than the regular interval.
    expect(notYet.nextPollMs).toBe(T0 + 50_000);

    const settled = decideTrigger(next(notYet, { atMs: T0 + 50_000, listed: [file('c.csv', 20)] }));
    expect(settled.result).toBe('created');
    expect(settled.files).toEqual(['c.csv']);
    expect(settled.run?.metadata.name).toBe(triggeredRunName('arrivals', ['c.csv']));
    expect(settled.run?.metadata.annotations?.[TRIGGER_FILES_ANNOTATION]).toBe('["c.csv"]');
    expect(settled.run?.metadata.ownerReferences?.[0]?.uid).toBe('uid-s');
    expect(settled.event?.reason).toBe('RunTriggered');
    expect(settled.status.claims).toEqual([{ run: settled.run?.metadata.name, files: ['c.csv'] }]);
    expect(settled.status.lastTriggerTime).toBe('2026-03-01T00:00:50Z');
  });

  it('an S3 object replaced under the same name with a new ETag restarts its settle clock', () => {
    const first = decideTrigger(observe({ listed: [file('c.csv', 10, 'x')] }));
    const replaced = decideTrigger(next(first, { atMs: T0 + 40_000, listed: [file('c.csv', 10, 'y')] }));
    expect(replaced.result).toBe('settling');
  });

  it('never claims a file twice: claimed files are left alone until the manifest holds them', () => {
    const s = schedule({}, {});
    const claim: TriggerClaim = { run: triggeredRunName('arrivals', ['a.csv']), files: ['a.csv'] };
    const seen = new Map<string, SeenFile>([['a.csv', { sig: '100:e-100', sinceMs: T0 - 60_000 }]]);
    const d = decideTrigger(observe({ schedule: s, listed: [file('a.csv')], claims: [claim], seen }));
    expect(d.result).toBe('nothing_new');
    expect(d.status.claims).toEqual([claim]);
    // Once bronze has ingested it, the claim is dropped from the status (the manifest now answers).
    const later = decideTrigger(
      observe({ schedule: s, listed: [file('a.csv')], claims: [claim], ingested: new Set(['a.csv']) }),
    );
    expect(later.result).toBe('nothing_new');
    expect(later.status.claims).toBeUndefined();
  });

  it('names the same run for the same file set whatever the order, another for another set', () => {
    expect(triggeredRunName('arrivals', ['b.csv', 'a.csv'])).toBe(
      triggeredRunName('arrivals', ['a.csv', 'b.csv']),
    );
    expect(triggeredRunName('arrivals', ['a.csv'])).not.toBe(
      triggeredRunName('arrivals', ['a.csv', 'b.csv']),
    );
  });

  it('takes at most maxFilesPerRun files, by name; the rest go to a later run', () => {
    const old = new Map<string, SeenFile>(
      ['d.csv', 'b.csv', 'a.csv'].map((n) => [n, { sig: '100:e-100', sinceMs: T0 - 60_000 }]),
    );
    const listed = [file('d.csv'), file('b.csv'), file('a.csv')];
    const d = decideTrigger(observe({ listed, seen: old }));
    expect(d.files).toEqual(['a.csv', 'b.csv']);
    expect(d.filesNew).toBe(3);
    const then = decideTrigger(next(d, { atMs: T0 + 10_000, listed }));
    expect(then.files).toEqual(['d.csv']);
    expect(then.status.claims?.map((c) => c.files)).toEqual([['a.csv', 'b.csv'], ['d.csv']]);
  });

  it('waits while a run of the schedule is active (Forbid), creates alongside it with Allow', () => {
    const seen = new Map<string, SeenFile>([['a.csv', { sig: '100:e-100', sinceMs: T0 - 60_000 }]]);
    const base = { listed: [file('a.csv')], seen, activeRuns: ['arrivals-files-1'] };
    const forbid = decideTrigger(observe(base));
    expect(forbid.result).toBe('waiting');
    expect(forbid.run).toBeUndefined();
    const allow = decideTrigger(observe({ ...base, schedule: schedule({ concurrencyPolicy: 'Allow' }) }));
    expect(allow.result).toBe('created');
  });

  it('records an event when files arrive or change and when a wait begins, not on every quiet poll', () => {
    const arrived = decideTrigger(observe({ listed: [file('c.csv', 10), file('d.csv', 5)] }));
    expect(arrived.event?.reason).toBe('FilesSettling');
    expect(arrived.event?.message).toContain('2 new or changed file(s) wait 30s to settle: c.csv, d.csv');
    const same = decideTrigger(
      next(arrived, { atMs: T0 + 10_000, listed: [file('c.csv', 10), file('d.csv', 5)] }),
    );
    expect(same.result).toBe('settling');
    expect(same.event).toBeUndefined();
    const grew = decideTrigger(
      next(same, { atMs: T0 + 20_000, listed: [file('c.csv', 10), file('d.csv', 9)] }),
    );
    expect(grew.event?.message).toContain('1 new or changed file(s) wait 30s to settle: d.csv');

    const seen = new Map<string, SeenFile>([['a.csv', { sig: '100:e-100', sinceMs: T0 - 60_000 }]]);
    const base = { listed: [file('a.csv')], seen, activeRuns: ['arrivals-files-1'] };
    const waiting = decideTrigger(observe(base));
    expect(waiting.event?.reason).toBe('TriggerWaiting');
    const stillWaiting = decideTrigger(observe({ ...base, schedule: schedule({}, waiting.status) }));
    expect(stillWaiting.result).toBe('waiting');
    expect(stillWaiting.event).toBeUndefined();
  });

  it('a failed listing is an error with a Warning event, and keeps what was remembered', () => {
    const seen = new Map<string, SeenFile>([['a.csv', { sig: '1:x', sinceMs: T0 }]]);
    const d = decideTrigger(
      observe({ listed: { error: 'cannot read source path /data: EACCES' }, seen, atMs: T0 + 5000 }),
    );
    expect(d.result).toBe('error');
    expect(d.event).toEqual({
      eventType: 'Warning',
      reason: 'TriggerFailed',
      message: 'cannot read source path /data: EACCES',
    });
    expect(d.status.message).toContain('EACCES');
    expect([...d.seen]).toEqual([...seen]);
  });

  it('jitter spreads polls over ±10% of the interval', () => {
    expect(decideTrigger(observe({ jitter: 0 })).nextPollMs).toBe(T0 + 9_000);
    expect(decideTrigger(observe({ jitter: 0.999 })).nextPollMs).toBeCloseTo(T0 + 10_998, -1);
  });

  it('with settleSeconds 0 a file is taken on first sight', () => {
    const s = schedule({ trigger: { onNewFiles: { settleSeconds: 0 } } });
    expect(decideTrigger(observe({ schedule: s, listed: [file('a.csv')] })).result).toBe('created');
  });
});
