import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { startSeaweedFs, type SeaweedFs } from '../s3/seaweedfs.js';
import { expectRunQualityFromReports } from './expect-run-quality.js';
import { startFakeJobExecutor } from './fake-job-executor.js';
import { startFakeSparkOperator } from './fake-spark-operator.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { runnerContainer } from './runner-container.js';
import { sparkSqlExecutions, sparkSubmitContainer } from './spark-submit-container.js';
import { ensureEngineTypeInPipelineCrd, installSparkCrd, removeSparkCrd } from './spark-operator-crd.js';

// End to end on Spark: the same pipeline (the sample data, source and lake in SeaweedFS buckets) once with engine
// duckdb and once with engine spark. The spark run's silver and gold are SparkApplications, which a stand-in for the
// Spark Operator runs for real: spark-submit in local mode (test/spark/setup-spark.sh's pyspark), the driver's --exec
// mode around the runner (spark-submit-container.ts). Both runs must reach Succeeded with the same step reports.
// Needs `npm run build`, test/s3/setup-seaweedfs.sh and Java 17+.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DATA = join(REPO, 'examples/online-retail/data');
const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
const ns = `spark-e2e-${Date.now()}`;
const root = mkdtempSync(join(tmpdir(), 'medallion-spark-e2e-'));
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- apiserver JSON

let weed: SeaweedFs | undefined;
let op: RunningOperator | undefined;
let jobs: ReturnType<typeof startFakeJobExecutor> | undefined;
let spark: ReturnType<typeof startFakeSparkOperator> | undefined;
const exits: { job: string; args: string[]; exitCode: number; logs: string; message: string }[] = [];
const states: Record<string, string[]> = {};

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist/runner/engine/spark/medallion-spark-driver.py')))
    throw new Error(
      'dist/ is missing: run `npm run build` first (the image runs the compiled CLI and driver)',
    );
  const sparkHome = execFileSync('bash', ['test/spark/setup-spark.sh'], { cwd: REPO, encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;
  weed = await startSeaweedFs();
  await weed.createBucket('retail-raw');
  await weed.createBucket('retail-lake');
  for (const f of readdirSync(DATA).filter((x) => x.endsWith('.csv')))
    await weed.client.send(
      new PutObjectCommand({
        Bucket: 'retail-raw',
        Key: `online-retail/${f}`,
        Body: readFileSync(join(DATA, f)),
      }),
    );
  await installCrds(api);
  await ensureEngineTypeInPipelineCrd(api);
  await installSparkCrd(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'default' } });
  const secret = await api.call('POST', `/api/v1/namespaces/${ns}/secrets`, {
    metadata: { name: 'lake-credentials' },
    stringData: { AWS_ACCESS_KEY_ID: weed.accessKeyId, AWS_SECRET_ACCESS_KEY: weed.secretAccessKey },
  });
  expect(secret.status).toBe(201);
  const onExit = (e: (typeof exits)[number]) => exits.push(e);
  jobs = startFakeJobExecutor(api, ns, runnerContainer({ api, namespace: ns, root, onExit }));
  spark = startFakeSparkOperator(
    api,
    ns,
    sparkSubmitContainer({ api, namespace: ns, root, onExit, sparkHome, master: 'local[2]' }),
  );
  op = startOperator({
    client,
    logger,
    namespace: ns,
    defaultImage: 'medallion:e2e',
    s3Defaults: { endpoint: weed.endpoint, region: weed.region },
  });
  await op.synced;
}, 600_000);
afterAll(async () => {
  await jobs?.stop();
  await spark?.stop();
  await op?.stop();
  await weed?.stop();
  await removeSparkCrd(api);
  rmSync(root, { recursive: true, force: true });
});

function pipeline(name: string, engine: Obj): Obj {
  const doc = parseYaml(readFileSync(join(REPO, 'examples/online-retail/pipeline.yaml'), 'utf8')) as {
    spec: Obj;
  };
  const spec = { ...doc.spec };
  delete spec.warehouse; // the lake steps are what Spark runs
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name },
    spec: {
      ...spec,
      steps: ['bronze', 'silver', 'gold'],
      source: { ...spec.source, uri: 's3://retail-raw/online-retail/' },
      lake: { uri: `s3://retail-lake/${name}`, s3: { credentialsSecret: { name: 'lake-credentials' } } },
      enrichment: { enabled: false },
      job: { image: 'medallion:e2e' },
      engine: { ...spec.engine, ...engine },
    },
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const RUNS = `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelineruns`;
const APPS = `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications`;

async function startRun(name: string, pipelineName: string) {
  const created = await api.call('POST', `/apis/medallion.dev/v1alpha1/namespaces/${ns}/pipelines`, {
    ...pipeline(pipelineName, pipelineName.endsWith('spark') ? { type: 'spark' } : { type: 'duckdb' }),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const run = { metadata: { name }, spec: { pipelineRef: { name: pipelineName }, retries: { limit: 0 } } };
  const res = await api.call('POST', RUNS, {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    ...run,
  });
  expect(res.status).toBe(201);
}

const finished = (name: string, timeoutMs: number) =>
  waitFor(
    `${name} to finish`,
    async () => {
      // Every applicationState the stand-in moves the applications through, as the operator would see it.
      for (const a of ((await api.call('GET', APPS)).body.items ?? []) as Obj[]) {
        const seen = (states[a.metadata.name] ??= []);
        const s = a.status?.applicationState?.state as string | undefined;
        if (s && seen.at(-1) !== s) seen.push(s);
      }
      const s = (await api.call('GET', `${RUNS}/${name}`)).body.status as Obj | undefined;
      return ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s?.phase)) ? s : undefined;
    },
    timeoutMs,
  );

/** A step's status without what differs between any two runs (times, names of Jobs/applications, attempts). */
const comparable = (steps: Obj[]) =>
  steps.map((s) =>
    Object.fromEntries(
      Object.entries(s).filter(
        ([k]) => !/(time|At$|ms$|duration|job|application|attempt|pod|lineage)/i.test(k),
      ),
    ),
  );

describe('a spark pipeline on Kubernetes, its SparkApplications run by spark-submit in local mode', () => {
  it('reaches Succeeded with the same step reports and KPIs as the same pipeline on duckdb', async () => {
    const t0 = performance.now();
    await startRun('on-duckdb-1', 'retail-duckdb');
    const duck = await finished('on-duckdb-1', 180_000);
    const tDuck = performance.now() - t0;
    await startRun('on-spark-1', 'retail-spark');
    const onSpark = await finished('on-spark-1', 480_000);
    const tSpark = performance.now() - t0 - tDuck;
    console.log(`[spark-e2e] duckdb run ${Math.round(tDuck)} ms, spark run ${Math.round(tSpark)} ms`);

    const mine = exits.filter((e) => e.job.startsWith('on-spark-1-'));
    const diagnosis = JSON.stringify({
      status: onSpark,
      exits: mine.map((e) => ({ ...e, logs: e.logs.slice(-3000) })),
    });
    expect(jobs?.errors, diagnosis).toEqual([]);
    expect(spark?.errors, diagnosis).toEqual([]);
    expect(duck.phase, JSON.stringify(duck)).toBe('Succeeded');
    expect(onSpark.phase, diagnosis).toBe('Succeeded');

    // Bronze is a Job; silver and gold are SparkApplications whose driver really ran the runner.
    expect(jobs?.executed.filter((n) => n.startsWith('on-spark-1-'))).toEqual(['on-spark-1-bronze-1']);
    expect(spark?.executed).toEqual(['on-spark-1-silver-1', 'on-spark-1-gold-1']);
    expect(mine.map((e) => [e.job, e.exitCode])).toEqual([
      ['on-spark-1-bronze-1', 0],
      ['on-spark-1-silver-1', 0],
      ['on-spark-1-gold-1', 0],
    ]);
    // The silver session really did silver's row-by-row work: its event log shows the row store read from and the
    // classified rows written to the lake's local scratch (the hybrid hand-over; no S3A needed in local mode).
    const silverSql = sparkSqlExecutions(root, 'on-spark-1-silver-1');
    const goldSql = sparkSqlExecutions(root, 'on-spark-1-gold-1');
    console.log(`[spark-e2e] Spark SQL executions: silver ${silverSql.length}, gold ${goldSql.length}`);
    expect(silverSql.some((q) => /-rows\.parquet/.test(q))).toBe(true);
    expect(silverSql.some((q) => /-classified\.parquet/.test(q))).toBe(true);
    expect(silverSql.join('\n')).not.toMatch(/s3a?:\/\//);
    for (const app of ['on-spark-1-silver-1', 'on-spark-1-gold-1']) {
      expect(states[app]?.at(-1)).toBe('COMPLETED');
      expect(states[app]?.[0]).toMatch(/SUBMITTED|RUNNING/);
    }

    // The same reports: rows in and out, quality, checks, KPIs to the cent.
    const steps = onSpark.steps as Obj[];
    expect(steps.map((s) => [s.name, s.phase])).toEqual([
      ['bronze', 'Succeeded'],
      ['silver', 'Succeeded'],
      ['gold', 'Succeeded'],
    ]);
    expect(comparable(steps)).toEqual(comparable(duck.steps as Obj[]));
    expect(Number(steps[1]?.rowsOut)).toBeGreaterThan(0);
    expect(onSpark.quality).toEqual(duck.quality);
    expect(onSpark.kpis).toEqual(duck.kpis);
    expectRunQualityFromReports(
      onSpark.quality,
      mine.map((e) => JSON.parse(e.message) as Obj),
    );
    // The silver step's report is the driver Pod's termination message, as the operator read it.
    const pod = (await api.call('GET', `/api/v1/namespaces/${ns}/pods/on-spark-1-silver-1-driver`))
      .body as Obj;
    const term = pod.status.containerStatuses[0].state.terminated;
    expect(JSON.parse(term.message)).toMatchObject({ step: 'silver', rowsOut: steps[1]?.rowsOut });
  }, 720_000);
});
