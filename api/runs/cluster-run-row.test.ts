import { describe, expect, it } from 'vitest';
import type { PipelineRunObject } from '../../operator/core/resources.js';
import { clusterRunId, historyRowFromPipelineRun, parseClusterRunId } from './cluster-run-row.js';

describe('cluster runs as history rows', () => {
  it('name runs <namespace>:<name> and parse that back', () => {
    expect(clusterRunId('prod', 'retail-1')).toBe('prod:retail-1');
    expect(parseClusterRunId('prod:retail-1')).toEqual({ namespace: 'prod', name: 'retail-1' });
    expect(parseClusterRunId('20261127t131850961z-0ebd58')).toBeUndefined();
    expect(parseClusterRunId(':x')).toBeUndefined();
  });

  it('map status, steps and the first failed step', () => {
    const run = {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: 'r', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { pipelineRef: { name: 'p' } },
      status: {
        phase: 'Failed',
        startTime: '2026-01-01T00:00:01Z',
        steps: [
          {
            name: 'bronze',
            phase: 'Succeeded',
            attempts: 1,
            durationSeconds: 1.5,
            rowsIn: 3,
            rowsOut: 3,
            startTime: '2026-01-01T00:00:02Z',
            completionTime: '2026-01-01T00:00:04Z',
          },
          { name: 'silver', phase: 'Failed', attempts: 3, message: 'OOMKilled' },
        ],
      },
    } as unknown as PipelineRunObject;
    const row = historyRowFromPipelineRun(run);
    expect(row).toMatchObject({
      runId: 'ns:r',
      source: 'cluster',
      pipeline: 'p',
      phase: 'Failed',
      startedAt: '2026-01-01T00:00:01.000Z',
      finishedAt: null,
      error: { code: 'STEP_FAILED', message: 'silver: OOMKilled' },
    });
    expect(row.steps[0]).toEqual({
      name: 'bronze',
      phase: 'Succeeded',
      rowsIn: 3,
      rowsOut: 3,
      durationMs: 1500,
      message: null,
      startedAt: '2026-01-01T00:00:02.000Z',
      finishedAt: '2026-01-01T00:00:04.000Z',
      attempts: 1,
    });
    expect(row.steps[1]).toMatchObject({ startedAt: null, finishedAt: null, attempts: 3 });
  });

  it('treat a run without status as Pending since its creation', () => {
    const row = historyRowFromPipelineRun({
      metadata: { name: 'r', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { pipelineRef: { name: 'p' } },
    } as unknown as PipelineRunObject);
    expect(row).toMatchObject({
      phase: 'Pending',
      startedAt: '2026-01-01T00:00:00.000Z',
      steps: [],
      error: null,
    });
  });
});
