import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../k8s/install-crds.js';
import { kubeRest } from '../k8s/kube-rest.js';
import { freePort, startApiserver, type ControlPlane } from '../k8s/start-apiserver.js';
import { runContainer, waitFor, type Container } from './podman.js';

// `medallion operator` from the image against the test control plane (etcd + kube-apiserver on loopback, so the
// container shares the host's network): it connects, takes the Lease, reconciles a Pipeline, and on SIGTERM to
// tini releases the Lease and exits 0 within 10 s.

let cp: ControlPlane;
let dir: string;
let op: Container | undefined;

beforeAll(async () => {
  cp = await startApiserver();
  await installCrds(kubeRest(cp.kubeconfig));
  dir = mkdtempSync(join(tmpdir(), 'medallion-image-op-'));
  chmodSync(dir, 0o755);
  // The harness's kubeconfig names its CA by a path on the host; the container gets one with the CA inline,
  // readable by uid 10001.
  const text = readFileSync(cp.kubeconfig, 'utf8');
  const caFile = /certificate-authority: (\S+)/.exec(text)?.[1] ?? '';
  const ca = readFileSync(caFile).toString('base64');
  writeFileSync(
    join(dir, 'kubeconfig'),
    text.replace(/certificate-authority: \S+/, `certificate-authority-data: ${ca}`),
    {
      mode: 0o644,
    },
  );
}, 600_000);
afterAll(async () => {
  if (op) await op.terminate().catch(() => undefined);
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const text = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
};

describe('medallion operator in the image', () => {
  it('connects to kube-apiserver, leads, reconciles, and releases the Lease on SIGTERM', async () => {
    const api = kubeRest(cp.kubeconfig);
    const ns = `image-${Date.now()}`;
    expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    const port = await freePort();
    op = runContainer(
      ['operator', '--kubeconfig', '/kube/kubeconfig', '--namespace', ns, '--lease-namespace', ns].concat([
        '--port',
        String(port),
      ]),
      { volumes: [`${dir}:/kube:ro`], network: 'host' },
    );
    const c = op;
    expect((await waitFor('/healthz', c, () => text(port, '/healthz'))).status).toBe(200);
    await waitFor('leadership', c, async () =>
      (await text(port, '/readyz')).body === 'leading' ? true : undefined,
    );
    const leases = await api.call('GET', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`);
    const items = (leases.body.items ?? []) as {
      metadata: { name: string };
      spec: { holderIdentity?: string };
    }[];
    expect(items).toHaveLength(1);
    const lease = items[0]!;
    expect(lease.spec.holderIdentity).toBeTruthy();
    expect((await text(port, '/metrics')).body).toMatch(/^medallion_leader 1$/m);

    await api.call('POST', `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'retail' },
      spec: { source: { uri: '/data' } },
    });
    await waitFor('the Pipeline status', c, async () => {
      const p = await api.call('GET', `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines/retail`);
      return (p.body.status as { conditions?: unknown[] } | undefined)?.conditions ? true : undefined;
    });

    const [code, ms] = await c.terminate();
    op = undefined;
    expect(code, c.stderr().slice(-3000)).toBe(0);
    expect(ms).toBeLessThan(10_000);
    const after = await api.call(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${lease.metadata.name}`,
    );
    expect((after.body.spec as { holderIdentity?: string }).holderIdentity ?? '').toBe('');
  }, 180_000);
});
