import type { KubeRest } from './kube-rest.js';
import { pollNewObjects } from './poll-new-objects.js';
import { terminatedPodStatus } from './terminated-pod-status.js';

/**
 * Stands in for kubelet and the Job controller on a control plane that has neither: for every new step Job it starts
 * the Job, creates its Pod (Running), asks the script for the container's outcome (a canned one, or a real execution
 * as in runner-container.ts), writes the termination message into the Pod's status and marks the Job Complete or
 * Failed, the way Kubernetes ≥ 1.32 requires (startTime, then SuccessCriteriaMet/FailureTarget before Complete/Failed).
 */

export interface StepOutcome {
  ok: boolean;
  /** Termination message (the runner's step report JSON, or a log tail). */
  message?: string;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
}

export interface PodSpec {
  containers: Container[];
  volumes?: {
    name: string;
    configMap?: { name: string };
    persistentVolumeClaim?: { claimName: string };
    emptyDir?: object;
  }[];
  [k: string]: unknown;
}

export interface JobToRun {
  name: string;
  step: string;
  attempt: number;
  pod: PodSpec;
}

export type Script = (job: JobToRun) => StepOutcome | 'hang' | Promise<StepOutcome | 'hang'>;

interface Job {
  metadata: { name: string; uid: string; labels: Record<string, string> };
  spec: { template: { spec: PodSpec } };
  status?: { conditions?: unknown[]; startTime?: string };
}

export interface ExecutorOptions {
  /**
   * Complete the Job first and write the Pod's final status (the report) this many ms later: the order in which an
   * operator's separate Job and Pod watches may deliver them, even though kubelet writes the Pod first.
   */
  podStatusLagMs?: number;
}

export function startFakeJobExecutor(
  api: KubeRest,
  namespace: string,
  script: Script,
  options: ExecutorOptions = {},
) {
  const executed: string[] = [];
  const ts = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  async function execute(job: Job) {
    const { name, labels, uid } = job.metadata;
    executed.push(name);
    const jobPath = `/apis/batch/v1/namespaces/${namespace}/jobs/${name}/status`;
    const patch = (path: string, body: unknown) =>
      api.call('PATCH', path, body, 'application/merge-patch+json');
    const started = ts();
    const run = await patch(jobPath, { status: { startTime: started, active: 1 } });
    if (run.status !== 200) throw new Error(`start ${name}: ${JSON.stringify(run.body)}`);

    const podName = `${name}-pod`;
    const pod = await api.call('POST', `/api/v1/namespaces/${namespace}/pods`, {
      metadata: {
        name: podName,
        labels: { ...labels, 'batch.kubernetes.io/job-name': name, 'job-name': name },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid, controller: true }],
      },
      spec: { ...job.spec.template.spec, nodeName: 'fake-node' },
    });
    if (pod.status !== 201) throw new Error(`pod ${podName}: ${JSON.stringify(pod.body)}`);
    const image = job.spec.template.spec.containers[0]?.image ?? '';
    const podStatusPath = `/api/v1/namespaces/${namespace}/pods/${podName}/status`;
    const running = await patch(podStatusPath, { status: { phase: 'Running', startTime: started } });
    if (running.status !== 200) throw new Error(`pod running ${podName}: ${JSON.stringify(running.body)}`);

    const outcome = await script({
      name,
      step: labels['medallion.dev/step'] ?? '',
      attempt: Number(labels['medallion.dev/attempt']),
      pod: job.spec.template.spec,
    });
    if (outcome === 'hang') return;
    const writePodStatus = () =>
      patch(podStatusPath, {
        status: terminatedPodStatus({
          name: 'step',
          image,
          ok: outcome.ok,
          message: outcome.message,
          startedAt: started,
          finishedAt: ts(),
        }),
      });
    const podStatusWritten = async () => {
      const podStatus = await writePodStatus();
      if (podStatus.status !== 200)
        throw new Error(`pod status ${podName}: ${JSON.stringify(podStatus.body)}`);
    };
    if (options.podStatusLagMs === undefined) await podStatusWritten();

    const done = ts();
    const cond = (type: string, reason: string) => ({
      type,
      status: 'True',
      reason,
      message: '',
      lastProbeTime: done,
      lastTransitionTime: done,
    });
    const final = outcome.ok
      ? {
          active: 0,
          succeeded: 1,
          completionTime: done,
          conditions: [
            cond('SuccessCriteriaMet', 'CompletionsReached'),
            cond('Complete', 'CompletionsReached'),
          ],
        }
      : {
          active: 0,
          failed: 1,
          conditions: [cond('FailureTarget', 'BackoffLimitExceeded'), cond('Failed', 'BackoffLimitExceeded')],
        };
    const res = await patch(jobPath, { status: { startTime: started, ...final } });
    if (res.status !== 200) throw new Error(`finish ${name}: ${JSON.stringify(res.body)}`);
    if (options.podStatusLagMs !== undefined) {
      await new Promise((r) => setTimeout(r, options.podStatusLagMs));
      await podStatusWritten();
    }
  }

  const poller = pollNewObjects({
    list: async () =>
      ((
        await api.call('GET', `/apis/batch/v1/namespaces/${namespace}/jobs?labelSelector=medallion.dev%2Frun`)
      ).body.items as Job[] | undefined) ?? [],
    handle: execute,
  });
  return { executed, errors: poller.errors, stop: poller.stop };
}
