import type { StepOutcome } from './fake-job-executor.js';
import type { KubeRest } from './kube-rest.js';
import { pollNewObjects } from './poll-new-objects.js';
import { terminatedPodStatus } from './terminated-pod-status.js';

/**
 * Stands in for the Kubeflow Spark Operator (and the kubelet) on a control plane that has neither: for every new
 * SparkApplication it moves `status.applicationState` through SUBMITTED and RUNNING, creates the driver Pod the way
 * the Spark Operator does (the application's labels, spark-role=driver, the app-name label, the driver pod template's
 * container named spark-kubernetes-driver), asks the script for the driver's outcome, writes the termination message
 * into the Pod's status, and finishes the application COMPLETED or FAILED. It runs nothing: the script's canned
 * outcome is the driver's.
 */

export interface SparkAppToRun {
  name: string;
  step: string;
  attempt: number;
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the application's spec
}

export type SparkScript = (app: SparkAppToRun) => StepOutcome | 'hang' | Promise<StepOutcome | 'hang'>;

interface SparkApplication {
  metadata: { name: string; uid: string; labels: Record<string, string> };
  spec: SparkAppToRun['spec'];
}

export function startFakeSparkOperator(
  api: KubeRest,
  namespace: string,
  script: SparkScript,
  /** Finish the application first and write the driver Pod's final status (the report) this many ms later. */
  options: { podStatusLagMs?: number } = {},
) {
  const executed: string[] = [];
  const ts = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const patch = (path: string, body: unknown) =>
    api.call('PATCH', path, body, 'application/merge-patch+json');
  const ok = (what: string, res: { status: number; body: unknown }, expected = 200) => {
    if (res.status !== expected)
      throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  };

  async function execute(app: SparkApplication) {
    const { name, labels, uid } = app.metadata;
    executed.push(name);
    const appStatus = `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${namespace}/sparkapplications/${name}/status`;
    const podName = `${name}-driver`;
    const submitted = ts();
    const state = (s: string, extra: object = {}) =>
      patch(appStatus, {
        status: {
          applicationState: { state: s },
          driverInfo: { podName },
          lastSubmissionAttemptTime: submitted,
          submissionAttempts: 1,
          ...extra,
        },
      });
    ok(`submit ${name}`, await state('SUBMITTED'));

    const template = app.spec.driver.template.spec;
    const pod = await api.call('POST', `/api/v1/namespaces/${namespace}/pods`, {
      metadata: {
        name: podName,
        labels: {
          ...labels,
          ...app.spec.driver.labels,
          'spark-role': 'driver',
          'sparkoperator.k8s.io/app-name': name,
          'sparkoperator.k8s.io/launched-by-spark-operator': 'true',
        },
        ownerReferences: [
          {
            apiVersion: 'sparkoperator.k8s.io/v1beta2',
            kind: 'SparkApplication',
            name,
            uid,
            controller: true,
          },
        ],
      },
      spec: {
        ...template,
        nodeName: 'fake-node',
        containers: template.containers.map((c: object) => ({
          ...c,
          image: app.spec.image,
          args: ['driver'],
        })),
      },
    });
    ok(`driver pod ${podName}`, pod, 201);
    const podStatus = `/api/v1/namespaces/${namespace}/pods/${podName}/status`;
    ok(
      `driver running ${podName}`,
      await patch(podStatus, { status: { phase: 'Running', startTime: submitted } }),
    );
    ok(`run ${name}`, await state('RUNNING'));

    const outcome = await script({
      name,
      step: labels['medallion.dev/step'] ?? '',
      attempt: Number(labels['medallion.dev/attempt']),
      spec: app.spec,
    });
    if (outcome === 'hang') return;
    const finished = ts();
    const terminated = terminatedPodStatus({
      name: 'spark-kubernetes-driver',
      image: String(app.spec.image),
      ok: outcome.ok,
      message: outcome.message,
      startedAt: submitted,
      finishedAt: finished,
    });
    const writeReport = async () =>
      ok(`driver terminated ${podName}`, await patch(podStatus, { status: terminated }));
    if (options.podStatusLagMs === undefined) await writeReport();
    ok(
      `finish ${name}`,
      await state(outcome.ok ? 'COMPLETED' : 'FAILED', {
        terminationTime: finished,
        ...(outcome.ok
          ? {}
          : {
              applicationState: { state: 'FAILED', errorMessage: 'driver container failed with ExitCode: 1' },
            }),
      }),
    );
    if (options.podStatusLagMs !== undefined) {
      await new Promise((r) => setTimeout(r, options.podStatusLagMs));
      await writeReport();
    }
  }

  const poller = pollNewObjects({
    list: async () =>
      ((
        await api.call(
          'GET',
          `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${namespace}/sparkapplications?labelSelector=medallion.dev%2Frun`,
        )
      ).body.items as SparkApplication[] | undefined) ?? [],
    // Suspended (Kueue or the run): not submitted until resumed.
    skip: (app) => app.spec.suspend === true,
    handle: execute,
  });
  return { executed, errors: poller.errors, stop: poller.stop };
}
