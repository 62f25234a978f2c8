import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { startApiserver, type ControlPlane } from './start-apiserver.js';

// Its own control plane: restarting the shared one would disturb other test files.
let cp: ControlPlane;
let op: RunningOperator | undefined;
beforeAll(async () => {
  cp = await startApiserver({ binDir: inject('k8sBinDir') });
});
afterAll(async () => {
  await op?.stop();
  await cp?.stop();
});

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('apiserver restart', () => {
  it('the operator keeps reconciling after kube-apiserver restarts (watches resume)', async () => {
    const api = kubeRest(cp.kubeconfig);
    await installCrds(api);
    const client = createKubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig }));
    op = startOperator({
      client,
      logger: pino({ level: 'silent' }),
      namespace: 'default',
      defaultImage: 'img',
    });
    await op.synced;
    const base = '/apis/medallion.dev/v1alpha1/namespaces/default';
    const pipeline = (name: string) => ({
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name },
      spec: { source: { uri: '/data' } },
    });
    const hasStatus = (name: string) => async () =>
      (await api.call('GET', `${base}/pipelines/${name}`)).body.status !== undefined;

    expect((await api.call('POST', `${base}/pipelines`, pipeline('before'))).status).toBe(201);
    await waitFor('status before the restart', hasStatus('before'));

    await cp.restartApiserver();

    expect((await api.call('POST', `${base}/pipelines`, pipeline('after'))).status).toBe(201);
    await waitFor('status after the restart', hasStatus('after'));
  });
});
