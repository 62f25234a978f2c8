import { describe, expect, it } from 'vitest';
import type {
  PipelineObject,
  PipelineRunObject,
  PipelineScheduleObject,
} from '../../operator/core/resources.js';
import { renderTable, shortDuration } from './output.js';
import { parsePartitions } from './run-command.js';
import { pipelineStatusRow, runRow } from './run-view.js';

const now = new Date('2026-12-01T12:00:00Z');
const meta = (name: string, created: string) => ({ name, namespace: 'ns', creationTimestamp: created });
const run = (name: string, created: string, status: object, spec: object = {}): PipelineRunObject =>
  ({
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: meta(name, created),
    spec: { pipelineRef: { name: 'retail' }, cancelled: false, ...spec },
    status,
  }) as unknown as PipelineRunObject;
const pipeline = {
  metadata: meta('retail', '2026-11-01T00:00:00Z'),
  spec: {},
  status: {},
} as unknown as PipelineObject;
const hourly = {
  metadata: meta('retail-hourly', '2026-11-01T00:00:00Z'),
  spec: { pipelineRef: { name: 'retail' }, schedule: '0 * * * *', timeZone: 'UTC', suspend: false },
  status: { nextScheduleTime: '2026-12-01T13:00:00Z' },
} as unknown as PipelineScheduleObject;

describe('run and status views', () => {
  it('summarises a run: current step, steps done, duration so far, partitions', () => {
    const r = runRow(
      run(
        'r1',
        '2026-12-01T11:00:00Z',
        {
          phase: 'Running',
          currentStep: 'silver',
          startTime: '2026-12-01T11:50:00Z',
          steps: [
            { name: 'bronze', phase: 'Succeeded', jobName: 'r1-bronze-1' },
            { name: 'silver', phase: 'Running', jobName: 'r1-silver-1' },
            { name: 'gold', phase: 'Pending' },
          ],
        },
        { partitions: { from: '2011-03-01', to: '2011-03-31' } },
      ),
      now,
    );
    expect(r).toMatchObject({
      phase: 'Running',
      step: 'silver',
      stepsDone: 1,
      stepsTotal: 3,
      durationSeconds: 600,
    });
    expect(r.partitions).toEqual({ from: '2011-03-01', to: '2011-03-31' });
  });

  it('is late when an hourly schedule time after the last success has passed, fresh otherwise', () => {
    const ok = run('ok', '2026-12-01T09:00:00Z', {
      phase: 'Succeeded',
      completionTime: '2026-12-01T09:10:00Z',
    });
    const late = pipelineStatusRow(pipeline, [ok], [hourly], now);
    expect(late).toMatchObject({
      freshness: 'late',
      lastSuccessAt: '2026-12-01T09:10:00Z',
      nextDueAt: '2026-12-01T10:00:00.000Z',
    });
    expect(late.nextScheduleTime).toBe('2026-12-01T13:00:00Z');
    const recent = run('ok2', '2026-12-01T11:00:00Z', {
      phase: 'Degraded',
      completionTime: '2026-12-01T11:20:00Z',
    });
    expect(pipelineStatusRow(pipeline, [ok, recent], [hourly], now)).toMatchObject({
      freshness: 'fresh',
      lastRun: { name: 'ok2' },
    });
    expect(pipelineStatusRow(pipeline, [], [hourly], now).freshness).toBe('never');
    expect(pipelineStatusRow(pipeline, [ok], [], now).freshness).toBe('unscheduled');
    const suspended = { ...hourly, spec: { ...hourly.spec, suspend: true } } as PipelineScheduleObject;
    expect(pipelineStatusRow(pipeline, [ok], [suspended], now)).toMatchObject({
      freshness: 'unscheduled',
      nextScheduleTime: null,
    });
  });

  it('parses partition ranges and prints aligned tables', () => {
    expect(parsePartitions('2011-03-01..2011-03-31')).toEqual({ from: '2011-03-01', to: '2011-03-31' });
    expect(parsePartitions(undefined, '2011-12-09', '2011-12-09')).toEqual({
      from: '2011-12-09',
      to: '2011-12-09',
    });
    expect(parsePartitions(undefined)).toBeUndefined();
    expect(
      renderTable(
        ['name', 'phase'],
        [
          ['a-long-name', 'Running'],
          ['b', null],
        ],
      ).split('\n'),
    ).toEqual(['NAME          PHASE', 'a-long-name   Running', 'b             -']);
    expect([59_000, 600_000, 3 * 3600_000 + 60_000, 26 * 3600_000].map(shortDuration)).toEqual([
      '59s',
      '10m',
      '3h1m',
      '1d2h',
    ]);
  });
});
