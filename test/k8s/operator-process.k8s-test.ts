import { get } from 'node:http';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { parseOperatorConfig } from '../../operator/config.js';
import { runOperator } from '../../operator/main.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

const fetchText = (port: number, path: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });

describe('operator process', () => {
  it('leads, serves health and metrics, reconciles, and hands the lease over on shutdown', async () => {
    const api = kubeRest(inject('kubeconfig'));
    await installCrds(api);
    const ns = `proc-${Date.now()}`;
    await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    const config = parseOperatorConfig(
      ['--kubeconfig', inject('kubeconfig'), '--namespace', ns, '--port', '0'],
      {},
    );
    const proc = await runOperator(
      { ...config, leaseName: `lease-${ns}` },
      { logger: pino({ level: 'silent' }) },
    );

    expect((await fetchText(proc.port, '/healthz')).status).toBe(200);
    for (let i = 0; (await fetchText(proc.port, '/readyz')).text !== 'leading'; i++) {
      if (i > 100) throw new Error('never became leader');
      await new Promise((r) => setTimeout(r, 100));
    }
    await api.call('POST', `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'retail' },
      spec: { source: { uri: '/data' } },
    });
    for (let i = 0; ; i++) {
      const p = await api.call('GET', `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines/retail`);
      if ((p.body.status as { conditions?: unknown[] } | undefined)?.conditions) break;
      if (i > 100) throw new Error('pipeline status never written');
      await new Promise((r) => setTimeout(r, 100));
    }
    const metrics = (await fetchText(proc.port, '/metrics')).text;
    expect(metrics).toMatch(/^medallion_leader 1$/m);
    expect(metrics).toMatch(/medallion_reconcile_total\{controller="pipeline",result="ok"\} [1-9]/);

    await proc.stop();
    expect(await proc.done).toBe(0);
    const lease = await api.call('GET', `/apis/coordination.k8s.io/v1/namespaces/default/leases/lease-${ns}`);
    expect((lease.body.spec as { holderIdentity?: string }).holderIdentity ?? '').toBe('');
  });
});
