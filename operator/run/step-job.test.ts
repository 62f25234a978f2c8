import { describe, expect, it } from 'vitest';
import { STEP_NAMES } from '../../runner/spec/pipeline-spec.js';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../spec/pipeline-run.js';
import { TRIGGER_FILES_ANNOTATION } from '../trigger/decide-trigger.js';
import { buildSpecConfigMap, buildStepJob } from './step-job.js';
import { FILES_LIST_KEY, INLINE_FILES_LIMIT } from './trigger-files-arg.js';

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

interface PodSpec {
  containers: { args: string[]; env: EnvVar[]; volumeMounts: { name: string }[] }[];
  volumes: { name: string }[];
}
const podOf = (pipeline: PipelineObject, step = 'bronze', defaults = {}): PodSpec =>
  (buildStepJob(run, pipeline, step, 1, 'img', defaults).spec as { template: { spec: PodSpec } }).template
    .spec;
const s3Lake = (s3: Record<string, unknown> = {}, job: Record<string, unknown> = {}) =>
  pipelineWith({ lake: { uri: 's3://retail-lake/medallion', s3 }, job });
const awsEnv = (pod: PodSpec) => pod.containers[0]!.env.filter((e) => e.name.startsWith('AWS_'));

describe('buildStepJob: lake on object storage', () => {
  it('mounts no lake volume (not even a claim the Pipeline names) and leaves the lake URI to the spec', () => {
    for (const p of [s3Lake(), s3Lake({}, { lakeVolume: { claimName: 'lake' } })]) {
      for (const step of STEP_NAMES) {
        const pod = podOf(p, step);
        expect(pod.volumes.map((v) => v.name)).toEqual(['spec', 'tmp']);
        expect(pod.containers[0]!.volumeMounts.map((m) => m.name)).toEqual(['spec', 'tmp']);
        // --lake would send the runner to a local directory instead of the bucket.
        expect(pod.containers[0]!.args).not.toContain('--lake');
      }
    }
    // A local lake keeps its volume and --lake.
    const local = podOf(pipelineWith({ job: { lakeVolume: { claimName: 'lake' } } }));
    expect(local.volumes.map((v) => v.name)).toEqual(['spec', 'lake', 'tmp']);
    expect(local.containers[0]!.args).toContain('--lake');
  });

  it('maps the spec’s credentials Secret to the AWS key variables by reference, in every step', () => {
    const p = s3Lake({ credentialsSecret: { name: 'lake-creds' } });
    for (const step of STEP_NAMES) {
      expect(awsEnv(podOf(p, step))).toEqual([
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: fromSecret('lake-creds', 'AWS_ACCESS_KEY_ID') },
        { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: fromSecret('lake-creds', 'AWS_SECRET_ACCESS_KEY') },
        {
          name: 'AWS_SESSION_TOKEN',
          valueFrom: { secretKeyRef: { name: 'lake-creds', key: 'AWS_SESSION_TOKEN', optional: true } },
        },
      ]);
    }
  });

  it('falls back to the operator’s endpoint, region and Secret; the spec’s Secret wins over the default', () => {
    const defaults = {
      endpoint: 'http://seaweedfs:8333',
      region: 'eu-west-1',
      credentialsSecret: 'default-creds',
    };
    const env = awsEnv(podOf(s3Lake(), 'silver', defaults));
    expect(env.slice(0, 2)).toEqual([
      { name: 'AWS_ENDPOINT_URL_S3', value: 'http://seaweedfs:8333' },
      { name: 'AWS_REGION', value: 'eu-west-1' },
    ]);
    expect(env.find((e) => e.name === 'AWS_ACCESS_KEY_ID')?.valueFrom).toEqual(
      fromSecret('default-creds', 'AWS_ACCESS_KEY_ID'),
    );
    const own = awsEnv(podOf(s3Lake({ credentialsSecret: { name: 'mine' } }), 'silver', defaults));
    expect(new Set(own.filter((e) => e.valueFrom).map((e) => e.valueFrom?.secretKeyRef?.name))).toEqual(
      new Set(['mine']),
    );
  });

  it('sets no credentials without a Secret (IRSA / workload identity), and nothing at all for local URIs', () => {
    expect(awsEnv(podOf(s3Lake()))).toEqual([]);
    expect(awsEnv(podOf(s3Lake(), 'bronze', { region: 'us-east-2' }))).toEqual([
      { name: 'AWS_REGION', value: 'us-east-2' },
    ]);
    const defaults = { endpoint: 'http://s3:8333', credentialsSecret: 'default-creds' };
    expect(awsEnv(podOf(pipelineWith({}), 'bronze', defaults))).toEqual([]);
  });

  it('gives credentials to a local lake whose source is in a bucket (spec or run parameter)', () => {
    const p = pipelineWith({
      source: { uri: 's3://raw/retail/', s3: { credentialsSecret: { name: 'raw-creds' } } },
      job: { lakeVolume: { claimName: 'lake' } },
    });
    const pod = podOf(p);
    expect(pod.volumes.map((v) => v.name)).toEqual(['spec', 'lake', 'tmp']);
    expect(awsEnv(pod).map((e) => e.valueFrom?.secretKeyRef?.name)).toEqual([
      'raw-creds',
      'raw-creds',
      'raw-creds',
    ]);
    const byParameter = {
      ...run,
      spec: PipelineRunSpecSchema.parse({
        pipelineRef: { name: 'retail' },
        parameters: { sourceUri: 's3://raw/2011-12/' },
      }),
    };
    const job = buildStepJob(byParameter, pipelineWith({}), 'bronze', 1, 'img', { credentialsSecret: 'd' });
    const env = (job.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!.env;
    expect(env.some((e) => e.name === 'AWS_ACCESS_KEY_ID')).toBe(true);
  });
});

describe('buildStepJob: a file-triggered run', () => {
  const triggered = (files: unknown): PipelineRunObject => ({
    ...run,
    metadata: { ...run.metadata, annotations: { [TRIGGER_FILES_ANNOTATION]: JSON.stringify(files) } },
  });
  const argsOf = (r: PipelineRunObject, step: string): string[] =>
    (
      buildStepJob(r, pipelineWith({}), step, 1, 'img').spec as {
        template: { spec: { containers: { args: string[] }[] } };
      }
    ).template.spec.containers[0]!.args;
  const filesArg = (args: string[]) =>
    args.includes('--files') ? args[args.indexOf('--files') + 1] : undefined;

  it('passes the claimed files to bronze only, and nothing for an untriggered run', () => {
    const r = triggered(['2011/a.csv', 'b.csv']);
    expect(filesArg(argsOf(r, 'bronze'))).toBe('2011/a.csv,b.csv');
    expect(buildSpecConfigMap(r, pipelineWith({})).data[FILES_LIST_KEY]).toBeUndefined();
    for (const step of ['silver', 'gold', 'warehouse']) expect(filesArg(argsOf(r, step))).toBeUndefined();
    expect(filesArg(argsOf(run, 'bronze'))).toBeUndefined();
    // An annotation that is not a list of names (hand-edited) claims nothing, as for the trigger poller.
    for (const bad of [{ a: 1 }, [], [1]]) expect(filesArg(argsOf(triggered(bad), 'bronze'))).toBeUndefined();
  });

  it('passes a list too long for one argument (or one that a comma list cannot carry) through the spec ConfigMap', () => {
    const long = Array.from({ length: 100 }, (_, i) => `${'d/'.repeat(200)}file-${i}.csv`);
    expect(long.join(',').length).toBeGreaterThan(INLINE_FILES_LIMIT);
    for (const files of [long, ['a,1.csv', 'b.csv'], ['@home.csv']]) {
      const r = triggered(files);
      const arg = filesArg(argsOf(r, 'bronze'))!;
      expect(arg).toBe(`@/etc/medallion/${FILES_LIST_KEY}`);
      expect(arg.length).toBeLessThan(100);
      const cm = buildSpecConfigMap(r, pipelineWith({}));
      expect(cm.data[FILES_LIST_KEY]!.trimEnd().split('\n')).toEqual(files);
      // The Job mounts that ConfigMap where the argument points.
      const spec = buildStepJob(r, pipelineWith({}), 'bronze', 1, 'img').spec as {
        template: { spec: { volumes: { name: string; configMap?: { name: string } }[] } };
      };
      expect(spec.template.spec.volumes).toContainEqual({
        name: 'spec',
        configMap: { name: cm.metadata.name },
      });
    }
  });
});
