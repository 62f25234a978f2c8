import { describe, expect, it } from 'vitest';
import type { PipelineRunObject } from '../core/resources.js';
import { PipelineRunSpecSchema, type PipelineRunStatus } from '../spec/pipeline-run.js';
import { checkFailures, declaredChecks, lastBreakers, lastFinished } from './pipeline-handler.js';

const run = (name: string, status: PipelineRunStatus): PipelineRunObject => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name, namespace: 'shop' },
  spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' } }),
  status,
});
const open = { currency: 'open', country: 'closed', product: 'closed' } as const;
const closed = { currency: 'closed', country: 'closed', product: 'closed' } as const;

describe('lastBreakers (medallion_enrichment_breaker_open)', () => {
  it('takes the last finished run that reported breakers; running runs and runs without a report do not count', () => {
    const runs = [
      run('a', { phase: 'Degraded', completionTime: '2026-03-02T10:00:00Z', enrichment: { breakers: open } }),
      run('b', {
        phase: 'Succeeded',
        completionTime: '2026-03-01T10:00:00Z',
        enrichment: { breakers: closed },
      }),
      run('c', { phase: 'Failed', completionTime: '2026-03-03T10:00:00Z' }), // bronze failed: no enrichment
      run('d', { phase: 'Running', enrichment: { breakers: closed } }), // silver done, gold still running
    ];
    expect(lastBreakers(runs)).toEqual(open);
    expect(lastBreakers(runs.slice(1))).toEqual(closed);
    expect(lastBreakers([])).toBeUndefined();
  });
});

describe('checkFailures (medallion_quality_check_failures)', () => {
  const checks = (failing: { name: string; severity: 'error' | 'warn' }[]) => ({
    checks: {
      passed: 1,
      failed: failing.filter((f) => f.severity === 'error').length,
      warned: failing.filter((f) => f.severity === 'warn').length,
      insufficientHistory: 0,
      failing: failing.map((f) => ({ ...f, step: 'silver' as const })),
    },
  });
  it("reads the last finished run's failing checks, and knows those of earlier runs", () => {
    const runs = [
      run('a', {
        phase: 'Failed',
        completionTime: '2026-03-01T10:00:00Z',
        quality: checks([{ name: 'orders_unique', severity: 'error' }]),
      }),
      run('b', {
        phase: 'Degraded',
        completionTime: '2026-03-02T10:00:00Z',
        quality: checks([{ name: 'daily_lines', severity: 'warn' }]),
      }),
      run('c', { phase: 'Running', quality: checks([{ name: 'still_running', severity: 'error' }]) }),
    ];
    expect(checkFailures(runs)).toEqual({
      failing: [{ check: 'daily_lines', severity: 'warn' }],
      known: [
        { check: 'orders_unique', severity: 'error' },
        { check: 'daily_lines', severity: 'warn' },
      ],
    });
    expect(checkFailures([])).toEqual({ failing: [], known: [] });
  });

  it('of two runs finished in the same second, reads the one that started later, in any list order', () => {
    const warned = run('warned', {
      phase: 'Degraded',
      startTime: '2026-03-02T10:00:01Z',
      completionTime: '2026-03-02T10:00:02Z',
      quality: checks([{ name: 'daily_lines', severity: 'warn' }]),
    });
    const failed = run('failed', {
      phase: 'Failed',
      startTime: '2026-03-02T10:00:02Z',
      completionTime: '2026-03-02T10:00:02Z',
      quality: checks([{ name: 'orders_unique', severity: 'error' }]),
    });
    for (const runs of [
      [warned, failed],
      [failed, warned],
    ])
      expect(checkFailures(runs).failing).toEqual([{ check: 'orders_unique', severity: 'error' }]);
  });
});

describe('lastFinished', () => {
  it('breaks a tie of completion and start times (second precision) by creation time, then name, in any order', () => {
    const at = (name: string, created: string) => ({
      ...run(name, { phase: 'Succeeded', completionTime: '2026-03-02T10:00:00Z' }),
      metadata: { name, namespace: 'shop', creationTimestamp: created },
    });
    const older = at('run-b', '2026-03-02T09:59:58Z');
    const newer = at('run-a', '2026-03-02T09:59:59Z');
    const twin = at('run-c', '2026-03-02T09:59:59Z');
    expect(lastFinished([older, newer])?.metadata.name).toBe('run-a');
    expect(lastFinished([newer, older])?.metadata.name).toBe('run-a');
    expect(lastFinished([twin, newer])?.metadata.name).toBe('run-c');
    expect(lastFinished([newer, twin])?.metadata.name).toBe('run-c');
    expect(lastFinished([])).toBeUndefined();
  });
});

describe('declaredChecks', () => {
  it("reads the names and severities of the Pipeline's spec.quality.checks, and nothing without them", () => {
    const pipeline = (quality: unknown) =>
      ({ spec: { quality } }) as unknown as Parameters<typeof declaredChecks>[0];
    expect(
      declaredChecks(
        pipeline({
          minScore: 0.9,
          checks: [
            { name: 'orders_unique', kind: 'unique', severity: 'error' },
            { name: 'daily_lines', kind: 'anomaly', severity: 'warn' },
            { kind: 'notNull' },
          ],
        }),
      ),
    ).toEqual([
      { check: 'orders_unique', severity: 'error' },
      { check: 'daily_lines', severity: 'warn' },
    ]);
    expect(declaredChecks(pipeline({ minScore: 0.9 }))).toEqual([]);
    expect(declaredChecks(pipeline(undefined))).toEqual([]);
  });
});
