import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import { KubeError, type KubeClient } from '../kube/kube-client.js';
import { createOperatorMetrics } from '../metrics.js';
import { PipelineScheduleSpecSchema, type PipelineScheduleStatus } from '../spec/pipeline-schedule.js';
import type { Informer, KubeObject } from './informer.js';
import { createScheduleHandler } from './schedule-handler.js';

type Sched = PipelineScheduleObject & KubeObject;

function cache<T extends KubeObject>(items: Map<string, T>): Informer<T> {
  return {
    get: (k) => items.get(k),
    list: () => [...items.values()],
    byIndex: () => [...items.values()],
    synced: Promise.resolve(),
    stop() {},
  };
}

/** Records status writes; `conflicts` makes the next N status writes fail with 409, as a stale resourceVersion does. */
function fakeClient() {
  const c = {
    conflicts: 0,
    statuses: [] as PipelineScheduleStatus[],
    client: {
      create: () => Promise.resolve(),
      delete: () => Promise.resolve(),
      mergePatch: () => Promise.resolve(),
      replaceStatus: (_c, body) => {
        if (c.conflicts > 0) {
          c.conflicts--;
          return Promise.reject(new KubeError(409, 'the object has been modified'));
        }
        c.statuses.push(body.status as PipelineScheduleStatus);
        return Promise.resolve();
      },
    } as Partial<KubeClient> as KubeClient,
  };
  return c;
}

function sched(spec: Record<string, unknown>, status?: PipelineScheduleStatus): Sched {
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineSchedule',
    metadata: {
      name: 'hourly',
      namespace: 'shop',
      uid: 'u1',
      generation: 1,
      creationTimestamp: '2026-03-01T00:00:00Z',
    },
    spec: PipelineScheduleSpecSchema.parse({
      pipelineRef: { name: 'retail' },
      schedule: '0 * * * *',
      ...spec,
    }),
    ...(status ? { status } : {}),
  } as Sched;
}

const series = async (m: ReturnType<typeof createOperatorMetrics>) =>
  (await m.registry.metrics()).split('\n').filter((l) => l.startsWith('medallion_schedule_'));
const of = 'namespace="shop",schedule="hourly",pipeline="retail"';

describe('schedule handler metrics', () => {
  it('sets the schedule gauges, counts a miss once (not on a 409), and removes every series on deletion', async () => {
    const metrics = createOperatorMetrics();
    const schedules = new Map<string, Sched>();
    const fake = fakeClient();
    let now = new Date('2026-03-02T10:30:00Z');
    const handler = createScheduleHandler({
      client: fake.client,
      schedules: cache(schedules),
      runs: cache(new Map<string, PipelineRunObject & KubeObject>()),
      logger: pino({ level: 'silent' }),
      now: () => now,
      metrics,
    });
    // Last run at 06:00; the operator was away until 10:30 and the deadline is 10 minutes: 07:00-10:00 are missed.
    schedules.set(
      'shop/hourly',
      sched({ startingDeadlineSeconds: 600 }, { lastScheduleTime: '2026-03-02T06:00:00Z' }),
    );
    fake.conflicts = 1;
    await expect(handler('shop/hourly')).rejects.toThrow('modified');
    expect(await series(metrics)).not.toContainEqual(expect.stringContaining('missed_runs_total{'));
    await handler('shop/hourly');
    const t = (iso: string) => Date.parse(iso) / 1000;
    expect(await series(metrics)).toEqual([
      `medallion_schedule_interval_seconds{${of}} 3600`,
      `medallion_schedule_last_schedule_timestamp_seconds{${of}} ${t('2026-03-02T06:00:00Z')}`,
      `medallion_schedule_next_schedule_timestamp_seconds{${of}} ${t('2026-03-02T11:00:00Z')}`,
      `medallion_schedule_suspended{${of}} 0`,
      `medallion_schedule_missed_runs_total{${of},reason="starting_deadline_exceeded"} 4`,
      `medallion_schedule_missed_runs_total{${of},reason="concurrency_forbid"} 0`,
    ]);
    // The informer delivers the written status; reconciling again counts nothing more.
    schedules.set('shop/hourly', sched({ startingDeadlineSeconds: 600 }, fake.statuses.at(-1)));
    now = new Date('2026-03-02T10:40:00Z');
    await handler('shop/hourly');
    expect(await series(metrics)).toContain(
      `medallion_schedule_missed_runs_total{${of},reason="starting_deadline_exceeded"} 4`,
    );

    // Suspended: the flag is 1 and there is no next time.
    schedules.set('shop/hourly', sched({ suspend: true }, fake.statuses.at(-1)));
    await handler('shop/hourly');
    const suspended = await series(metrics);
    expect(suspended).toContain(`medallion_schedule_suspended{${of}} 1`);
    expect(suspended.some((l) => l.startsWith('medallion_schedule_next_schedule'))).toBe(false);

    schedules.delete('shop/hourly');
    await handler('shop/hourly');
    expect(await series(metrics)).toEqual([]);
  });

  it('moves the series when the schedule points at another pipeline', async () => {
    const metrics = createOperatorMetrics();
    const schedules = new Map<string, Sched>([['shop/hourly', sched({})]]);
    const handler = createScheduleHandler({
      client: fakeClient().client,
      schedules: cache(schedules),
      runs: cache(new Map<string, PipelineRunObject & KubeObject>()),
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-03-01T00:10:00Z'),
      metrics,
    });
    await handler('shop/hourly');
    schedules.set('shop/hourly', sched({ pipelineRef: { name: 'returns' } }));
    await handler('shop/hourly');
    const text = (await series(metrics)).join('\n');
    expect(text).not.toContain('pipeline="retail"');
    expect(text).toContain(
      'medallion_schedule_suspended{namespace="shop",schedule="hourly",pipeline="returns"} 0',
    );
  });
});
