import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { createOperatorMetrics } from '../../operator/metrics.js';
import type { Script } from './fake-job-executor.js';
import { startFakeKubelet } from './fake-kubelet.js';
import { installCrds } from './install-crds.js';
import { kubeRest, type KubeRest } from './kube-rest.js';
import { startApiserver, type ControlPlane } from './start-apiserver.js';
import { terminatedPodStatus } from './terminated-pod-status.js';
import { waitFor } from './wait-for.js';

// Concurrency slots, spec.suspend and Kueue-style admission with the real Job controller (kube-controller-manager):
// the Job controller honours spec.suspend (no Pod while suspended), the fake kubelet runs Pods, and the test decides
// when each Pod's container ends, so which runs hold a slot at every moment is the test's to check.

type Obj = Record<string, unknown>;
let cp: ControlPlane;
let api: KubeRest;
let op: RunningOperator | undefined;
const GROUP = '/apis/medallion.dev/v1alpha1';
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });

beforeAll(async () => {
  cp = await startApiserver({
    binDir: inject('k8sBinDir'),
    controllerManager: true,
    beforeControllerManager: (kubeconfig) => installCrds(kubeRest(kubeconfig)),
  });
  api = kubeRest(cp.kubeconfig);
});
afterEach(async () => {
  await op?.stop();
  op = undefined;
});
afterAll(async () => {
  await op?.stop();
  await cp?.stop();
});

async function startOp(ns: string, maxConcurrentRuns?: number) {
  const metrics = createOperatorMetrics();
  op = startOperator({
    client: createKubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })),
    logger,
    namespace: ns,
    defaultImage: 'medallion:test',
    metrics,
    ...(maxConcurrentRuns !== undefined ? { maxConcurrentRuns } : {}),
  });
  await op.synced;
  return metrics;
}

let nsCounter = 0;
async function setup(pipelines: Record<string, Obj>): Promise<string> {
  const ns = `slots-${Date.now()}-${nsCounter++}`;
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await waitFor('the default ServiceAccount', async () =>
    (await api.call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200
      ? true
      : undefined,
  );
  for (const [name, extra] of Object.entries(pipelines)) {
    const res = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelines`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name },
      spec: { source: { uri: '/data/online-retail' }, job: { image: 'medallion:test' }, ...extra },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  return ns;
}

async function createRun(ns: string, name: string, pipeline: string, spec: Obj = {}, labels?: Obj) {
  const res = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelineruns`, {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { pipelineRef: { name: pipeline }, steps: ['bronze'], ...spec },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

interface RunView {
  name: string;
  phase?: string;
  reason?: string;
}
async function runs(ns: string): Promise<RunView[]> {
  const items = ((await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns`)).body.items ?? []) as Obj[];
  return items.map((r) => {
    const status = r.status as
      { phase?: string; conditions?: { type: string; reason: string }[] } | undefined;
    const reason = status?.conditions?.find((c) => c.type === 'Succeeded')?.reason;
    return {
      name: (r.metadata as { name: string }).name,
      ...(status?.phase ? { phase: status.phase } : {}),
      ...(reason ? { reason } : {}),
    };
  });
}
const named = (list: RunView[], phase: string) =>
  list
    .filter((r) => r.phase === phase)
    .map((r) => r.name)
    .sort();

const report = (step: string) =>
  JSON.stringify({ v: 1, step, status: 'Succeeded', rowsIn: 1, rowsOut: 1, durationMs: 5 });

/** Ends the step container of a Job's Pod (the part of kubelet the test keeps for itself). */
async function finishPod(ns: string, job: string) {
  const pods = ((await api.call('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=job-name%3D${job}`)).body
    .items ?? []) as { metadata: { name: string } }[];
  const pod = pods[0];
  if (!pod) throw new Error(`no Pod of Job ${job}`);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const res = await api.call(
    'PATCH',
    `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`,
    {
      status: terminatedPodStatus({
        name: 'step',
        image: 'medallion:test',
        ok: true,
        message: report('bronze'),
        startedAt: now,
        finishedAt: now,
      }),
    },
    'application/merge-patch+json',
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('concurrency slots with kube-controller-manager', () => {
  it('20 runs created at once under a cluster-wide cap of 3: never more than 3 running, all finish, in creation order', async () => {
    const ns = await setup({ retail: {}, 'retail-eu': {} });
    const metrics = await startOp(ns, 3);
    // The kubelet starts each Pod and leaves it running; the test ends them one at a time.
    const script: Script = () => 'hang';
    const kubelet = startFakeKubelet(api, ns, script);
    // Created one after the other, alternating two pipelines, with names that do not sort in creation order.
    const order = Array.from({ length: 20 }, (_, i) => `run-${String((i * 7) % 20).padStart(2, '0')}`);
    for (const [i, name] of order.entries()) await createRun(ns, name, i % 2 ? 'retail-eu' : 'retail');

    // A watcher of its own samples the phases all along: at no moment more than 3 Running.
    let maxRunning = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxRunning = Math.max(maxRunning, named(await runs(ns), 'Running').length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const started: string[] = [];
    for (let done = 0; done < 20; done++) {
      // The 3 oldest unfinished runs hold the slots, the others wait for one.
      const expected = order.slice(done, done + 3).sort();
      // (Also until the operator has seen every run: the first ones start while the later ones are being created.)
      const later = (v: RunView[]) => v.filter((x) => order.indexOf(x.name) >= done + 3);
      const view = await waitFor(`runs ${expected.join(', ')} Running, the later ones waiting`, async () => {
        const v = await runs(ns);
        const settled = later(v).every((r) => r.phase === 'Pending' && r.reason === 'WaitingForSlot');
        return settled && JSON.stringify(named(v, 'Running')) === JSON.stringify(expected) ? v : undefined;
      });
      for (const r of later(view))
        expect([r.name, r.phase, r.reason]).toEqual([r.name, 'Pending', 'WaitingForSlot']);
      for (const name of expected) if (!started.includes(name)) started.push(name);
      if (done === 0) {
        await waitFor('the waiting gauge', async () => {
          const text = await metrics.registry.getSingleMetricAsString('medallion_runs_waiting');
          const waiting = (p: string) =>
            new RegExp(`pipeline="${p}",reason="WaitingForSlot"\\} (\\d+)`).exec(text)?.[1];
          return waiting('retail') === '8' && waiting('retail-eu') === '9' ? true : undefined;
        });
      }
      // The oldest one's Pod ends: its slot goes to the oldest waiting run.
      await waitFor(`the Pod of ${order[done]}`, async () =>
        kubelet.executed.includes(`${order[done]}-bronze-1`) ? true : undefined,
      );
      await finishPod(ns, `${order[done]}-bronze-1`);
      await waitFor(`${order[done]} to succeed`, async () =>
        (await runs(ns)).find((r) => r.name === order[done])?.phase === 'Succeeded' ? true : undefined,
      );
    }
    sampling = false;
    await sampler;
    await kubelet.stop();
    expect(kubelet.errors).toEqual([]);
    expect(maxRunning).toBe(3);
    expect(started).toEqual(order);
    expect(named(await runs(ns), 'Succeeded')).toEqual([...order].sort());
    // Every run but the first three waited, and the wait was measured when it took its slot.
    const waited = await metrics.registry.getSingleMetricAsString('medallion_run_slot_wait_seconds');
    const count = (p: string) =>
      Number(new RegExp(`_count\\{namespace="${ns}",pipeline="${p}"\\} (\\d+)`).exec(waited)?.[1]);
    expect(count('retail') + count('retail-eu')).toBe(17);
  }, 240_000);

  it('a suspended run takes no slot; resumed, it is admitted and runs (spec.concurrency.maxRuns 1)', async () => {
    const ns = await setup({ retail: { concurrency: { maxRuns: 1 } } });
    await startOp(ns);
    const kubelet = startFakeKubelet(api, ns, () => ({ ok: true, message: report('bronze') }));
    await createRun(ns, 'held', 'retail', { suspend: true });
    await createRun(ns, 'free', 'retail');
    await waitFor('free to succeed while held stays suspended', async () => {
      const v = await runs(ns);
      return v.find((r) => r.name === 'free')?.phase === 'Succeeded' ? v : undefined;
    });
    expect((await runs(ns)).find((r) => r.name === 'held')).toEqual({
      name: 'held',
      phase: 'Pending',
      reason: 'Suspended',
    });
    const jobs = (await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs`)).body.items as Obj[];
    expect(jobs.map((j) => (j.metadata as { name: string }).name)).toEqual(['free-bronze-1']);

    const patch = await api.call(
      'PATCH',
      `${GROUP}/namespaces/${ns}/pipelineruns/held`,
      { spec: { suspend: false } },
      'application/merge-patch+json',
    );
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    await waitFor('held to succeed', async () =>
      (await runs(ns)).find((r) => r.name === 'held')?.phase === 'Succeeded' ? true : undefined,
    );
    await kubelet.stop();
    expect(kubelet.errors).toEqual([]);
    expect(kubelet.executed).toEqual(['free-bronze-1', 'held-bronze-1']);
  }, 120_000);

  it('a run with a Kueue queue-name label gets suspended step Jobs; un-suspended (as Kueue admits), they run', async () => {
    const ns = await setup({ retail: {} });
    await startOp(ns);
    const kubelet = startFakeKubelet(api, ns, () => ({ ok: true, message: report('bronze') }));
    await createRun(ns, 'queued', 'retail', {}, { 'kueue.x-k8s.io/queue-name': 'team-a' });
    const job = await waitFor('the suspended Job', async () => {
      const r = await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs/queued-bronze-1`);
      return r.status === 200 ? (r.body as Obj) : undefined;
    });
    expect((job.spec as { suspend?: boolean }).suspend).toBe(true);
    expect((job.metadata as { labels: Obj }).labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
    await waitFor('the run to wait for admission', async () =>
      (await runs(ns)).find((r) => r.reason === 'WaitingForAdmission') ? true : undefined,
    );
    // The Job controller makes no Pod for a suspended Job.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api.call('GET', `/api/v1/namespaces/${ns}/pods`)).body.items).toEqual([]);

    const admit = await api.call(
      'PATCH',
      `/apis/batch/v1/namespaces/${ns}/jobs/queued-bronze-1`,
      { spec: { suspend: false } },
      'application/merge-patch+json',
    );
    expect(admit.status, JSON.stringify(admit.body)).toBe(200);
    await waitFor('queued to succeed', async () =>
      (await runs(ns)).find((r) => r.name === 'queued')?.phase === 'Succeeded' ? true : undefined,
    );
    await kubelet.stop();
    expect(kubelet.errors).toEqual([]);
    expect(kubelet.executed).toEqual(['queued-bronze-1']);
  }, 120_000);
});
