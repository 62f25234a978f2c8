import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse/sync';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { startSeaweedFs, type SeaweedFs } from '../s3/seaweedfs.js';
import { startFakeJobExecutor } from './fake-job-executor.js';
import { expectRunQualityFromReports } from './expect-run-quality.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { runnerContainer } from './runner-container.js';

// End to end with the real runner and a real S3 server (SeaweedFS on loopback): the sample pipeline's source and lake
// are in buckets, step Jobs mount no lake volume, and the only way the credentials reach a step is the Secret the
// Pipeline references (the host process gets PATH, HOME, TZ and the container's env, nothing else). Endpoint and
// region come from the operator's defaults, as the chart sets them. Needs `npm run build` and
// test/s3/setup-seaweedfs.sh.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DATA = join(REPO, 'examples/online-retail/data');
const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
const ns = `s3-e2e-${Date.now()}`;
const root = mkdtempSync(join(tmpdir(), 'medallion-s3-e2e-'));
const RUNS = `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelineruns`;
type Obj = Record<string, unknown>;

let weed: SeaweedFs | undefined;
let op: RunningOperator | undefined;
let executor: ReturnType<typeof startFakeJobExecutor> | undefined;
const exits: { job: string; args: string[]; exitCode: number; logs: string; message: string }[] = [];

const csvFiles = () => readdirSync(DATA).filter((f) => f.endsWith('.csv'));

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first (bin/medallion.js runs the compiled CLI)');
  weed = await startSeaweedFs();
  await weed.createBucket('retail-raw');
  await weed.createBucket('retail-lake');
  for (const f of csvFiles())
    await weed.client.send(
      new PutObjectCommand({
        Bucket: 'retail-raw',
        Key: `online-retail/${f}`,
        Body: readFileSync(join(DATA, f)),
      }),
    );
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'default' } });
  const secret = await api.call('POST', `/api/v1/namespaces/${ns}/secrets`, {
    metadata: { name: 'lake-credentials' },
    stringData: { AWS_ACCESS_KEY_ID: weed.accessKeyId, AWS_SECRET_ACCESS_KEY: weed.secretAccessKey },
  });
  expect(secret.status).toBe(201);
  executor = startFakeJobExecutor(
    api,
    ns,
    runnerContainer({ api, namespace: ns, root, onExit: (e) => exits.push(e) }),
  );
  op = startOperator({
    client,
    logger,
    namespace: ns,
    defaultImage: 'medallion:e2e',
    s3Defaults: { endpoint: weed.endpoint, region: weed.region },
  });
  await op.synced;
}, 120_000);
afterAll(async () => {
  await executor?.stop();
  await op?.stop();
  await weed?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The reference pipeline with its source and lake in buckets, credentials by Secret reference, no volume. */
function s3Pipeline(name: string, credentialsSecret: string): Obj {
  const doc = parseYaml(readFileSync(join(REPO, 'examples/online-retail/pipeline.yaml'), 'utf8')) as {
    spec: Obj & { source: Obj };
  };
  const spec = { ...doc.spec };
  delete spec.warehouse; // this test is about the lake steps
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name },
    spec: {
      ...spec,
      steps: ['bronze', 'silver', 'gold'],
      source: { ...spec.source, uri: 's3://retail-raw/online-retail/' },
      lake: { uri: `s3://retail-lake/${name}`, s3: { credentialsSecret: { name: credentialsSecret } } },
      enrichment: { enabled: false }, // no calls to public APIs from tests
      job: { image: 'medallion:e2e' },
    },
  };
}

function sampleRecords(): number {
  return csvFiles().reduce(
    (n, f) => n + (parseCsv(readFileSync(join(DATA, f)), { columns: true }) as unknown[]).length,
    0,
  );
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runToEnd(runName: string, pipeline: string): Promise<Obj> {
  const run = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: runName },
    spec: { pipelineRef: { name: pipeline }, retries: { limit: 0 } },
  };
  expect((await api.call('POST', RUNS, run)).status).toBe(201);
  return waitFor(`${runName} to finish`, async () => {
    const s = (await api.call('GET', `${RUNS}/${runName}`)).body.status as Obj | undefined;
    return ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s?.phase)) ? s : undefined;
  });
}

async function createPipeline(p: Obj) {
  const created = await api.call('POST', `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines`, p);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

describe('end to end with an S3 lake', () => {
  it('runs bronze, silver and gold Jobs with no volume against the bucket: Succeeded with rows, quality and lineage', async () => {
    await createPipeline(s3Pipeline('retail-s3', 'lake-credentials'));
    const status = await runToEnd('retail-s3-1', 'retail-s3');
    const mine = exits.filter((e) => e.job.startsWith('retail-s3-1-'));
    const diagnosis = JSON.stringify({
      status,
      exits: mine.map((e) => ({ ...e, logs: e.logs.slice(-1500) })),
    });
    expect(executor?.errors, diagnosis).toEqual([]);
    expect(status.phase, diagnosis).toBe('Succeeded');
    expect(mine.map((e) => [e.job, e.exitCode])).toEqual([
      ['retail-s3-1-bronze-1', 0],
      ['retail-s3-1-silver-1', 0],
      ['retail-s3-1-gold-1', 0],
    ]);

    // The Jobs as stored by the apiserver: no lake volume or mount, no --lake, the keys only by Secret reference.
    const jobs = (await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs`)).body.items as {
      metadata: { name: string };
      spec: { template: { spec: { volumes: Obj[]; containers: (Obj & { args: string[] })[] } } };
    }[];
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(mine.map((e) => e.job).sort());
    for (const j of jobs) {
      const pod = j.spec.template.spec;
      expect(pod.volumes.map((v) => v.name)).toEqual(['spec', 'tmp']);
      expect(JSON.stringify(pod)).not.toContain('persistentVolumeClaim');
      expect(pod.containers[0]?.volumeMounts).toEqual([
        { name: 'spec', mountPath: '/etc/medallion', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ]);
      expect(pod.containers[0]?.args).not.toContain('--lake');
      expect(JSON.stringify(j)).not.toContain(weed!.secretAccessKey);
    }
    expect(existsSync(join(root, 'claims'))).toBe(false);

    // What the runner measured on the sample, read from the bucket and reported through the Pod status.
    const reports = mine.map((e) => JSON.parse(e.message) as Obj & { kpis?: Record<string, number | null> });
    const steps = status.steps as (Obj & { name: string })[];
    expect(steps.map((s) => [s.name, s.phase, s.rowsIn, s.rowsOut])).toEqual(
      reports.map((r) => [r.step, 'Succeeded', r.rowsIn, r.rowsOut]),
    );
    const [bronze, silver, gold] = steps;
    expect(bronze?.rowsIn).toBe(sampleRecords());
    expect(silver?.rowsIn).toBe(bronze?.rowsOut);
    expect(gold?.rowsIn).toBe(silver?.rowsOut);
    expect(Number(silver?.rowsOut)).toBeGreaterThan(0.9 * Number(silver?.rowsIn));
    expect((status.quality as { score: number }).score).toBeGreaterThanOrEqual(0.9);
    expectRunQualityFromReports(status.quality, reports);
    const kpis = status.kpis as Record<string, number>;
    expect(kpis.orders! > 0 && kpis.revenue! > 0).toBe(true);
    const lineage = status.lineage as { inputs: string[]; outputs: string[] };
    expect(lineage.inputs).toContain('s3://retail-raw/online-retail');
    expect(lineage.outputs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^s3:\/\/retail-lake\/retail-s3\/gold\/online_retail\/kpis$/),
      ]),
    );

    // The lake is in the bucket: every layer wrote objects there.
    const listed = await weed!.client.send(
      new ListObjectsV2Command({ Bucket: 'retail-lake', Prefix: 'retail-s3/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    for (const layer of ['bronze', 'silver', 'gold'])
      expect(
        keys.some((k) => k.startsWith(`retail-s3/${layer}/`)),
        layer,
      ).toBe(true);
  }, 240_000);

  it('fails the step with a clear message when the referenced Secret holds a wrong key, and publishes nothing', async () => {
    const bad = await api.call('POST', `/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name: 'wrong-credentials' },
      stringData: { AWS_ACCESS_KEY_ID: weed!.accessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret' },
    });
    expect(bad.status).toBe(201);
    await createPipeline(s3Pipeline('retail-bad', 'wrong-credentials'));
    const status = await runToEnd('retail-bad-1', 'retail-bad');
    expect(status.phase).toBe('Failed');
    const bronze = (status.steps as (Obj & { name: string })[]).find((s) => s.name === 'bronze');
    expect(bronze?.phase).toBe('Failed');
    // The runner's own error and hint, through the log-tail fallback (it fails before it has a step report).
    expect(String(bronze?.message)).toMatch(/SignatureDoesNotMatch \(HTTP 403\)/);
    expect(String(bronze?.message)).toMatch(/check AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY/);
    expect(JSON.stringify(status)).not.toContain('not-the-secret');
    const listed = await weed!.client.send(
      new ListObjectsV2Command({ Bucket: 'retail-lake', Prefix: 'retail-bad/' }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 120_000);
});
