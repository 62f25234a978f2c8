import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema, type PipelineRunStatus } from '../spec/pipeline-run.js';
import { reconcilePipeline } from './reconcile-pipeline.js';

const now = new Date('2026-03-05T00:00:00Z');
const pipeline = (status?: PipelineObject['status']): PipelineObject => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'retail', namespace: 'shop', generation: 3 },
  spec: PipelineResourceSpecSchema.parse({ source: { uri: '/data' } }),
  ...(status ? { status } : {}),
});
const run = (name: string, status: PipelineRunStatus): PipelineRunObject => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name, namespace: 'shop' },
  spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' } }),
  status,
});

describe('reconcilePipeline', () => {
  it('reports the last run, the last successful run and the last quality score', () => {
    const status = reconcilePipeline(
      pipeline(),
      [
        run('a', {
          phase: 'Succeeded',
          startTime: '2026-03-01T03:00:00Z',
          completionTime: '2026-03-01T03:10:00Z',
          quality: { score: 0.95 },
        }),
        run('b', {
          phase: 'Degraded',
          startTime: '2026-03-02T03:00:00Z',
          completionTime: '2026-03-02T03:10:00Z',
          quality: { score: 0.91 },
        }),
        run('c', {
          phase: 'Failed',
          startTime: '2026-03-03T03:00:00Z',
          completionTime: '2026-03-03T03:01:00Z',
        }),
        run('d', { phase: 'Running', startTime: '2026-03-04T03:00:00Z' }),
      ],
      now,
    );
    expect(status.lastRun).toEqual({ name: 'd', phase: 'Running', startTime: '2026-03-04T03:00:00Z' });
    expect(status.lastSuccessfulRun).toMatchObject({ name: 'b', phase: 'Degraded' });
    expect(status.lastQualityScore).toBe(0.91);
    expect(status.observedGeneration).toBe(3);
    expect(status.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True', observedGeneration: 3 }),
    ]);
  });

  it('keeps what it knew when the runs behind it were pruned', () => {
    const before = {
      lastSuccessfulRun: { name: 'old', phase: 'Succeeded', completionTime: '2026-02-01T00:00:00Z' },
      lastQualityScore: 0.9,
    };
    const status = reconcilePipeline(
      pipeline(before),
      [run('x', { phase: 'Failed', startTime: '2026-03-01T00:00:00Z' })],
      now,
    );
    expect(status.lastSuccessfulRun?.name).toBe('old');
    expect(status.lastQualityScore).toBe(0.9);
    expect(status.lastRun?.name).toBe('x');
  });

  it('is not Ready when the spec fails the runner schema', () => {
    const p = pipeline();
    p.spec.source.timezone = 'Nowhere/Land';
    const status = reconcilePipeline(p, [], now);
    expect(status.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(status.conditions?.[0]?.message).toMatch(/source.timezone: must be an IANA time zone/);
  });
});
