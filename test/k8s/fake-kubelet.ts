import type { Script } from './fake-job-executor.js';
import type { KubeRest } from './kube-rest.js';
import { pollNewObjects } from './poll-new-objects.js';
import { terminatedPodStatus } from './terminated-pod-status.js';

/**
 * Stands in for the scheduler and kubelet next to a real kube-controller-manager: for each Pod the Job controller
 * creates for a step Job, it binds the Pod to a node name, marks it Running, asks the script for the container's
 * outcome and writes the terminated state (exit code and termination message) with phase Succeeded or Failed, the
 * way kubelet reports a finished container. The Job's status (succeeded/failed counts, SuccessCriteriaMet,
 * Complete, completionTime) is then left to the real Job controller.
 */

interface Pod {
  metadata: { name: string; uid: string; labels: Record<string, string> };
  spec: { nodeName?: string; containers: { name: string; image: string; args?: string[] }[] };
  status?: { phase?: string };
}

export function startFakeKubelet(api: KubeRest, namespace: string, script: Script) {
  const executed: string[] = [];
  const ts = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;
  const must = async (what: string, res: Promise<{ status: number; body: unknown }>) => {
    const r = await res;
    if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };

  async function run(pod: Pod) {
    const { name, labels } = pod.metadata;
    const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'] ?? '';
    executed.push(job);
    await must(
      `bind ${name}`,
      api.call('POST', `${podsPath}/${name}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name },
        target: { apiVersion: 'v1', kind: 'Node', name: 'fake-node' },
      }),
    );
    const started = ts();
    const container = pod.spec.containers[0];
    const patchStatus = (status: object) =>
      must(
        `status ${name}`,
        api.call('PATCH', `${podsPath}/${name}/status`, { status }, 'application/merge-patch+json'),
      );
    await patchStatus({ phase: 'Running', startTime: started });
    const outcome = await script({
      name: job,
      step: labels['medallion.dev/step'] ?? '',
      attempt: Number(labels['medallion.dev/attempt']),
      pod: pod.spec as never,
    });
    if (outcome === 'hang') return;
    await patchStatus(
      terminatedPodStatus({
        name: container?.name ?? 'step',
        image: container?.image ?? '',
        ok: outcome.ok,
        message: outcome.message,
        startedAt: started,
        finishedAt: ts(),
      }),
    );
  }

  const poller = pollNewObjects({
    list: async () =>
      ((await api.call('GET', `${podsPath}?labelSelector=medallion.dev%2Frun`)).body.items as
        Pod[] | undefined) ?? [],
    skip: (pod) => Boolean(pod.spec.nodeName),
    handle: run,
  });
  return { executed, errors: poller.errors, stop: poller.stop };
}
