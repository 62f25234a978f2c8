import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import type { KubeObject } from '../kube/kube-client.js';
import { reconcilePipeline } from '../pipeline/reconcile-pipeline.js';
import { reconcileSchedule } from '../schedule/reconcile-schedule.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema, type PipelineRunStatus, type RunPhase } from '../spec/pipeline-run.js';
import { PipelineScheduleSpecSchema } from '../spec/pipeline-schedule.js';
import { isTrimmed, trimJob, trimPod, trimRun, trimSparkApplication } from './cache-transforms.js';
import { checkFailures } from './pipeline-handler.js';

const managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }];
const lastApplied = { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"json"}', keep: 'me' };

function fullStatus(phase: RunPhase, i: number): PipelineRunStatus {
  const t = (s: number) =>
    new Date(Date.UTC(2026, 2, 1) + i * 3_600_000 + s * 1000).toISOString().replace('.000Z', 'Z');
  return {
    observedGeneration: 1,
    phase,
    startTime: t(0),
    ...(phase === 'Running' ? { currentStep: 'gold' } : { completionTime: t(100) }),
    steps: [
      { name: 'bronze', phase: 'Succeeded', attempts: 1, jobName: `r${i}-bronze-1`, rowsIn: 10, rowsOut: 9 },
    ],
    quality: { score: 0.9 + i / 100, failedChecks: ['quarantine_ratio'] },
    kpis: { revenue: 100 * i },
    lineage: { inputs: ['file:///data'], outputs: ['lake/gold'] },
    enrichment: { breakers: { currency: i % 2 ? 'open' : 'closed' } },
    conditions: [
      { type: 'Succeeded', status: 'True', reason: phase, message: 'm', lastTransitionTime: t(100) },
    ],
  };
}

const run = (i: number, phase: RunPhase): PipelineRunObject & KubeObject => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: {
    name: `nightly-${29000000 + i}`,
    namespace: 'shop',
    uid: `u${i}`,
    generation: 1,
    creationTimestamp: new Date(Date.UTC(2026, 2, 1) + i * 3_600_000).toISOString().replace('.000Z', 'Z'),
    labels: { 'medallion.dev/schedule': 'nightly', 'medallion.dev/pipeline': 'retail' },
    annotations: { ...lastApplied },
    ownerReferences: [
      {
        apiVersion: 'medallion.dev/v1alpha1',
        kind: 'PipelineSchedule',
        name: 'nightly',
        uid: 'us',
        controller: true,
      },
    ],
    managedFields,
  } as PipelineRunObject['metadata'] & KubeObject['metadata'],
  spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' } }),
  status: fullStatus(phase, i),
});

describe('informer cache transforms', () => {
  it('keeps a finished run in brief (and marks it), a running one whole; metadata loses managedFields and last-applied', () => {
    const done = trimRun(run(1, 'Degraded'));
    expect(isTrimmed(done)).toBe(true);
    expect(done.status).toEqual({
      observedGeneration: 1,
      phase: 'Degraded',
      startTime: '2026-03-01T01:00:00Z',
      completionTime: '2026-03-01T01:01:40Z',
      quality: { score: 0.91 },
      enrichment: { breakers: { currency: 'open' } },
    });
    expect(done.metadata).not.toHaveProperty('managedFields');
    expect(done.metadata.annotations).toEqual({ keep: 'me' });
    const running = trimRun(run(2, 'Running'));
    expect(isTrimmed(running)).toBe(false);
    expect(running.status).toEqual(fullStatus('Running', 2));
  });

  it("keeps a finished run's failing checks (the check gauge reads them), not their counts", () => {
    const r = run(3, 'Degraded');
    const failing = [{ name: 'daily_lines', severity: 'warn' as const, step: 'silver' as const }];
    r.status!.quality = {
      score: 0.93,
      checks: { passed: 4, failed: 0, warned: 1, insufficientHistory: 0, failing },
    };
    const done = trimRun(r);
    expect(done.status?.quality).toEqual({ score: 0.93, checks: { failing } });
    expect(checkFailures([done])).toEqual(checkFailures([r]));
  });

  it('does not change what the Pipeline and schedule reconcilers decide', () => {
    const runs = [
      run(1, 'Succeeded'),
      run(2, 'Failed'),
      run(3, 'Degraded'),
      run(4, 'Cancelled'),
      run(5, 'Running'),
    ];
    const pipeline: PipelineObject = {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'retail', namespace: 'shop', generation: 1 },
      spec: PipelineResourceSpecSchema.parse({ source: { uri: '/data' } }),
    };
    const now = new Date('2026-03-02T00:00:00Z');
    expect(reconcilePipeline(pipeline, runs.map(trimRun), now)).toEqual(
      reconcilePipeline(pipeline, runs, now),
    );
    const schedule: PipelineScheduleObject = {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineSchedule',
      metadata: {
        name: 'nightly',
        namespace: 'shop',
        uid: 'us',
        generation: 1,
        creationTimestamp: '2026-03-01T00:00:00Z',
      },
      spec: PipelineScheduleSpecSchema.parse({
        pipelineRef: { name: 'retail' },
        schedule: '0 * * * *',
        successfulRunsHistoryLimit: 1,
        failedRunsHistoryLimit: 1,
      }),
    };
    expect(reconcileSchedule(schedule, runs.map(trimRun), now)).toEqual(
      reconcileSchedule(schedule, runs, now),
    );
  });

  it('keeps of Jobs their metadata and status, of Pods the step container terminated state', () => {
    const job = trimJob({
      metadata: { name: 'j', namespace: 'shop', managedFields },
      spec: { template: { spec: { containers: [{ name: 'step', args: ['run'] }] } } },
      status: { succeeded: 1 },
    });
    expect(job).toEqual({ metadata: { name: 'j', namespace: 'shop' }, status: { succeeded: 1 } });
    // A suspended Job keeps spec.suspend (Kueue's and the run's to move), nothing else of its spec.
    const held = trimJob({
      metadata: { name: 'j', namespace: 'shop' },
      spec: { suspend: true, template: { spec: { containers: [{ name: 'step' }] } } },
      status: {},
    });
    expect(held).toEqual({ metadata: { name: 'j', namespace: 'shop' }, spec: { suspend: true }, status: {} });
    const terminated = { exitCode: 0, message: '{"v":1}' };
    const pod = trimPod({
      metadata: { name: 'p', namespace: 'shop', labels: { 'job-name': 'j' } },
      spec: { containers: [{ name: 'step' }] },
      status: {
        phase: 'Succeeded',
        conditions: [{ type: 'Ready' }],
        containerStatuses: [{ name: 'step', image: 'x', ready: false, state: { terminated } }],
      },
    });
    expect(pod).toEqual({
      metadata: { name: 'p', namespace: 'shop', labels: { 'job-name': 'j' } },
      status: { containerStatuses: [{ name: 'step', state: { terminated } }] },
    });
  });
});

describe('trimSparkApplication', () => {
  it('keeps what a step reads (state, driver Pod, times, suspend) and drops the spec and executor states', () => {
    const app = {
      metadata: {
        name: 'r1-gold-1',
        namespace: 'shop',
        managedFields: [{ manager: 'x' }],
        labels: { a: 'b' },
      },
      spec: { suspend: true, driver: { template: { spec: { containers: [] } } }, arguments: ['--exec'] },
      status: {
        applicationState: { state: 'FAILED', errorMessage: 'driver failed' },
        driverInfo: { podName: 'r1-gold-1-driver', webUIAddress: '10.0.0.1:4040' },
        executorState: { 'exec-1': 'FAILED' },
        lastSubmissionAttemptTime: '2026-03-01T03:00:00Z',
        terminationTime: '2026-03-01T03:05:00Z',
      },
    } as unknown as KubeObject;
    expect(trimSparkApplication(app)).toEqual({
      metadata: { name: 'r1-gold-1', namespace: 'shop', labels: { a: 'b' } },
      spec: { suspend: true },
      status: {
        applicationState: { state: 'FAILED', errorMessage: 'driver failed' },
        driverInfo: { podName: 'r1-gold-1-driver' },
        lastSubmissionAttemptTime: '2026-03-01T03:00:00Z',
        terminationTime: '2026-03-01T03:05:00Z',
      },
    });
  });
});
