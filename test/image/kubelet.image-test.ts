import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONTROLLERS, ensureBinaries, startApiserver, type ControlPlane } from '../k8s/start-apiserver.js';
import { installCrds } from '../k8s/install-crds.js';
import { kubeRest } from '../k8s/kube-rest.js';
import { startNode, type Node } from './kubelet-node.js';
import { IMAGE } from './podman.js';

// The sample pipeline on a real node: the operator (in-process, as in the other k8s tests) creates each step's
// Job, kube-controller-manager its Pod, kube-scheduler binds it, kubelet runs it in containerd with runc from the
// image built from the Dockerfile, and the step report travels back through the container's termination message.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'medallion-kubelet-'));
const ns = 'kubelet-e2e';
type Obj = Record<string, unknown>;
let cp: ControlPlane | undefined;
let node: Node | undefined;
let operator: { stop(): Promise<void> } | undefined;

beforeAll(async () => {
  cp = await startApiserver({
    binDir: ensureBinaries(),
    controllerManager: true,
    // A node needs the lifecycle controller (it lifts the not-ready taint), the claim needs the PV binder, and
    // pods' service-account volumes need the kube-root-ca.crt ConfigMap.
    controllers: [
      ...CONTROLLERS,
      'node-lifecycle-controller',
      'persistentvolume-binder-controller',
      'root-ca-certificate-publisher-controller',
    ],
    beforeControllerManager: (kubeconfig) => installCrds(kubeRest(kubeconfig)),
  });
  node = await startNode({ kubeconfig: cp.kubeconfig, binDir: ensureBinaries(), dir: join(dir, 'node') });
}, 600_000);
afterAll(async () => {
  await operator?.stop();
  await node?.stop();
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A refused or dropped request (the control plane shares two busy cores) is one more poll, not a failure.
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('step Pods on a real kubelet', () => {
  it('runs the sample PipelineRun as real containers until Succeeded', async () => {
    const api = kubeRest(cp!.kubeconfig);
    await waitFor(
      'the node to be Ready and untainted',
      async () => {
        const n = (await api.call('GET', `/api/v1/nodes/${node!.name}`)).body as Obj & {
          spec?: { taints?: unknown[] };
          status?: { conditions?: { type: string; status: string }[] };
        };
        const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return ready && !n.spec?.taints?.length ? true : undefined;
      },
      120_000,
    );

    const lake = join(dir, 'lake');
    mkdirSync(lake);
    chownSync(lake, 10001, 10001);
    const post = async (path: string, body: Obj) => {
      const res = await api.call('POST', path, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await post('/api/v1/namespaces', { metadata: { name: ns } });
    await post('/api/v1/persistentvolumes', {
      metadata: { name: `${ns}-lake` },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteMany'],
        storageClassName: 'manual',
        hostPath: { path: lake, type: 'Directory' },
      },
    });
    await post(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
      metadata: { name: 'retail-lake' },
      spec: {
        accessModes: ['ReadWriteMany'],
        storageClassName: 'manual',
        resources: { requests: { storage: '1Gi' } },
      },
    });
    const doc = parseYaml(readFileSync(join(REPO, 'examples/online-retail/pipeline.yaml'), 'utf8')) as {
      spec: Obj & { source: Obj };
    };
    const spec: Obj = { ...doc.spec };
    delete spec.lake;
    delete spec.warehouse; // the lake steps; a cluster's warehouse is a PostgreSQL named by a Secret
    await post(`/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'online-retail' },
      spec: {
        ...spec,
        steps: ['bronze', 'silver', 'gold'],
        // The sample travels in the image.
        source: { ...doc.spec.source, uri: '/app/examples/online-retail/data' },
        enrichment: { enabled: false },
        job: { image: IMAGE, imagePullPolicy: 'Never', lakeVolume: { claimName: 'retail-lake' } },
      },
    });

    const { pino } = await import('pino');
    const { startOperator } = await import('../../operator/controller/start-operator.js');
    const { createKubeClient, loadKubeConfig } = await import('../../operator/kube/client-node-adapter.js');
    const client = createKubeClient(loadKubeConfig({ kubeconfig: cp!.kubeconfig }));
    const op = startOperator({
      client,
      logger: pino({ level: 'silent' }),
      namespace: ns,
      defaultImage: IMAGE,
    });
    operator = op;
    await op.synced;
    const runs = `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelineruns`;
    await post(runs, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: 'retail-1' },
      spec: { pipelineRef: { name: 'online-retail' }, retries: { limit: 0 } },
    });
    const status = await waitFor(
      'the run to finish',
      async () => {
        const s = (await api.call('GET', `${runs}/retail-1`)).body.status as Obj | undefined;
        return ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s?.phase)) ? s : undefined;
      },
      480_000,
    );
    const pods = (await api.call('GET', `/api/v1/namespaces/${ns}/pods`)).body.items as (Obj & {
      spec: { nodeName?: string };
      status: {
        phase: string;
        containerStatuses?: { imageID: string; state: { terminated?: { exitCode: number } } }[];
      };
    })[];
    const diagnosis = JSON.stringify({ status, pods: pods.map((p) => p.status) }).slice(0, 4000);
    expect(status.phase, diagnosis).toBe('Succeeded');

    // Each step ran as a real container on the node: bound by the scheduler, exit code 0 from containerd.
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.spec.nodeName).toBe(node!.name);
      expect(p.status.phase).toBe('Succeeded');
      expect(p.status.containerStatuses?.[0]?.state.terminated?.exitCode).toBe(0);
      expect(p.status.containerStatuses?.[0]?.imageID).toMatch(/sha256:/);
    }
    const steps = status.steps as (Obj & { name: string; phase: string; rowsIn: number; rowsOut: number })[];
    expect(steps.map((s) => [s.name, s.phase])).toEqual([
      ['bronze', 'Succeeded'],
      ['silver', 'Succeeded'],
      ['gold', 'Succeeded'],
    ]);
    expect(steps[1]?.rowsIn).toBe(steps[0]?.rowsOut);
    expect(steps[2]?.rowsIn).toBe(steps[1]?.rowsOut);
    expect((status.quality as { score: number }).score).toBeGreaterThanOrEqual(0.9);
    expect((status.kpis as { orders: number }).orders).toBeGreaterThan(0);
    const lineage = status.lineage as { outputs: string[] };
    expect(lineage.outputs).toEqual(
      expect.arrayContaining([expect.stringMatching(/gold\/online_retail\/kpis$/)]),
    );
  }, 600_000);
});
