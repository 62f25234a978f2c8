import { describe, expect, it } from 'vitest';
import { STEP_NAMES } from '../../runner/spec/pipeline-spec.js';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../spec/pipeline-run.js';
import { buildStepJob } from './step-job.js';

const run: PipelineRunObject = {
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name: 'r1', namespace: 'shop', uid: 'uid-r', generation: 1 },
  spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' } }),
};
const pipelineWith = (spec: Record<string, unknown>): PipelineObject => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'retail', namespace: 'shop', uid: 'uid-p' },
  spec: PipelineResourceSpecSchema.parse({ source: { uri: '/data' }, ...spec }),
});

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
const envOf = (pipeline: PipelineObject, step: string): EnvVar[] => {
  const spec = buildStepJob(run, pipeline, step, 1, 'img').spec as {
    template: { spec: { containers: { env: EnvVar[] }[] } };
  };
  return spec.template.spec.containers[0]!.env;
};
const fromSecret = (name: string, key: string) => ({ secretKeyRef: { name, key } });

describe('buildStepJob: warehouse connection', () => {
  it('maps warehouse.secretRef to the env var the runner reads, in every step (run history is recorded by each)', () => {
    const p = pipelineWith({ warehouse: { secretRef: { name: 'wh' } } });
    for (const step of STEP_NAMES) {
      expect(envOf(p, step).filter((e) => e.name === 'DATABASE_URL')).toEqual([
        { name: 'DATABASE_URL', valueFrom: fromSecret('wh', 'DATABASE_URL') },
      ]);
    }
    // No Secret without a secretRef, or when a literal url takes precedence in the runner.
    const literal = pipelineWith({
      warehouse: { url: 'postgres://db/medallion', secretRef: { name: 'wh' } },
    });
    for (const other of [pipelineWith({}), literal]) {
      expect(envOf(other, 'warehouse').some((e) => e.name === 'DATABASE_URL')).toBe(false);
    }
  });

  it('uses the spec’s urlFromEnv and key, and wins over a job.env entry of the same name', () => {
    const p = pipelineWith({
      warehouse: { urlFromEnv: 'WAREHOUSE_URL', secretRef: { name: 'wh', key: 'url' } },
      job: {
        env: [
          { name: 'WAREHOUSE_URL', value: 'postgres://stale@db/x' },
          { name: 'TZ', value: 'UTC' },
        ],
      },
    });
    const env = envOf(p, 'warehouse');
    expect(env.filter((e) => e.name === 'WAREHOUSE_URL')).toEqual([
      { name: 'WAREHOUSE_URL', valueFrom: fromSecret('wh', 'url') },
    ]);
    expect(env.find((e) => e.name === 'TZ')).toEqual({ name: 'TZ', value: 'UTC' });
    expect(env.some((e) => e.name === 'DATABASE_URL')).toBe(false);
  });

  it('keeps the search step’s Typesense key alongside the warehouse URL', () => {
    const p = pipelineWith({
      steps: ['bronze', 'silver', 'gold', 'warehouse', 'search'],
      warehouse: { secretRef: { name: 'wh' } },
      search: { typesense: { url: 'http://typesense:8108', secretRef: { name: 'ts', key: 'apiKey' } } },
    });
    const secretEnv = envOf(p, 'search').filter((e) => e.valueFrom);
    expect(secretEnv.map((e) => [e.name, e.valueFrom?.secretKeyRef?.name])).toEqual([
      ['DATABASE_URL', 'wh'],
      ['TYPESENSE_API_KEY', 'ts'],
    ]);
  });
});

describe('buildStepJob: security', () => {
  it('runs as the image user with fsGroup (a fresh lake volume is writable) under the restricted standard', () => {
    const spec = buildStepJob(
      run,
      pipelineWith({ job: { lakeVolume: { claimName: 'lake' } } }),
      'bronze',
      1,
      'img',
    ).spec as {
      template: {
        spec: {
          securityContext: Record<string, unknown>;
          containers: { securityContext: Record<string, unknown>; volumeMounts: object[] }[];
          volumes: object[];
        };
      };
    };
    const pod = spec.template.spec;
    // uid/gid 10001: the Dockerfile's USER.
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const c = pod.containers[0]!;
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
    expect(pod.volumes).toContainEqual({ name: 'lake', persistentVolumeClaim: { claimName: 'lake' } });
  });
});
