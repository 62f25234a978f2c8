import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { kubeRest } from './kube-rest.js';

describe('test control plane', () => {
  const api = kubeRest(inject('kubeconfig'));

  it('stores and returns objects through the real apiserver', async () => {
    const name = `smoke-${Date.now()}`;
    const created = await api.call('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name },
      data: { hello: 'world' },
    });
    expect(created.status).toBe(201);
    const got = await api.call('GET', `/api/v1/namespaces/default/configmaps/${name}`);
    expect(got.body.data).toEqual({ hello: 'world' });
    expect((await api.call('DELETE', `/api/v1/namespaces/default/configmaps/${name}`)).status).toBe(200);
  });

  it('enforces authentication and RBAC', async () => {
    expect(
      (await kubeRest(inject('kubeconfig'), 'not-the-token').call('GET', '/api/v1/namespaces')).status,
    ).toBe(401);
    // Impersonation-free RBAC check: an arbitrary user may not list secrets.
    const review = await api.call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: {
        user: 'nobody',
        resourceAttributes: { verb: 'list', resource: 'secrets', namespace: 'default' },
      },
    });
    expect(review.status).toBe(201);
    expect((review.body.status as { allowed: boolean }).allowed).toBe(false);
  });

  it('serves kubectl with the written kubeconfig', () => {
    const out = execFileSync(join(inject('k8sBinDir'), 'kubectl'), ['get', 'namespaces', '-o', 'name'], {
      env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
    }).toString();
    expect(out).toContain('namespace/default');
  });
});
