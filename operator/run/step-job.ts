import { stringify } from 'yaml';
import { LABELS, boundedName, labelValue } from '../core/names.js';
import { ownerReference, type PipelineObject, type PipelineRunObject } from '../core/resources.js';
import { requestedDateSet } from '../spec/run-partitions.js';
import { claimedFiles, filesArgs, filesNeedList, FILES_LIST_KEY } from './trigger-files-arg.js';

/** Kueue's label: Jobs carrying it are admitted (un-suspended) by Kueue's job integration. */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';

/** Builds the Kubernetes objects of one run: the pipeline-spec snapshot ConfigMap and one Job per step attempt. */

const SPEC_MOUNT = '/etc/medallion';
const SPEC_FILE = 'pipeline.yaml';
const DEFAULT_LAKE_MOUNT = '/var/lib/medallion/lake';
/** The image's user (Dockerfile). */
const STEP_UID = 10001;

/**
 * Restricted Pod Security Standard. The fsGroup makes the kubelet give a fresh lake volume (and its new files) to the
 * image's group, so steps can write it without a one-off chown; the root filesystem is read-only, /tmp an emptyDir.
 */
const stepPodSecurity = () => ({
  runAsNonRoot: true,
  runAsUser: STEP_UID,
  runAsGroup: STEP_UID,
  fsGroup: STEP_UID,
  seccompProfile: { type: 'RuntimeDefault' },
});

export interface JobManifest {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: ReturnType<typeof ownerReference>[];
  };
  spec: Record<string, unknown>;
}

export interface ConfigMapManifest {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: JobManifest['metadata'];
  data: Record<string, string>;
}

const stepJobName = (run: string, step: string, attempt: number) => boundedName([run, step, attempt]);
const specConfigMapName = (run: string) => boundedName([run, 'spec']);

function runLabels(run: PipelineRunObject): Record<string, string> {
  return {
    [LABELS.partOf]: 'medallion',
    [LABELS.managedBy]: 'medallion-operator',
    [LABELS.pipeline]: labelValue(run.spec.pipelineRef.name),
    [LABELS.run]: labelValue(run.metadata.name),
  };
}

/**
 * The pipeline spec as the runner reads it (`medallion run -f`), frozen when the run starts so every step of one run
 * sees the same spec even if the Pipeline is edited meanwhile. `job` is the operator's business, not the runner's.
 */
export function buildSpecConfigMap(run: PipelineRunObject, pipeline: PipelineObject): ConfigMapManifest {
  const runnerSpec: Partial<PipelineObject['spec']> = { ...pipeline.spec };
  delete runnerSpec.job;
  const doc = {
    apiVersion: pipeline.apiVersion,
    kind: 'Pipeline',
    metadata: { name: pipeline.metadata.name },
    spec: runnerSpec,
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: specConfigMapName(run.metadata.name),
      namespace: run.metadata.namespace,
      labels: runLabels(run),
      ownerReferences: [ownerReference(run)],
    },
    data: { [SPEC_FILE]: stringify(doc), ...filesListData(run) },
  };
}

/** A triggered run's claimed files, one a line, when they are too many (or too odd) to pass inline. */
function filesListData(run: PipelineRunObject): Record<string, string> {
  const files = claimedFiles(run);
  return files && filesNeedList(files) ? { [FILES_LIST_KEY]: files.join('\n') + '\n' } : {};
}

/** The search step reads its Typesense API key from the env var the spec names; a secretRef fills it. */
function searchKeyEnv(pipeline: PipelineObject, step: string) {
  const typesense = pipeline.spec.search?.typesense;
  if (step !== 'search' || !typesense?.secretRef) return [];
  const { name, key } = typesense.secretRef;
  return [{ name: typesense.apiKeyFromEnv, valueFrom: { secretKeyRef: { name, key } } }];
}

/**
 * The runner reads the warehouse URL from the env var the spec names (`urlFromEnv`); a secretRef fills it. Every
 * step gets it, not only warehouse and search: each `medallion run` records its run in the warehouse's run_history.
 * A literal `url` takes precedence in the runner, so the Secret is then not needed and not referenced.
 */
function warehouseUrlEnv(pipeline: PipelineObject) {
  // Optional at runtime: a Pipeline stored before the CRD defaulted `warehouse` has none.
  const warehouse = pipeline.spec.warehouse as typeof pipeline.spec.warehouse | undefined;
  if (!warehouse?.secretRef || warehouse.url) return [];
  const { name, key } = warehouse.secretRef;
  return [{ name: warehouse.urlFromEnv, valueFrom: { secretKeyRef: { name, key } } }];
}

/**
 * The operator's defaults for object-store pipelines (the chart's `stepJobs.s3` values), used where the Pipeline's
 * spec says nothing. The spec's own endpoint and region reach the runner through the spec ConfigMap and win there.
 */
export interface StepS3Defaults {
  endpoint?: string;
  region?: string;
  /** A Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for Pipelines that name none. */
  credentialsSecret?: string;
}

// Not runner/storage's isS3Uri: that module loads the AWS SDK, which the operator never needs.
const isS3 = (uri: string | undefined) => uri?.startsWith('s3://') ?? false;

/** The lake is a bucket: step Pods share nothing but it, so they get no lake volume. */
export const lakeOnObjectStore = (pipeline: PipelineObject) =>
  isS3((pipeline.spec.lake as typeof pipeline.spec.lake | undefined)?.uri);

/**
 * The standard AWS variables for a Pipeline that reads or writes s3:// URIs. Credentials come from the Secret the
 * spec names (the lake's, else the source's), else the operator's default Secret; with neither, nothing is set and
 * the SDK's chain applies — on EKS the web-identity variables that IRSA injects into Pods of an annotated
 * ServiceAccount (GKE/AKS workload identity likewise). Secret values never enter the Job object, only references.
 */
function objectStoreEnv(run: PipelineRunObject, pipeline: PipelineObject, defaults: StepS3Defaults) {
  const sourceUri = run.spec.parameters.sourceUri ?? pipeline.spec.source.uri;
  if (!lakeOnObjectStore(pipeline) && !isS3(sourceUri)) return [];
  const env: { name: string; value?: string; valueFrom?: object }[] = [];
  if (defaults.endpoint) env.push({ name: 'AWS_ENDPOINT_URL_S3', value: defaults.endpoint });
  if (defaults.region) env.push({ name: 'AWS_REGION', value: defaults.region });
  const secret =
    pipeline.spec.lake.s3.credentialsSecret?.name ??
    pipeline.spec.source.s3.credentialsSecret?.name ??
    defaults.credentialsSecret;
  if (secret) {
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      env.push({ name: key, valueFrom: { secretKeyRef: { name: secret, key } } });
    // Temporary credentials only: a Secret with long-lived keys has no token, and the Pod must still start.
    env.push({
      name: 'AWS_SESSION_TOKEN',
      valueFrom: { secretKeyRef: { name: secret, key: 'AWS_SESSION_TOKEN', optional: true } },
    });
  }
  return env;
}

/** One entry per name, the last one winning (the spec's secretRefs over `job.env` entries of the same name). */
const lastByName = <T extends { name: string }>(entries: T[]): T[] =>
  entries.filter((e, i) => !entries.slice(i + 1).some((later) => later.name === e.name));

export function buildStepJob(
  run: PipelineRunObject,
  pipeline: PipelineObject,
  step: string,
  attempt: number,
  defaultImage: string,
  s3Defaults: StepS3Defaults = {},
  admission: { suspend?: boolean; queueName?: string } = {},
): JobManifest {
  const job = pipeline.spec.job;
  const labels = {
    ...runLabels(run),
    ...(admission.queueName !== undefined ? { [KUEUE_QUEUE_LABEL]: admission.queueName } : {}),
    [LABELS.component]: 'step',
    [LABELS.step]: step,
    [LABELS.attempt]: String(attempt),
  };
  const objectStoreLake = lakeOnObjectStore(pipeline);
  const lakeMount = job.lakeVolume?.mountPath ?? DEFAULT_LAKE_MOUNT;
  // With an s3:// lake the runner takes the spec's lake URI; --lake would point it at a local directory instead.
  const args = ['run', '-f', `${SPEC_MOUNT}/${SPEC_FILE}`, '--steps', step];
  if (!objectStoreLake) args.push('--lake', lakeMount);
  args.push('--quiet');
  args.push('--termination-log', '/dev/termination-log');
  if (run.spec.parameters.sourceUri) args.push('--source-uri', run.spec.parameters.sourceUri);
  // Optional at runtime: a run stored before the CRD had spec.partitions has none.
  if (run.spec.partitions) args.push('--partitions', requestedDateSet(run.spec.partitions));
  // A file-triggered run ingests only the files its trigger saw settled (operator/run/trigger-files-arg.ts).
  const files = step === 'bronze' ? claimedFiles(run) : undefined;
  if (files) args.push(...filesArgs(files, SPEC_MOUNT));

  const env = lastByName([
    { name: 'MEDALLION_RUN_ID', value: run.metadata.name },
    { name: 'MEDALLION_LOG_FORMAT', value: 'json' },
    ...job.env.map((e) =>
      e.value !== undefined
        ? { name: e.name, value: e.value }
        : e.secretKeyRef
          ? { name: e.name, valueFrom: { secretKeyRef: e.secretKeyRef } }
          : { name: e.name, valueFrom: { configMapKeyRef: e.configMapKeyRef } },
    ),
    ...objectStoreEnv(run, pipeline, s3Defaults),
    ...warehouseUrlEnv(pipeline),
    ...searchKeyEnv(pipeline, step),
  ]);
  const envFrom = job.envFrom.map((e) => ({
    ...(e.prefix ? { prefix: e.prefix } : {}),
    ...(e.secretRef ? { secretRef: { name: e.secretRef } } : { configMapRef: { name: e.configMapRef } }),
  }));
  const lakeVolumes = objectStoreLake
    ? []
    : [
        job.lakeVolume
          ? { name: 'lake', persistentVolumeClaim: { claimName: job.lakeVolume.claimName } }
          : { name: 'lake', emptyDir: {} },
      ];
  const lakeMounts = objectStoreLake
    ? []
    : [
        {
          name: 'lake',
          mountPath: lakeMount,
          ...(job.lakeVolume?.subPath ? { subPath: job.lakeVolume.subPath } : {}),
        },
      ];

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: stepJobName(run.metadata.name, step, attempt),
      namespace: run.metadata.namespace,
      labels,
      ownerReferences: [ownerReference(run)],
    },
    spec: {
      // Retries are the operator's (a new Job per attempt, with its own backoff and status), not the Job's.
      backoffLimit: 0,
      // Created suspended for Kueue (or a suspended run): the Job controller makes no Pod until it is false.
      ...(admission.suspend ? { suspend: true } : {}),
      activeDeadlineSeconds: run.spec.timeouts.stepSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(job.serviceAccountName ? { serviceAccountName: job.serviceAccountName } : {}),
          ...(job.nodeSelector ? { nodeSelector: job.nodeSelector } : {}),
          securityContext: stepPodSecurity(),
          containers: [
            {
              name: 'step',
              image: job.image ?? defaultImage,
              imagePullPolicy: job.imagePullPolicy,
              args,
              env,
              ...(envFrom.length ? { envFrom } : {}),
              resources: job.resources,
              // The runner writes its step report there; on a crash the log tail is the next best message.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'spec', mountPath: SPEC_MOUNT, readOnly: true },
                ...lakeMounts,
                // With an s3:// lake this is also the runner's local scratch (staging before upload).
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'spec', configMap: { name: specConfigMapName(run.metadata.name) } },
            ...lakeVolumes,
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}
