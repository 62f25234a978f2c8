import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../spec/pipeline-run.js';
import {
  BASE_SPARK_CONF,
  buildSparkApplication,
  SPARK_DRIVER_FILE,
  STEP_COMMAND,
} from './spark-application.js';
import { SPARK_CORRECTNESS_CONF } from '../../runner/engine/spark/spark-correctness-conf.js';
import { isSparkStep, sparkMemory } from './spark-engine.js';
import { buildStepJob } from './step-job.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifest JSON

const run: PipelineRunObject = {
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name: 'r1', namespace: 'shop', uid: 'uid-r', generation: 1 },
  spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' }, parameters: { sourceUri: '/in' } }),
};
/** A Pipeline as stored, `engine.type`/`engine.spark` added structurally (the runner's spec owns their schema). */
function sparkPipeline(spark: Obj | undefined, spec: Obj = {}): PipelineObject {
  const parsed = PipelineResourceSpecSchema.parse({ source: { uri: '/data' }, ...spec });
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'retail', namespace: 'shop', uid: 'uid-p' },
    spec: { ...parsed, engine: { ...parsed.engine, ...(spark ? { type: 'spark', spark } : {}) } },
  } as PipelineObject;
}

describe('buildSparkApplication', () => {
  const pipeline = sparkPipeline(
    {
      driver: { cores: 2, memory: '4GiB' },
      executor: { cores: 4, memory: '8g', instances: 3 },
      image: 'medallion-spark:1',
      conf: { 'spark.sql.shuffle.partitions': '64', 'spark.sql.session.timeZone': 'UTC' },
    },
    {
      lake: { uri: 's3://lake/retail' },
      job: { serviceAccountName: 'spark-driver', env: [{ name: 'TZ', value: 'UTC' }] },
    },
  );
  const app = buildSparkApplication(run, pipeline, 'silver', 2, 'medallion:1', { region: 'eu-west-1' });
  const job = buildStepJob(run, pipeline, 'silver', 2, 'medallion:1', { region: 'eu-west-1' });
  const spec = app.spec as Obj;

  it('takes the Job’s name, labels and owner: one per step attempt, owned by the run', () => {
    expect(app.apiVersion).toBe('sparkoperator.k8s.io/v1beta2');
    expect(app.kind).toBe('SparkApplication');
    expect(app.metadata).toEqual(job.metadata);
    expect(app.metadata.name).toBe('r1-silver-2');
    expect(app.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'PipelineRun', name: 'r1', uid: 'uid-r', controller: true }),
    ]);
  });

  it('runs the Job container’s exact command line under the PySpark driver', () => {
    const container = (job.spec as Obj).template.spec.containers[0];
    expect(spec.type).toBe('Python');
    expect(spec.mainApplicationFile).toBe(SPARK_DRIVER_FILE);
    expect(spec.sparkConf).toMatchObject(SPARK_CORRECTNESS_CONF);
    expect(spec.arguments).toEqual(['--exec', '--', ...STEP_COMMAND, ...container.args]);
    expect(spec.arguments).toContain('--termination-log');
    expect(spec.restartPolicy).toEqual({ type: 'Never' });
    expect(spec.image).toBe('medallion-spark:1');
  });

  it('sizes driver and executors from the spec, in Spark’s memory units', () => {
    expect(spec.driver).toMatchObject({ cores: 2, memory: '4g', serviceAccount: 'spark-driver' });
    expect(spec.executor).toMatchObject({
      cores: 4,
      memory: '8g',
      instances: 3,
      serviceAccount: 'spark-driver',
    });
    expect(spec.dynamicAllocation).toBeUndefined();
    expect(spec.sparkConf).toEqual({
      ...BASE_SPARK_CONF,
      'spark.sql.shuffle.partitions': '64',
    });
    expect(spec.sparkConf['spark.sql.decimalOperations.allowPrecisionLoss']).toBe('false');
  });

  it('gives driver and executors the Job’s env and volumes through pod templates', () => {
    const pod = (job.spec as Obj).template.spec as Obj;
    const driver = spec.driver.template.spec;
    const executor = spec.executor.template.spec;
    expect(driver.containers[0]).toMatchObject({
      name: 'spark-kubernetes-driver',
      env: pod.containers[0].env,
      volumeMounts: pod.containers[0].volumeMounts,
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(driver.volumes).toEqual(pod.volumes);
    expect(driver.securityContext).toEqual(pod.securityContext);
    expect(driver.containers[0].env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
    // Executors need the lake's credentials and scratch space, not the spec file.
    expect(executor.containers[0].env).toEqual(pod.containers[0].env);
    expect(executor.volumes.map((v: Obj) => v.name)).toEqual(['tmp']);
    expect(spec.driver.labels).toEqual(app.metadata.labels);
  });

  it('uses dynamic allocation instead of a fixed executor count when enabled', () => {
    const p = sparkPipeline({
      executor: { instances: 3 },
      dynamicAllocation: { enabled: true, minExecutors: 1, maxExecutors: 10 },
    });
    const s = buildSparkApplication(run, p, 'gold', 1, 'medallion:1').spec as Obj;
    expect(s.executor.instances).toBeUndefined();
    expect(s.dynamicAllocation).toEqual({ enabled: true, minExecutors: 1, maxExecutors: 10 });
    // No Spark image named: the step Job's image.
    expect(s.image).toBe('medallion:1');
  });

  it('mounts a local lake on driver and executors (which then needs a ReadWriteMany claim)', () => {
    const p = sparkPipeline({}, { job: { lakeVolume: { claimName: 'lake-rwx' } } });
    const s = buildSparkApplication(run, p, 'gold', 1, 'medallion:1').spec as Obj;
    expect(s.executor.template.spec.volumes).toContainEqual({
      name: 'lake',
      persistentVolumeClaim: { claimName: 'lake-rwx' },
    });
    expect(s.driver.template.spec.volumes.map((v: Obj) => v.name)).toEqual(['spec', 'lake', 'tmp']);
  });

  it('is created suspended for Kueue, whose queue label stays off the Pods', () => {
    const s = buildSparkApplication(
      run,
      sparkPipeline({}),
      'gold',
      1,
      'img',
      {},
      { suspend: true, queueName: 'q' },
    );
    expect(s.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('q');
    expect((s.spec as Obj).suspend).toBe(true);
    expect((s.spec as Obj).driver.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });
});

describe('spark engine spec', () => {
  it('silver and gold are Spark steps only with engine.type spark', () => {
    expect(['bronze', 'silver', 'gold', 'warehouse'].map((s) => isSparkStep(sparkPipeline({}), s))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(isSparkStep(sparkPipeline(undefined), 'silver')).toBe(false);
  });

  it('turns sizes into Spark’s units', () => {
    expect(['2GiB', '2Gi', '512MB', '512m', '1g', '3T'].map(sparkMemory)).toEqual([
      '2g',
      '2g',
      '512m',
      '512m',
      '1g',
      '3t',
    ]);
    expect(sparkMemory('lots')).toBe('lots');
  });
});

describe('the driver file in the image', () => {
  it('is where the image has it: /app is the image workdir, and the build copies the driver into dist/', () => {
    const root = new URL('../../', import.meta.url);
    const inImage = SPARK_DRIVER_FILE.replace(/^local:\/\/\/app\//, '');
    expect(inImage).toBe('dist/runner/engine/spark/medallion-spark-driver.py');
    // The build script copies the driver to exactly that path, and the runtime stage copies dist/ to /app/dist.
    const build = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as Obj).scripts
      .build as string;
    expect(build).toContain(`'${inImage}'`);
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(STEP_COMMAND).toEqual(['node', '/app/bin/medallion.js']);
    expect(dockerfile).toMatch(/^COPY bin \.\/bin$/m);
  });
});
