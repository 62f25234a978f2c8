import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import type { Script } from './fake-job-executor.js';
import { startFakeKubelet } from './fake-kubelet.js';
import { installCrds } from './install-crds.js';
import { kubeRest, type KubeRest } from './kube-rest.js';
import { startApiserver, type ControlPlane } from './start-apiserver.js';
import { waitFor } from './wait-for.js';

// With a real kube-controller-manager (Job controller, garbage collector, service accounts) on a control plane of
// its own: the shared one runs without it, because there the fake executor plays the Job controller's part.

type Obj = Record<string, unknown>;
let cp: ControlPlane;
let api: KubeRest;
let op: RunningOperator | undefined;
const GROUP = '/apis/medallion.dev/v1alpha1';

beforeAll(async () => {
  cp = await startApiserver({
    binDir: inject('k8sBinDir'),
    controllerManager: true,
    beforeControllerManager: (kubeconfig) => installCrds(kubeRest(kubeconfig)),
  });
  api = kubeRest(cp.kubeconfig);
  op = startOperator({
    client: createKubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })),
    logger: pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' }),
    defaultImage: 'medallion:test',
  });
  await op.synced;
});
afterAll(async () => {
  await op?.stop();
  await cp?.stop();
});

let nsCounter = 0;
/** A namespace with the Pipeline; its `default` ServiceAccount comes from the service-account controller. */
async function setup(): Promise<string> {
  const ns = `kcm-${Date.now()}-${nsCounter++}`;
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await waitFor('the default ServiceAccount', async () =>
    (await api.call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200
      ? true
      : undefined,
  );
  const res = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelines`, {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'retail' },
    spec: { source: { uri: '/data/online-retail' }, job: { image: 'medallion:test' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return ns;
}

async function createRun(ns: string, name: string, spec: Obj) {
  const res = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelineruns`, {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name },
    spec: { pipelineRef: { name: 'retail' }, ...spec },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

const items = async (path: string) => ((await api.call('GET', path)).body.items ?? []) as Obj[];
const meta = (o: Obj) =>
  o.metadata as {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };

const report = (step: string) =>
  JSON.stringify({
    v: 1,
    step,
    status: 'Succeeded',
    rowsIn: 100,
    rowsOut: 98 + step.length,
    durationMs: 1200,
  });

describe('with kube-controller-manager', () => {
  it("the Job controller creates each step Job's Pod; when it finishes, the Job controller completes the Job", async () => {
    const ns = await setup();
    const script: Script = ({ step }) => ({ ok: true, message: report(step) });
    const kubelet = startFakeKubelet(api, ns, script);
    await createRun(ns, 'run-1', { steps: ['bronze', 'silver'] });

    const status = await waitFor('run-1 to finish', async () => {
      const s = (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns/run-1`)).body.status as
        Obj | undefined;
      return ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s?.phase)) ? s : undefined;
    });
    await kubelet.stop();
    expect(kubelet.errors).toEqual([]);
    expect(kubelet.executed).toEqual(['run-1-bronze-1', 'run-1-silver-1']);
    expect(status.phase).toBe('Succeeded');
    expect((status.steps as Obj[]).map((s) => [s.name, s.rowsOut])).toEqual([
      ['bronze', 98 + 'bronze'.length],
      ['silver', 98 + 'silver'.length],
    ]);

    // One Pod per Job, made by the Job controller from the operator's template and owned by the Job.
    const jobs = await items(`/apis/batch/v1/namespaces/${ns}/jobs`);
    const pods = await items(`/api/v1/namespaces/${ns}/pods`);
    expect(pods).toHaveLength(2);
    for (const job of jobs) {
      const mine = pods.filter((p) => meta(p).ownerReferences?.some((o) => o.uid === meta(job).uid));
      expect(mine).toHaveLength(1);
      const pod = mine[0] as Obj;
      expect(meta(pod).ownerReferences).toEqual([
        expect.objectContaining({ kind: 'Job', name: meta(job).name, controller: true }),
      ]);
      const template = (job.spec as { template: { spec: { containers: Obj[] } } }).template.spec
        .containers[0];
      const container = (pod.spec as { containers: Obj[] }).containers[0];
      expect(container?.args).toEqual(template?.args);
      expect(container?.image).toBe('medallion:test');
      // The Job controller, not a test, wrote the terminal Job status.
      const jobStatus = job.status as { succeeded?: number; conditions?: { type: string; status: string }[] };
      expect(jobStatus.succeeded).toBe(1);
      expect(jobStatus.conditions?.filter((c) => c.status === 'True').map((c) => c.type)).toEqual([
        'SuccessCriteriaMet',
        'Complete',
      ]);
    }
  });

  it('deleting a PipelineRun garbage-collects its Jobs, their Pods and the spec ConfigMap (owner references)', async () => {
    const ns = await setup();
    await createRun(ns, 'run-gc', {});
    // No kubelet here: the bronze Job's Pod stays Pending, the run Running.
    const pod = await waitFor('the Job controller to create the bronze Pod', async () => {
      const p = await items(`/api/v1/namespaces/${ns}/pods?labelSelector=job-name%3Drun-gc-bronze-1`);
      return p[0];
    });
    expect(meta(pod).labels?.['medallion.dev/run']).toBe('run-gc');
    expect((await api.call('GET', `/api/v1/namespaces/${ns}/configmaps/run-gc-spec`)).status).toBe(200);

    const del = await api.call('DELETE', `${GROUP}/namespaces/${ns}/pipelineruns/run-gc`);
    expect(del.status, JSON.stringify(del.body)).toBeLessThan(300);
    await waitFor('the garbage collector to delete the Job, its Pod and the ConfigMap', async () => {
      const [jobs, pods, cm] = await Promise.all([
        items(`/apis/batch/v1/namespaces/${ns}/jobs`),
        items(`/api/v1/namespaces/${ns}/pods`),
        api.call('GET', `/api/v1/namespaces/${ns}/configmaps/run-gc-spec`),
      ]);
      return jobs.length === 0 && pods.length === 0 && cm.status === 404 ? true : undefined;
    });
    // And the operator does not bring them back.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await items(`/apis/batch/v1/namespaces/${ns}/jobs`)).toEqual([]);
  });
});
