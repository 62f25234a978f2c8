import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parse } from 'yaml';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import {
  KubeError,
  type Collection,
  type KubeObject,
  type WatchEvent,
} from '../../operator/kube/kube-client.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

// The operator's KubeClient port on @kubernetes/client-node, against the real apiserver: answers must be the
// apiserver's JSON, failures KubeErrors with the HTTP status, writes must carry the field manager.

const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const NS = `kc-${Date.now()}`;
const pipelines: Collection = { apiVersion: 'medallion.dev/v1alpha1', plural: 'pipelines', namespace: NS };
const leases: Collection = { apiVersion: 'coordination.k8s.io/v1', plural: 'leases', namespace: NS };
type Obj = Record<string, unknown>;

const pipeline = (name: string) => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name },
  spec: { source: { uri: '/data' } },
});
const managers = (o: KubeObject | undefined) =>
  ((o?.metadata.managedFields ?? []) as { manager: string; subresource?: string }[]).map(
    (f) => `${f.manager}${f.subresource ? `/${f.subresource}` : ''}`,
  );
const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KubeError);
  return e as KubeError;
};

beforeAll(async () => {
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status).toBe(201);
  // Pods need the namespace's default ServiceAccount, which only kube-controller-manager would create.
  await api.call('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'default' } });
});

describe('KubeClient on @kubernetes/client-node', () => {
  it('creates, reads, patches, replaces status and deletes, as medallion-operator', async () => {
    await client.create(pipelines, pipeline('crud'));
    expect((await rejection(client.create(pipelines, pipeline('crud')))).status).toBe(409);

    const got = await client.get<KubeObject & { spec: Obj }>(pipelines, 'crud');
    expect(got?.spec).toMatchObject({ source: { uri: '/data' } });
    expect(typeof got?.metadata.creationTimestamp).toBe('string');
    expect(await client.get(pipelines, 'absent')).toBeUndefined();

    await client.mergePatch(pipelines, 'crud', { spec: { source: { uri: '/other' } } });
    const patched = await client.get<KubeObject & { spec: { source: Obj } }>(pipelines, 'crud');
    expect(patched?.spec.source.uri).toBe('/other');

    const status = { observedGeneration: 2, conditions: [] };
    await client.replaceStatus(pipelines, { ...patched, metadata: patched!.metadata, status });
    const withStatus = await client.get<KubeObject & { status: Obj }>(pipelines, 'crud');
    expect(withStatus?.status).toEqual(status);
    expect(managers(withStatus)).toEqual(['medallion-operator', 'medallion-operator/status']);

    // The resourceVersion makes status writes optimistic: a stale one is a 409.
    const stale = await rejection(
      client.replaceStatus(pipelines, { ...patched, metadata: patched!.metadata, status: {} }),
    );
    expect(stale.status).toBe(409);
    expect(stale.message).toMatch(/the object has been modified/);

    await client.delete(pipelines, 'crud');
    expect(await client.get(pipelines, 'crud')).toBeUndefined();
    expect((await rejection(client.delete(pipelines, 'crud'))).status).toBe(404);
  });

  it('lists in pages from one snapshot, and lists Pods as the apiserver sends them', async () => {
    for (let i = 0; i < 5; i++) {
      await client.create(leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: `l${i}` },
      });
    }
    const paged = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }), { pageSize: 2 });
    const all = await paged.list(leases);
    expect(all.items.map((l) => l.metadata.name)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4']);
    expect(Number(all.resourceVersion)).toBeGreaterThan(0);

    const pod = await api.call('POST', `/api/v1/namespaces/${NS}/pods`, {
      metadata: { name: 'p', labels: { 'medallion.dev/run': 'r' } },
      spec: { containers: [{ name: 'step', image: 'img' }] },
    });
    expect(pod.status, JSON.stringify(pod.body)).toBe(201);
    const pods = await client.list({ apiVersion: 'v1', plural: 'pods', namespace: NS }, 'medallion.dev/run');
    expect(pods.items).toHaveLength(1);
    // Typed models hold Dates; the port promises wire JSON, byte-for-byte what a watch event carries.
    expect(pods.items[0]?.metadata.creationTimestamp).toBe((pod.body.metadata as Obj).creationTimestamp);
    expect(pods.items[0]?.metadata.labels).toEqual({ 'medallion.dev/run': 'r' });
  });

  it('watches from a resourceVersion, with bookmarks, until aborted', async () => {
    const { resourceVersion } = await client.list(pipelines);
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = client.watch(
      pipelines,
      { resourceVersion, timeoutSeconds: 60 },
      (e) => events.push(e),
      abort.signal,
    );
    await client.create(pipelines, pipeline('watched'));
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain('ADDED'), { timeout: 5_000 });
    expect((events.find((e) => e.type === 'ADDED')?.object.metadata as Obj).name).toBe('watched');
    abort.abort();
    await expect(watching).resolves.toBeUndefined();
  });

  it('ends a watch when the server times it out, and rejects with the status when it cannot start', async () => {
    const { resourceVersion } = await client.list(pipelines);
    const started = Date.now();
    await client.watch(
      pipelines,
      { resourceVersion, timeoutSeconds: 1 },
      () => {},
      new AbortController().signal,
    );
    expect(Date.now() - started).toBeLessThan(5_000);

    const missing = { apiVersion: 'medallion.dev/v1alpha1', plural: 'nosuchthings', namespace: NS };
    const e = await rejection(
      client.watch(missing, { resourceVersion, timeoutSeconds: 5 }, () => {}, new AbortController().signal),
    );
    expect(e.status).toBe(404);
  });
});

describe('in-cluster configuration', () => {
  const root = mkdtempSync(join(tmpdir(), 'medallion-sa-'));
  const saDir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  const env = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    for (const [k, v] of [
      ['KUBERNETES_SERVICE_HOST', env.host],
      ['KUBERNETES_SERVICE_PORT', env.port],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    vi.useRealTimers();
  });

  async function tokenFor(sa: string): Promise<string> {
    const res = await api.call('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, {
      spec: { expirationSeconds: 600 },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return String((res.body.status as Obj).token);
  }

  it("uses the pod's service account, and re-reads its rotated token", async () => {
    const kubeconfig = parse(readFileSync(inject('kubeconfig'), 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority': string } }[];
    };
    const cluster = kubeconfig.clusters[0]!.cluster;
    const server = new URL(cluster.server);
    await api.call('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'operator' } });
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}`;
    await api.call('POST', `${rbac}/roles`, {
      metadata: { name: 'leases' },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list'] }],
    });
    await api.call('POST', `${rbac}/rolebindings`, {
      metadata: { name: 'operator-leases' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leases' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: NS }],
    });
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, 'ca.crt'), readFileSync(cluster['certificate-authority']));
    writeFileSync(join(saDir, 'namespace'), NS);
    writeFileSync(join(saDir, 'token'), await tokenFor('operator'));
    process.env.KUBERNETES_SERVICE_HOST = server.hostname;
    process.env.KUBERNETES_SERVICE_PORT = server.port;

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const inCluster = createKubeClient(loadKubeConfig({ inCluster: true, serviceAccountRoot: root }));
    // Its Role lets it read Leases in its namespace, not in others.
    expect((await inCluster.list(leases)).items.length).toBeGreaterThan(0);
    expect((await rejection(inCluster.list({ ...leases, namespace: 'default' }))).status).toBe(403);

    // The kubelet rotates the projected token; the library re-reads the file after a minute.
    writeFileSync(join(saDir, 'token'), 'revoked');
    vi.setSystemTime(Date.now() + 61_000);
    expect((await rejection(inCluster.list(leases))).status).toBe(401);
    writeFileSync(join(saDir, 'token'), await tokenFor('operator'));
    vi.setSystemTime(Date.now() + 61_000);
    expect((await inCluster.list(leases)).items.length).toBeGreaterThan(0);
  });
});
