import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import type { SilverMeta } from '../../runner/silver/silver-step.js';
import { startFakeKubelet } from './fake-kubelet.js';
import { installCrds } from './install-crds.js';
import { kubeRest, type KubeRest } from './kube-rest.js';
import { runnerContainer } from './runner-container.js';
import { startApiserver, type ControlPlane } from './start-apiserver.js';

// Backfills against a real kube-apiserver and kube-controller-manager (the Job controller makes the Pods), with the
// real runner in each step Pod (runner-container.ts) on six weeks of the real data: a backfill of March 2011 where two
// partitions fail (the runner's TEST ONLY fault injection, MEDALLION_TEST_FAIL_PARTITIONS through the Pipeline's
// job.env), then `kubectl medallion backfill --retry` that re-runs exactly those two, checked through the PipelineRun
// status, the plugin's table and -o json, and the lake itself. Needs `npm run build` (bin/*.js run dist/).

type Obj = Record<string, unknown>;
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PLUGIN = join(REPO, 'bin/kubectl-medallion.js');
const GROUP = '/apis/medallion.dev/v1alpha1';
const DATA = resolve(REPO, '../shared/data/online-retail/online-retail-by-day');
const FAIL = '2011-03-08,2011-03-15';
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
const ns = `backfill-${Date.now()}`;
const root = mkdtempSync(join(tmpdir(), 'medallion-backfill-'));
const exits: { job: string; exitCode: number; logs: string }[] = [];
let cp: ControlPlane;
let api: KubeRest;
let op: RunningOperator | undefined;
let kubelet: ReturnType<typeof startFakeKubelet> | undefined;

interface Result {
  code: number;
  out: string;
  err: string;
}
function plugin(args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [PLUGIN, ...args, '-n', ns],
      { env: { PATH: process.env.PATH ?? '', KUBECONFIG: cp.kubeconfig, HOME: tmpdir() } },
      (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, out: stdout.trimEnd(), err: stderr.trimEnd() }),
    );
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = Number(process.env.BACKFILL_TEST_WAIT ?? 240_000),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; pods run: ${kubelet?.executed.join(', ')}; kubelet errors: ${kubelet?.errors.map(String).join('; ')}; exits: ${exits.map((e) => `${e.job} ${e.exitCode} ${e.logs.slice(-600)}`).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
const getRun = async (name: string) =>
  (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns/${name}`)).body;
const waitDone = (name: string) =>
  waitFor(`${name} to finish`, async () => {
    const r = await getRun(name);
    const phase = (r.status as { phase?: string } | undefined)?.phase;
    return phase && ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(phase) ? r : undefined;
  });
/** The silver partition map the runner published on the lake claim. */
const silverPartitions = async () =>
  (await createLakeStore({
    root: join(root, 'claims', 'retail-lake'),
    dataset: 'online_retail',
  }).current<SilverMeta>('silver'))!.meta.partitions;
const builtBy = (p: SilverMeta['partitions']) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.tables.sales_lines?.key ?? '']));
const changed = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(b).filter((k) => a[k] !== b[k]);

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist/cli/kubectl/plugin-main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const source = join(root, 'source');
  mkdirSync(source);
  for (const f of readdirSync(DATA).filter((n) => n >= '2011-02-24' && n < '2011-04-06.csv'))
    copyFileSync(join(DATA, f), join(source, f));
  cp = await startApiserver({
    binDir: inject('k8sBinDir'),
    controllerManager: true,
    beforeControllerManager: (kubeconfig) => installCrds(kubeRest(kubeconfig)),
  });
  api = kubeRest(cp.kubeconfig);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await waitFor('the default ServiceAccount', async () =>
    (await api.call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200
      ? true
      : undefined,
  );
  op = startOperator({
    client: createKubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })),
    logger,
    namespace: ns,
    defaultImage: 'medallion:test',
  });
  await op.synced;
  const container = runnerContainer({ api, namespace: ns, root, onExit: (e) => exits.push(e) });
  // The apiserver's ServiceAccount admission adds a projected token volume the runner never reads: left out here.
  const own = (name: string) => !name.startsWith('kube-api-access-');
  kubelet = startFakeKubelet(api, ns, (job) =>
    container({
      ...job,
      pod: {
        ...job.pod,
        volumes: job.pod.volumes?.filter((v) => own(v.name)),
        containers: job.pod.containers.map((c) => ({
          ...c,
          volumeMounts: c.volumeMounts?.filter((m) => own(m.name)),
        })),
      },
    }),
  );
  const res = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelines`, {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'retail' },
    spec: {
      source: { uri: source },
      steps: ['bronze', 'silver', 'gold'],
      enrichment: { enabled: false },
      job: {
        image: 'medallion:test',
        lakeVolume: { claimName: 'retail-lake' },
        env: [{ name: 'MEDALLION_TEST_FAIL_PARTITIONS', value: FAIL }],
      },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}, 600_000);
afterAll(async () => {
  await kubelet?.stop();
  await op?.stop();
  await cp?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('backfill with failing partitions, then a retry of only those', () => {
  let backfill = '';
  let afterFull: Record<string, string> = {};
  let afterBackfill: Record<string, string> = {};

  it('a regular run ingests six weeks; the fault injection does not touch it', async () => {
    const created = await plugin(['run', 'retail']);
    expect(created.code, created.err).toBe(0);
    const name = /pipelinerun\.medallion\.dev\/(\S+) created/.exec(created.out)![1]!;
    const run = await waitDone(name);
    expect((run.status as Obj).phase, JSON.stringify(exits.map((e) => e.logs.slice(-800)))).toBe('Succeeded');
    expect((run.status as Obj).partitions).toBeUndefined();
    afterFull = builtBy(await silverPartitions());
    expect(Object.keys(afterFull).length).toBeGreaterThan(30);
  }, 300_000);

  it('a backfill of March ends Failed with each partition outcome in its status, the table and -o json', async () => {
    const created = await plugin([
      'backfill',
      'retail',
      '--from',
      '2011-03-01',
      '--to',
      '2011-03-31',
      '-o',
      'json',
    ]);
    expect(created.code, created.err).toBe(0);
    backfill = (JSON.parse(created.out) as { metadata: { name: string } }).metadata.name;
    const run = await waitDone(backfill);
    const status = run.status as Obj & { conditions: { type: string; reason: string }[]; steps: Obj[] };
    expect(status.phase).toBe('Failed');
    expect(status.conditions.find((c) => c.type === 'Succeeded')?.reason).toBe('PartitionsFailed');
    // Every step ran and succeeded: the partitions failed, not the steps (no step retries).
    expect(status.steps.map((s) => [s.name, s.phase, s.attempts])).toEqual([
      ['bronze', 'Succeeded', 1],
      ['silver', 'Succeeded', 1],
      ['gold', 'Succeeded', 1],
    ]);
    expect(status.partitions).toEqual({
      requested: '2011-03-01..2011-03-31',
      succeeded: '2011-03-01..2011-03-07,2011-03-09..2011-03-14,2011-03-16..2011-03-31',
      failed: [{ dates: FAIL, reason: expect.stringMatching(/injected fault/) }],
      counts: { requested: 31, succeeded: 29, failed: 2 },
    });
    // The lake: March's other partitions were recomputed, the failed two and everything else kept their files.
    afterBackfill = builtBy(await silverPartitions());
    const recomputed = changed(afterFull, afterBackfill);
    const march = Object.keys(afterFull).filter((k) => k.startsWith('2011-03-'));
    expect(recomputed).toEqual(march.filter((k) => !FAIL.split(',').includes(k)));

    const table = await plugin(['runs', 'retail']);
    expect(table.code, table.err).toBe(0);
    const row = table.out.split('\n').find((l) => l.startsWith(backfill))!;
    expect(row.split(/\s{3,}/).slice(2, 3)).toEqual(['Failed']);
    expect(row).toContain(`2011-03-01..2011-03-31 29/31 ok, failed ${FAIL}`);
    const list = JSON.parse((await plugin(['runs', 'retail', '-o', 'json'])).out) as { items: Obj[] };
    const item = list.items.find((i) => (i.metadata as { name: string }).name === backfill)!;
    expect((item.status as Obj).partitions).toEqual(status.partitions);
  }, 300_000);

  it('backfill --retry re-runs only the two failed partitions, and they succeed once the fault is gone', async () => {
    // The cause is fixed (here: the fault injection removed from the Pipeline), then the failed dates are retried.
    const patched = await api.call(
      'PATCH',
      `${GROUP}/namespaces/${ns}/pipelines/retail`,
      { spec: { job: { env: [] } } },
      'application/merge-patch+json',
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const retry = await plugin(['backfill', '--retry', backfill]);
    expect(retry.code, retry.err).toBe(0);
    const m =
      /^pipelinerun\.medallion\.dev\/(retail-retry-[a-z0-9]+) created \(retry of (\S+): partitions (\S+)\)$/.exec(
        retry.out,
      );
    expect(m?.slice(2), retry.out).toEqual([backfill, FAIL]);
    const name = m![1]!;
    const run = await waitDone(name);
    const spec = run.spec as Obj;
    expect(spec.partitions).toEqual({ from: '2011-03-01', to: '2011-03-31', only: FAIL.split(',') });
    expect((run.metadata as { annotations: Obj }).annotations['medallion.dev/retry-of']).toBe(backfill);
    const status = run.status as Obj & { steps: { name: string; partitions?: Obj }[] };
    expect(status.phase).toBe('Succeeded');
    expect(status.partitions).toEqual({
      requested: FAIL,
      succeeded: FAIL,
      failed: [],
      counts: { requested: 2, succeeded: 2, failed: 0 },
    });
    expect(status.steps.find((s) => s.name === 'silver')?.partitions).toEqual({
      full: false,
      count: 2,
      first: '2011-03-08',
      last: '2011-03-15',
    });
    // Only those two partitions' files changed on the lake.
    expect(changed(afterBackfill, builtBy(await silverPartitions()))).toEqual(FAIL.split(','));

    const shown = JSON.parse((await plugin(['runs', 'retail', '-o', 'json'])).out) as { items: Obj[] };
    const item = shown.items.find((i) => (i.metadata as { name: string }).name === name)!;
    expect((item.status as Obj).partitions).toEqual(status.partitions);
    const row = (await plugin(['runs', 'retail'])).out.split('\n').find((l) => l.startsWith(name))!;
    expect(row).toContain(`${FAIL} 2/2 ok`);
    expect(row).toContain('Succeeded');

    // A run with nothing failed has nothing to retry.
    const again = await plugin(['backfill', '--retry', name]);
    expect(again.code).toBe(1);
    expect(again.err).toContain(
      `error [CONFLICT]: run ${name} is Succeeded: no partition failed, nothing to retry`,
    );
  }, 300_000);
});
