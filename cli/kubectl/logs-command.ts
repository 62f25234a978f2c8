import type { KubeObject } from '../../operator/kube/kube-client.js';
import { KubeError } from '../../operator/kube/kube-client.js';
import { MedallionError, UsageError } from '../../runner/errors.js';
import { EXIT } from '../cli-io.js';
import type { PluginCommand } from './plugin-command.js';
import { getRun } from './plugin-data.js';
import { render } from './output.js';

/** The step Jobs' container name (operator/run/step-job.ts). */
const CONTAINER = 'step';
/** A Spark step's driver Pod: named by the Spark Operator, labelled with its SparkApplication (the step's jobName). */
const SPARK_DRIVER_CONTAINER = 'spark-kubernetes-driver';
const sparkDriverSelector = (app: string) => `sparkoperator.k8s.io/app-name=${app},spark-role=driver`;

interface PodMeta {
  metadata: { name: string; creationTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/**
 * `logs RUN [--step S]`: the log of the step's Pod (its latest attempt's Job), read through the apiserver's
 * pods/log endpoint, which asks the kubelet of the Pod's node; so it works while the node keeps the Pod.
 */
export const logsCommand: PluginCommand['run'] = async (values, [name], ctx) => {
  const kube = ctx.kube();
  const run = await getRun(kube, name!);
  const steps = run.status?.steps ?? [];
  const wanted = values.step as string | undefined;
  const step = wanted
    ? steps.find((s) => s.name === wanted)
    : (steps.find((s) => s.name === run.status?.currentStep) ?? steps.filter((s) => s.jobName).at(-1));
  if (wanted && !step) {
    throw new UsageError(
      `run ${name} has no step "${wanted}"`,
      `Its steps: ${steps.map((s) => s.name).join(', ') || 'none yet (the run has not started)'}.`,
    );
  }
  if (!step?.jobName) {
    throw new MedallionError('NOT_FOUND', `run ${name}${step ? `, step ${step.name},` : ''} has no Job yet`, {
      hint: `The run is ${run.status?.phase ?? 'Pending'}; wait until a step starts (kubectl medallion runs).`,
    });
  }
  const tail = values.tail === undefined ? undefined : Number(values.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new UsageError(`--tail ${String(values.tail)} is not a line count`, 'Use a whole number.');
  }
  const listPods = async (selector: string) =>
    (await kube.client.list<KubeObject>(kube.collection('pods'), selector)).items as unknown as PodMeta[];
  let pods = await listPods(`batch.kubernetes.io/job-name=${step.jobName}`);
  let container = CONTAINER;
  // A Spark step runs as a SparkApplication of the same name: its log is the driver's (the runner is its child).
  if (pods.length === 0) {
    pods = await listPods(sparkDriverSelector(step.jobName));
    if (pods.length > 0) container = SPARK_DRIVER_CONTAINER;
  }
  const pod = pods.sort((a, b) =>
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
  )[0];
  if (!pod) {
    throw new MedallionError(
      'NOT_FOUND',
      `step ${step.name} of run ${name}: the Pod of Job ${step.jobName} is gone`,
      {
        hint: 'Finished Jobs and their Pods are deleted after their TTL; the step message is in kubectl medallion runs -o yaml.',
      },
    );
  }
  let log: string;
  try {
    log = await kube.podLog(pod.metadata.name, {
      container,
      ...(tail === undefined ? {} : { tailLines: tail }),
      insecureSkipTLSVerifyBackend: values['insecure-skip-tls-verify-backend'] === true,
    });
  } catch (e) {
    if (!(e instanceof KubeError)) throw e;
    throw new MedallionError(
      'KUBE_API',
      `cannot read the log of pod ${pod.metadata.name} (step ${step.name}): ${e.message}`,
      {
        hint: pod.spec?.nodeName
          ? `The apiserver reads logs from the kubelet of node ${pod.spec.nodeName}; check that the node is Ready and reachable (kubectl get node ${pod.spec.nodeName}).`
          : 'The Pod is not scheduled to a node yet; try again when it runs.',
      },
    );
  }
  const text = log.endsWith('\n') ? log.slice(0, -1) : log;
  ctx.io.out(
    render(
      ctx.config.output,
      { run: name, step: step.name, pod: pod.metadata.name, container, log },
      () => text,
    ),
  );
  return EXIT.ok;
};
