import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { freePort } from './start-apiserver.js';

// Two replicas of the operator as real processes (`medallion operator --kubeconfig ...`, the built CLI: run
// `npm run build` first) competing for one Lease with the production timings (15 s lease, 10 s renew deadline, 2 s
// retry): exactly one leads; after the leader is killed with SIGKILL (no chance to release the Lease) the other
// takes over and reconciles within 20 s.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const api = kubeRest(inject('kubeconfig'));
const logs = mkdtempSync(join(tmpdir(), 'medallion-replicas-'));
type Obj = Record<string, unknown>;

interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
  log: string;
}
const replicas: Replica[] = [];

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
afterAll(async () => {
  const live = replicas.filter((r) => running(r.child));
  const exited = live.map((r) => new Promise((res) => r.child.once('exit', res)));
  for (const r of live) r.child.kill('SIGKILL');
  await Promise.all(exited);
  rmSync(logs, { recursive: true, force: true });
});

const http = (port: number, path: string) =>
  new Promise<{ status: number; text: string }>((resolve) => {
    get({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    })
      .on('error', () => resolve({ status: 0, text: '' }))
      .on('timeout', function (this: { destroy(): void }) {
        this.destroy();
      });
  });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const tails = replicas
        .map((r) => `--- ${r.name}\n${readFileSync(r.log, 'utf8').slice(-1500)}`)
        .join('\n');
      throw new Error(`timed out waiting for ${what}\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startReplica(name: string, ns: string): Promise<Replica> {
  const port = await freePort();
  const log = join(logs, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'bin/medallion.js'),
      'operator',
      '--kubeconfig',
      inject('kubeconfig'),
      '--namespace',
      ns,
      '--lease-namespace',
      ns,
      '--port',
      String(port),
    ],
    {
      stdio: ['ignore', fd, fd],
      env: {
        PATH: process.env.PATH ?? '',
        POD_NAME: name,
        MEDALLION_LOG_FORMAT: 'json',
        MEDALLION_LOG_LEVEL: 'info',
      },
    },
  );
  closeSync(fd);
  const r = { name, port, child, log };
  replicas.push(r);
  return r;
}

const leaderGauge = async (r: Replica) =>
  /^medallion_leader (\d)$/m.exec((await http(r.port, '/metrics')).text)?.[1];

describe('two operator processes', () => {
  it('exactly one leads; SIGKILL the leader and the other takes over and reconciles within 20 s', async () => {
    if (!existsSync(join(REPO, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run `npm run build` first (bin/medallion.js runs the compiled CLI)');
    await installCrds(api);
    const ns = `replicas-${Date.now()}`;
    expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    const [a, b] = [await startReplica('replica-a', ns), await startReplica('replica-b', ns)];
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/medallion-operator`;
    const holder = async () =>
      ((await api.call('GET', leasePath)).body.spec as { holderIdentity?: string } | undefined)
        ?.holderIdentity;

    // Both up; one leading (caches synced), the other standing by.
    const states = await waitFor('one leader and one standby', async () => {
      const s = [(await http(a.port, '/readyz')).text, (await http(b.port, '/readyz')).text];
      return s.includes('leading') && s.includes('standby') ? s : undefined;
    });
    const [leader, standby] = states[0] === 'leading' ? [a, b] : [b, a];
    expect(await holder()).toBe(leader.name);
    expect([await leaderGauge(leader), await leaderGauge(standby)]).toEqual(['1', '0']);

    const pipelines = `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines`;
    const createPipeline = async (name: string) =>
      expect(
        (
          await api.call('POST', pipelines, {
            apiVersion: 'medallion.dev/v1alpha1',
            kind: 'Pipeline',
            metadata: { name },
            spec: { source: { uri: '/data' } },
          })
        ).status,
      ).toBe(201);
    const reconciled = async (name: string) =>
      ((await api.call('GET', `${pipelines}/${name}`)).body.status as Obj | undefined)?.conditions
        ? true
        : undefined;
    await createPipeline('before');
    await waitFor('the leader to reconcile "before"', () => reconciled('before'));
    // Still one leader after a few renewals.
    await new Promise((r) => setTimeout(r, 4500));
    expect(await holder()).toBe(leader.name);
    expect((await http(standby.port, '/readyz')).text).toBe('standby');

    const killedAt = Date.now();
    const gone = new Promise((r) => leader.child.once('exit', r));
    leader.child.kill('SIGKILL');
    await gone;
    await createPipeline('after'); // only a new leader can reconcile it
    await waitFor('the standby to take over and reconcile "after"', () => reconciled('after'), 30_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`[replicas] takeover and first reconcile ${takeoverMs} ms after SIGKILL`);
    expect(takeoverMs).toBeLessThan(20_000);
    // The Lease had to expire (15 s after the dead leader's last renewal, at most 2 s before the kill).
    expect(takeoverMs).toBeGreaterThan(12_000);
    expect(await holder()).toBe(standby.name);
    expect((await http(standby.port, '/readyz')).text).toBe('leading');
    expect(await leaderGauge(standby)).toBe('1');
  }, 90_000);
});
