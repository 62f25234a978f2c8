import {
  SPARK_CORRECTNESS_CONF,
  SPARK_DRIVER_IMAGE_PATH,
} from '../../runner/engine/spark/spark-correctness-conf.js';
import { buildStepJob, type JobManifest, type StepS3Defaults } from './step-job.js';
import { sparkEngineOf, sparkMemory, type SparkEngineSpec } from './spark-engine.js';

/**
 * Builds the SparkApplication (Kubeflow Spark Operator, sparkoperator.k8s.io/v1beta2) that runs one Spark step
 * attempt in place of its Job. It is derived from the step Job itself, so name, labels, owner, command line, env,
 * volumes and service account are the Job's by construction: the driver program (a thin PySpark executor of the
 * generated SQL) runs the very step command the Job's container would, with `--exec -- <command>`, and the step
 * connects to it instead of starting Spark itself.
 */

export const SPARK_API_VERSION = 'sparkoperator.k8s.io/v1beta2';
export const SPARK_PLURAL = 'sparkapplications';
/** The PySpark driver inside the Medallion image (dist/runner/engine/spark, copied there by `npm run build`). */
export const SPARK_DRIVER_FILE = `local://${SPARK_DRIVER_IMAGE_PATH}`;
/** The image's entrypoint (Dockerfile), spelled out: a Spark image's own entrypoint starts the driver instead. */
export const STEP_COMMAND = ['node', '/app/bin/medallion.js'];
/** The Spark version the Medallion Spark image carries (pyspark from PyPI, as the local engine pins). */
export const SPARK_VERSION = '4.2.1';
/** Spark's name for the driver container: the step report is its termination message. */
export const DRIVER_CONTAINER = 'spark-kubernetes-driver';
export const EXECUTOR_CONTAINER = 'spark-kubernetes-executor';

/**
 * What Spark needs to produce DuckDB's results: the correctness settings the local engine runs with too (one list,
 * runner/engine/spark/spark-correctness-conf.ts), without the local engine's loopback-only ones (a cluster driver
 * must be reachable by its executors). `engine.spark.conf` comes after.
 */
export const BASE_SPARK_CONF: Readonly<Record<string, string>> = SPARK_CORRECTNESS_CONF;

export interface SparkApplicationManifest {
  apiVersion: typeof SPARK_API_VERSION;
  kind: 'SparkApplication';
  metadata: JobManifest['metadata'];
  spec: Record<string, unknown>;
}

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  args: string[];
  env: object[];
  envFrom?: object[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  securityContext: object;
  containers: Container[];
  volumes: object[];
}

/** Cores, memory; `undefined` fields left to the Spark Operator's defaults (1 core, 1g). */
function resources(r: SparkEngineSpec['driver']) {
  return {
    ...(r?.cores !== undefined ? { cores: r.cores } : {}),
    ...(r?.memory !== undefined ? { memory: sparkMemory(r.memory) } : {}),
  };
}

export function buildSparkApplication(
  run: Parameters<typeof buildStepJob>[0],
  pipeline: Parameters<typeof buildStepJob>[1],
  step: string,
  attempt: number,
  defaultImage: string,
  s3Defaults: StepS3Defaults = {},
  admission: { suspend?: boolean; queueName?: string } = {},
): SparkApplicationManifest {
  const job = buildStepJob(run, pipeline, step, attempt, defaultImage, s3Defaults, admission);
  const spark = sparkEngineOf(pipeline) ?? {};
  const pod = (job.spec.template as { spec: PodSpec }).spec;
  const step0 = pod.containers[0]!;
  // The Spark Operator copies the application's labels to its Pods, except Kueue's (Kueue admits the application).
  const labels = Object.fromEntries(
    Object.entries(job.metadata.labels).filter(([k]) => !k.startsWith('kueue.x-k8s.io/')),
  );
  // Spark writes below its working directory and SPARK_HOME: the root filesystem stays writable in Spark pods.
  const securityContext = { ...step0.securityContext, readOnlyRootFilesystem: false };
  const envFrom = step0.envFrom ? { envFrom: step0.envFrom } : {};
  // Pod templates (Spark ≥ 3) carry what the SparkApplication fields would leave to the Spark Operator's webhook:
  // env with secret references, envFrom, ConfigMap volumes, the report's termination-message policy.
  const template = (container: string, mounts: Container['volumeMounts'], fallbackToLogs: boolean) => ({
    spec: {
      securityContext: pod.securityContext,
      ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
      volumes: pod.volumes.filter((v) => mounts.some((m) => m.name === (v as { name: string }).name)),
      containers: [
        {
          name: container,
          env: step0.env,
          ...envFrom,
          volumeMounts: mounts,
          securityContext,
          ...(fallbackToLogs ? { terminationMessagePolicy: 'FallbackToLogsOnError' } : {}),
        },
      ],
    },
  });
  // Executors read and write the lake (an s3:// bucket, or a ReadWriteMany claim) but never the spec file.
  const executorMounts = step0.volumeMounts.filter((m) => m.name !== 'spec');
  const serviceAccount = pod.serviceAccountName ? { serviceAccount: pod.serviceAccountName } : {};
  const dynamic = spark.dynamicAllocation?.enabled === true;
  return {
    apiVersion: SPARK_API_VERSION,
    kind: 'SparkApplication',
    metadata: job.metadata,
    spec: {
      type: 'Python',
      pythonVersion: '3',
      mode: 'cluster',
      sparkVersion: SPARK_VERSION,
      image: spark.image ?? step0.image,
      ...(step0.imagePullPolicy ? { imagePullPolicy: step0.imagePullPolicy } : {}),
      mainApplicationFile: SPARK_DRIVER_FILE,
      arguments: ['--exec', '--', ...STEP_COMMAND, ...step0.args],
      sparkConf: { ...BASE_SPARK_CONF, ...spark.conf },
      // Retries are the operator's (a new application per attempt), as for Jobs.
      restartPolicy: { type: 'Never' },
      // Created suspended for Kueue or a suspended run, like the Job; the Spark Operator submits once it is false.
      ...(admission.suspend ? { suspend: true } : {}),
      ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
      driver: {
        ...resources(spark.driver),
        labels,
        ...serviceAccount,
        template: template(DRIVER_CONTAINER, step0.volumeMounts, true),
      },
      executor: {
        ...resources(spark.executor),
        ...(!dynamic && spark.executor?.instances !== undefined
          ? { instances: spark.executor.instances }
          : {}),
        labels,
        ...serviceAccount,
        template: template(EXECUTOR_CONTAINER, executorMounts, false),
      },
      ...(dynamic
        ? {
            dynamicAllocation: {
              enabled: true,
              ...(spark.dynamicAllocation?.minExecutors !== undefined
                ? { minExecutors: spark.dynamicAllocation.minExecutors }
                : {}),
              ...(spark.dynamicAllocation?.maxExecutors !== undefined
                ? { maxExecutors: spark.dynamicAllocation.maxExecutors }
                : {}),
            },
          }
        : {}),
    },
  };
}
