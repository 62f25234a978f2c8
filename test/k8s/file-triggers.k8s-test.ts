import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { createOperatorMetrics, type OperatorMetrics } from '../../operator/metrics.js';
import { TRIGGER_FILES_ANNOTATION, triggeredRunName } from '../../operator/trigger/decide-trigger.js';
import { startFakeKubelet } from './fake-kubelet.js';
import { installCrds } from './install-crds.js';
import { kubeRest, type KubeRest } from './kube-rest.js';
import { startApiserver, type ControlPlane } from './start-apiserver.js';

// File-arrival triggers against the real kube-apiserver and kube-controller-manager: the operator (in this process,
// stopped and started again like a restarted Pod) lists a real source directory and reads the real bronze manifest
// of a lake directory. Step Pods are run by the fake kubelet; what bronze would add to the manifest the test writes
// itself, at moments it chooses, so that a claimed-but-not-yet-ingested file is part of the story.

type Obj = Record<string, unknown>;
const GROUP = '/apis/medallion.dev/v1alpha1';
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
const work = mkdtempSync(join(tmpdir(), 'medallion-triggers-'));
const src = join(work, 'incoming');
const lake = join(work, 'lake');
let cp: ControlPlane;
let api: KubeRest;
const ops: RunningOperator[] = [];

beforeAll(async () => {
  mkdirSync(src, { recursive: true });
  cp = await startApiserver({
    binDir: inject('k8sBinDir'),
    controllerManager: true,
    beforeControllerManager: (kubeconfig) => installCrds(kubeRest(kubeconfig)),
  });
  api = kubeRest(cp.kubeconfig);
});
afterAll(async () => {
  for (const op of ops) await op.stop();
  await cp?.stop();
  rmSync(work, { recursive: true, force: true });
});

function startOp(ns: string): { op: RunningOperator; metrics: OperatorMetrics } {
  const metrics = createOperatorMetrics();
  const op = startOperator({
    client: createKubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })),
    logger,
    namespace: ns,
    defaultImage: 'medallion:test',
    metrics,
  });
  ops.push(op);
  return { op, metrics };
}
async function stopOp(op: RunningOperator) {
  await op.stop();
  ops.splice(ops.indexOf(op), 1);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface RunView {
  name: string;
  files: string[];
  phase?: string;
}
async function runs(ns: string): Promise<RunView[]> {
  const items = ((await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineruns`)).body.items ?? []) as Obj[];
  return items
    .map((r) => {
      const meta = r.metadata as { name: string; annotations?: Record<string, string> };
      const phase = (r.status as { phase?: string } | undefined)?.phase;
      return {
        name: meta.name,
        files: JSON.parse(meta.annotations?.[TRIGGER_FILES_ANNOTATION] ?? '[]') as string[],
        ...(phase ? { phase } : {}),
      };
    })
    .sort((a, b) => a.files.join().localeCompare(b.files.join()));
}
const triggerStatus = async (ns: string) =>
  (
    (await api.call('GET', `${GROUP}/namespaces/${ns}/pipelineschedules/arrivals`)).body.status as
      | { trigger?: { lastResult?: string; claims?: { run: string; files: string[] }[]; filesSeen?: number } }
      | undefined
  )?.trigger;
const polls = async (m: OperatorMetrics, result: string) =>
  Number(
    new RegExp(`result="${result}"\\} (\\d+)`).exec(
      await m.registry.getSingleMetricAsString('medallion_trigger_polls_total'),
    )?.[1] ?? 0,
  );
const triggeredEvents = async (ns: string) =>
  (((await api.call('GET', `/api/v1/namespaces/${ns}/events`)).body.items ?? []) as Obj[]).filter(
    (e) => e.reason === 'RunTriggered',
  ).length;

/** Each bronze Job's run and its `--files` argument: what the runner will ingest. */
async function bronzeJobFiles(ns: string): Promise<[string, string | undefined][]> {
  const sel = encodeURIComponent('medallion.dev/step=bronze');
  const items = ((await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs?labelSelector=${sel}`)).body
    .items ?? []) as { metadata: { labels: Record<string, string> }; spec: Obj }[];
  return items
    .map((j): [string, string | undefined] => {
      const args = (j.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec
        .containers[0]!.args;
      const at = args.indexOf('--files');
      return [j.metadata.labels['medallion.dev/run']!, at >= 0 ? args[at + 1] : undefined];
    })
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/** What bronze publishes once it has ingested these files (the fields the trigger reads, plus the rest). */
function ingest(files: string[]) {
  const dir = join(lake, 'bronze', 'retail');
  mkdirSync(dir, { recursive: true });
  const entries = files.map((file) => ({
    file,
    size: 1,
    sha256: 'x',
    rows: 1,
    malformed: 0,
    runId: 'r',
    ingestedAt: new Date().toISOString(),
    part: `parts/${file}.parquet`,
  }));
  const manifest = {
    dataset: 'retail',
    version: files.length,
    updatedAt: new Date().toISOString(),
    files: entries,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

const report = JSON.stringify({
  v: 1,
  step: 'bronze',
  status: 'Succeeded',
  rowsIn: 1,
  rowsOut: 1,
  durationMs: 5,
});
const expectedRun = (files: string[]) => triggeredRunName('arrivals', files);

describe('file-arrival triggers with kube-controller-manager', () => {
  it('3 files arriving one by one make 3 runs, each once, across an operator restart; none when nothing is new', async () => {
    const ns = `triggers-${Date.now()}`;
    expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    await waitFor('the default ServiceAccount', async () =>
      (await api.call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200
        ? true
        : undefined,
    );
    const pipeline = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelines`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'retail' },
      spec: {
        source: { uri: src, dataset: 'retail' },
        job: { image: 'medallion:test', lakeVolume: { claimName: 'lake', mountPath: lake } },
      },
    });
    expect(pipeline.status, JSON.stringify(pipeline.body)).toBe(201);
    const schedule = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelineschedules`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineSchedule',
      metadata: { name: 'arrivals' },
      spec: {
        pipelineRef: { name: 'retail' },
        trigger: { onNewFiles: { pollIntervalSeconds: 5, settleSeconds: 3, maxFilesPerRun: 10 } },
        runOverrides: { steps: ['bronze'] },
      },
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    // Neither a cron nor a trigger: the apiserver rejects it (the CRD's CEL rule).
    const neither = await api.call('POST', `${GROUP}/namespaces/${ns}/pipelineschedules`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineSchedule',
      metadata: { name: 'nothing' },
      spec: { pipelineRef: { name: 'retail' } },
    });
    expect([neither.status, JSON.stringify(neither.body)]).toEqual([
      422,
      expect.stringContaining('set spec.schedule (a cron), spec.trigger (file arrival), or both'),
    ]);
    const kubelet = startFakeKubelet(api, ns, () => ({ ok: true, message: report }));
    // A file bronze already holds is not new.
    writeFileSync(join(src, 'old.csv'), 'x\n');
    ingest(['old.csv']);

    let { op, metrics } = startOp(ns);
    // Nothing new: polls happen, no run.
    await waitFor('two quiet polls', async () =>
      (await polls(metrics, 'nothing_new')) >= 2 ? true : undefined,
    );
    expect(await runs(ns)).toEqual([]);
    expect((await triggerStatus(ns))?.lastResult).toBe('nothing_new');

    // a.csv is written slowly, longer than the settle time: no run while it grows.
    const a = join(src, 'a.csv');
    writeFileSync(a, 'x\n');
    for (let i = 0; i < 14; i++) {
      await new Promise((r) => setTimeout(r, 500));
      appendFileSync(a, 'x\n');
    }
    expect(await runs(ns)).toEqual([]);
    expect(await polls(metrics, 'settling')).toBeGreaterThan(0);
    const runA = await waitFor('the run for a.csv', async () => {
      const v = await runs(ns);
      return v.length > 0 ? v : undefined;
    });
    expect(runA.map((r) => [r.name, r.files])).toEqual([[expectedRun(['a.csv']), ['a.csv']]]);
    await waitFor('run a to succeed', async () =>
      (await runs(ns))[0]?.phase === 'Succeeded' ? true : undefined,
    );
    // Bronze has not published a.csv yet: its claim (status and run annotation) keeps it from a second run.
    expect((await triggerStatus(ns))?.claims).toEqual([{ run: expectedRun(['a.csv']), files: ['a.csv'] }]);

    // Restart: a new process with an empty memory sees a.csv, still not in the manifest, and leaves it alone.
    await stopOp(op);
    ({ op, metrics } = startOp(ns));
    await waitFor('two polls after the restart', async () =>
      (await polls(metrics, 'nothing_new')) >= 2 ? true : undefined,
    );
    expect((await runs(ns)).map((r) => r.name)).toEqual([expectedRun(['a.csv'])]);

    // b.csv arrives; bronze then publishes a and b.
    writeFileSync(join(src, 'b.csv'), 'x\n');
    await waitFor('the run for b.csv', async () => ((await runs(ns)).length === 2 ? true : undefined));
    await waitFor('run b to succeed', async () =>
      (await runs(ns)).every((r) => r.phase === 'Succeeded') ? true : undefined,
    );
    ingest(['old.csv', 'a.csv', 'b.csv']);

    // c.csv arrives while the operator is down; it comes back as two replicas at once (the worst case a lost lease
    // could cause): both decide on the same file set, so both create the same name and one gets AlreadyExists.
    await stopOp(op);
    writeFileSync(join(src, 'c.csv'), 'x\n');
    const first = startOp(ns);
    const second = startOp(ns);
    await waitFor('the run for c.csv', async () => ((await runs(ns)).length >= 3 ? true : undefined));
    await waitFor('run c to succeed', async () =>
      (await runs(ns)).every((r) => r.phase === 'Succeeded') ? true : undefined,
    );
    // Several more polls on both: still exactly the three runs, and the claims of ingested files are dropped.
    ingest(['old.csv', 'a.csv', 'b.csv', 'c.csv']);
    const before = [await polls(first.metrics, 'nothing_new'), await polls(second.metrics, 'nothing_new')];
    await waitFor('two more quiet polls on each replica', async () =>
      (await polls(first.metrics, 'nothing_new')) >= before[0]! + 2 &&
      (await polls(second.metrics, 'nothing_new')) >= before[1]! + 2
        ? true
        : undefined,
    );
    expect((await runs(ns)).map((r) => [r.name, r.files])).toEqual([
      [expectedRun(['a.csv']), ['a.csv']],
      [expectedRun(['b.csv']), ['b.csv']],
      [expectedRun(['c.csv']), ['c.csv']],
    ]);
    expect(await triggeredEvents(ns)).toBe(3);
    // Each run's bronze Job ingests exactly the files its run claims, not whatever else the source holds by then.
    expect(await bronzeJobFiles(ns)).toEqual(
      [
        [expectedRun(['a.csv']), 'a.csv'],
        [expectedRun(['b.csv']), 'b.csv'],
        [expectedRun(['c.csv']), 'c.csv'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    const status = await waitFor('the claims to be dropped', async () => {
      const t = await triggerStatus(ns);
      return t?.claims === undefined ? t : undefined;
    });
    expect(status?.filesSeen).toBe(4);
    const created = (await polls(first.metrics, 'created')) + (await polls(second.metrics, 'created'));
    expect(created).toBeGreaterThanOrEqual(1);
    const cost = await first.metrics.registry.getSingleMetricAsString(
      'medallion_trigger_listed_objects_total',
    );
    expect(Number(/ (\d+)$/m.exec(cost)?.[1])).toBeGreaterThan(0);
    await kubelet.stop();
    expect(kubelet.errors).toEqual([]);
  }, 240_000);
});
