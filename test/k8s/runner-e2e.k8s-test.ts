import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import type { Collection } from '../../operator/kube/kube-client.js';
import { startFakeJobExecutor } from './fake-job-executor.js';
import { expectRunQualityFromReports } from './expect-run-quality.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { runnerContainer } from './runner-container.js';

// End to end with the real runner: every step Job's container command runs (node bin/medallion.js run ... on the
// sample data in examples/online-retail/data), and the termination message it writes travels through the Pod status
// into the PipelineRun status, as with kubelet. Needs `npm run build` (bin/medallion.js runs dist/).

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DATA = join(REPO, 'examples/online-retail/data');
const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
const ns = `e2e-${Date.now()}`;
const root = mkdtempSync(join(tmpdir(), 'medallion-e2e-'));
type Obj = Record<string, unknown>;

let op: RunningOperator | undefined;
let executor: ReturnType<typeof startFakeJobExecutor> | undefined;
const watchAbort = new AbortController();

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first (bin/medallion.js runs the compiled CLI)');
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'default' } });
});
afterAll(async () => {
  watchAbort.abort();
  await executor?.stop();
  await op?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The reference pipeline as a Pipeline object: the sample data by absolute path, the lake on a claim. */
function retailPipeline(): Obj {
  const doc = parseYaml(readFileSync(join(REPO, 'examples/online-retail/pipeline.yaml'), 'utf8')) as {
    spec: Obj & { source: Obj };
  };
  const spec = { ...doc.spec };
  delete spec.lake; // in a cluster the lake is the claim mounted by each step
  // In a cluster the warehouse is a PostgreSQL named by a Secret, not the laptop demo's embedded server; this test
  // is about the lake steps.
  delete spec.warehouse;
  spec.steps = ['bronze', 'silver', 'gold'];
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'online-retail' },
    spec: {
      ...spec,
      source: { ...spec.source, uri: DATA },
      enrichment: { enabled: false }, // no calls to public APIs from tests
      job: { image: 'medallion:e2e', lakeVolume: { claimName: 'retail-lake' } },
    },
  };
}

/** Records of the sample CSVs, counted independently of the runner. */
function sampleRecords(): number {
  return readdirSync(DATA)
    .filter((f) => f.endsWith('.csv'))
    .reduce((n, f) => n + (parseCsv(readFileSync(join(DATA, f)), { columns: true }) as unknown[]).length, 0);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('end to end with the real runner', () => {
  it('runs the online-retail sample through bronze, silver and gold Jobs: Pending → Running → Succeeded', async () => {
    const exits: { job: string; exitCode: number; logs: string; message: string }[] = [];
    executor = startFakeJobExecutor(
      api,
      ns,
      runnerContainer({ api, namespace: ns, root, onExit: (e) => exits.push(e) }),
    );
    op = startOperator({ client, logger, namespace: ns, defaultImage: 'medallion:e2e' });
    await op.synced;

    // Every phase the run goes through, from its watch events.
    const runs: Collection = { apiVersion: 'medallion.dev/v1alpha1', plural: 'pipelineruns', namespace: ns };
    const phases: string[] = [];
    const { resourceVersion } = await client.list(runs);
    void client.watch(
      runs,
      { resourceVersion, timeoutSeconds: 300 },
      (e) => {
        const phase = (e.object.status as { phase?: string } | undefined)?.phase;
        if (phase && phases.at(-1) !== phase) phases.push(phase);
      },
      watchAbort.signal,
    );

    const run = {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: 'retail-1' },
      spec: { pipelineRef: { name: 'online-retail' }, retries: { limit: 0 } },
    };
    const runPath = `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelineruns`;
    expect((await api.call('POST', runPath, run)).status).toBe(201);
    // The Pipeline does not exist yet: the run waits.
    await waitFor('Pending', async () => (phases.includes('Pending') ? true : undefined));
    const created = await api.call(
      'POST',
      `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines`,
      retailPipeline(),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const status = await waitFor('the run to finish', async () => {
      const s = (await api.call('GET', `${runPath}/retail-1`)).body.status as Obj | undefined;
      return ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s?.phase)) ? s : undefined;
    });
    const diagnosis = JSON.stringify({
      status,
      exits: exits.map((e) => ({ ...e, logs: e.logs.slice(-1500) })),
    });
    expect(executor.errors, diagnosis).toEqual([]);
    expect(status.phase, diagnosis).toBe('Succeeded');
    await waitFor('the Succeeded watch event', async () =>
      phases.at(-1) === 'Succeeded' ? true : undefined,
    );
    expect(phases).toEqual(['Pending', 'Running', 'Succeeded']);

    // One real container per step, in order, each exiting 0 with a step report it wrote itself.
    expect(exits.map((e) => [e.job, e.exitCode])).toEqual([
      ['retail-1-bronze-1', 0],
      ['retail-1-silver-1', 0],
      ['retail-1-gold-1', 0],
    ]);
    const reports = exits.map((e) => JSON.parse(e.message) as Obj & { kpis?: Record<string, number | null> });
    expect(reports.map((r) => [r.v, r.step, r.status])).toEqual([
      [1, 'bronze', 'Succeeded'],
      [1, 'silver', 'Succeeded'],
      [1, 'gold', 'Succeeded'],
    ]);

    // The status carries what the runner measured on the real sample.
    const steps = status.steps as (Obj & { name: string })[];
    expect(steps.map((s) => [s.name, s.phase, s.attempts, s.rowsIn, s.rowsOut])).toEqual(
      reports.map((r) => [r.step, 'Succeeded', 1, r.rowsIn, r.rowsOut]),
    );
    const [bronze, silver, gold] = steps;
    expect(bronze?.rowsIn).toBe(sampleRecords());
    expect(silver?.rowsIn).toBe(bronze?.rowsOut);
    expect(gold?.rowsIn).toBe(silver?.rowsOut);
    expect(Number(silver?.rowsOut)).toBeGreaterThan(0.9 * Number(silver?.rowsIn));
    expectRunQualityFromReports(status.quality, reports);
    expect((status.quality as { score: number }).score).toBeGreaterThanOrEqual(0.9); // the pipeline's minScore
    // KPIs as the gold step reported them; a KPI it could not compute (null, e.g. without FX rates) is left out.
    const measured = Object.fromEntries(Object.entries(reports[2]?.kpis ?? {}).filter(([, v]) => v !== null));
    expect(status.kpis).toEqual(measured);
    expect(measured).toMatchObject({ revenue: expect.any(Number), orders: expect.any(Number) });
    expect((measured.orders ?? 0) > 0 && (measured.revenue ?? 0) > 0).toBe(true);
    const lineage = status.lineage as { inputs: string[]; outputs: string[] };
    expect(lineage.inputs.some((i) => i.includes('examples/online-retail/data'))).toBe(true);
    expect(lineage.outputs).toEqual(
      expect.arrayContaining([expect.stringMatching(/claims\/retail-lake\/gold\/online_retail\/kpis$/)]),
    );

    const pipeline = await waitFor('the Pipeline status', async () => {
      const p = (
        await api.call('GET', `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines/online-retail`)
      ).body.status as Obj | undefined;
      return (p?.lastSuccessfulRun as Obj | undefined)?.name === 'retail-1' ? p : undefined;
    });
    expect(pipeline.lastQualityScore).toBe((status.quality as { score: number }).score);
  }, 180_000);
});
