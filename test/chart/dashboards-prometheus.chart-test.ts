import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { signToken } from '../../api/auth/jwt.js';
import { parseOperatorConfig } from '../../operator/config.js';
import { runOperator, type OperatorProcess } from '../../operator/main.js';
import { startStandInProviders, type StandInProviders } from '../helpers/stand-in-providers.js';
import { startFakeJobExecutor } from '../k8s/fake-job-executor.js';
import { kubeRest } from '../k8s/kube-rest.js';
import { runnerContainer } from '../k8s/runner-container.js';
import { freePort, startTestPostgres, type TestPostgres } from '../warehouse/helpers/test-postgres.js';
import { ROOT } from './chart.js';
import {
  checkQuery,
  dashboardQueries,
  parseExposition,
  type Exported,
} from './dashboards/dashboard-check.js';
import {
  DASHBOARD_FILES,
  EXPORTED_METRICS_FILE,
  exportedToJson,
  readDashboard,
} from './dashboards/dashboards.js';
import { startPrometheus, type PrometheusServer } from './dashboards/prometheus-server.js';

/**
 * Every dashboard panel's PromQL against a real Prometheus (Debian's package) scraping a real operator (the process
 * entry point, leader election and /metrics included) and a real `medallion api` process, during an end-to-end run:
 * the operator turns two PipelineRuns of the online-retail sample into step Jobs whose containers run the real
 * runner (bronze → search, the warehouse into a real PostgreSQL, enrichment against loopback stand-ins), while the API
 * serves the warehouse and the runs to authenticated, unauthenticated and lost clients. A ResourceQuota refuses the
 * first Jobs, so reconcile errors are real too. Needs `npm run build` (the step containers run bin/medallion.js).
 */

const DATA = join(ROOT, 'examples/online-retail/data');
const JWT_SECRET = 'dashboards-e2e-secret-0123456789abcdef';
const api = kubeRest(inject('kubeconfig'));
const ns = `dash-${Date.now()}`;
const GROUP = `/apis/medallion.dev/v1alpha1/namespaces/${ns}`;
const root = mkdtempSync(join(tmpdir(), 'medallion-dashboards-'));
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
type Obj = Record<string, unknown>;

let db: TestPostgres | undefined;
let providers: StandInProviders | undefined;
let operator: OperatorProcess | undefined;
let executor: ReturnType<typeof startFakeJobExecutor> | undefined;
let apiProcess: ChildProcess | undefined;
let prometheus: PrometheusServer | undefined;
let traffic: NodeJS.Timeout | undefined;
let startedAt = 0;
const scraped: { operator: string; api: string } = { operator: '', api: '' };

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
    await new Promise((r) => setTimeout(r, 250));
  }
}

const text = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers }).then(async (r) => ({ status: r.status, body: await r.text() }));

function retailPipeline(databaseUrl: string, p: StandInProviders): Obj {
  const doc = parseYaml(readFileSync(join(ROOT, 'examples/online-retail/pipeline.yaml'), 'utf8')) as {
    spec: Obj & { source: Obj };
  };
  const spec = { ...doc.spec };
  delete spec.lake; // the lake is the claim mounted by each step
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'online-retail' },
    spec: {
      ...spec,
      source: { ...spec.source, uri: DATA },
      warehouse: { url: databaseUrl, schema: 'medallion', embedded: { enabled: false } },
      enrichment: { currency: { baseUrl: p.fxUrl }, country: { baseUrl: p.countriesUrl } },
      job: { image: 'medallion:e2e', lakeVolume: { claimName: 'retail-lake' } },
    },
  };
}

async function runToEnd(name: string): Promise<Obj> {
  const run = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name },
    spec: { pipelineRef: { name: 'online-retail' }, retries: { limit: 0 } },
  };
  expect((await api.call('POST', `${GROUP}/pipelineruns`, run)).status).toBe(201);
  return waitFor(`run ${name}`, async () => {
    const s = (await api.call('GET', `${GROUP}/pipelineruns/${name}`)).body.status as Obj | undefined;
    return ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s?.phase)) ? s : undefined;
  });
}

/** Requests a console or script would make, every 300 ms: authenticated reads, a 401 and a 404. */
async function startTraffic(apiUrl: string) {
  const token = await signToken({
    role: 'viewer',
    subject: 'dashboards-e2e',
    ttlSeconds: 3600,
    issuer: 'medallion',
    audience: 'medallion-api',
    hs256Secret: JWT_SECRET,
  });
  const auth = { authorization: `Bearer ${token}` };
  const paths = [
    '/api/v1/runs',
    '/api/v1/pipelines',
    '/api/v1/kpis/summary',
    '/api/v1/kpis/daily',
    '/api/v1/products/search?q=mug',
  ];
  let i = 0;
  traffic = setInterval(() => {
    const path = paths[i++ % paths.length] ?? '/api/v1/runs';
    void text(`${apiUrl}${path}`, auth).catch(() => {});
    void text(`${apiUrl}/api/v1/runs`).catch(() => {}); // no token: 401
    void text(`${apiUrl}/api/v1/no-such-route`, auth).catch(() => {}); // 404, route "unmatched"
  }, 300);
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/api/server.js')))
    throw new Error('dist/ is missing: run `npm run build` first (the step containers run bin/medallion.js)');
  startedAt = Date.now();
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'default' } });
  [db, providers] = await Promise.all([startTestPostgres(), startStandInProviders()]);

  // The operator as its process entry point runs it: leader election, /metrics, /healthz, /readyz on one port.
  const config = parseOperatorConfig(
    ['--kubeconfig', inject('kubeconfig'), '--namespace', ns, '--port', '0'],
    {},
  );
  operator = await runOperator(
    { ...config, leaseName: `lease-${ns}`, stepImage: 'medallion:e2e' },
    { logger },
  );
  executor = startFakeJobExecutor(api, ns, runnerContainer({ api, namespace: ns, root }));

  // `medallion api` as a process, in cluster mode (runs from PipelineRuns) over the warehouse the runs load.
  const apiPort = await freePort();
  apiProcess = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/medallion.js'),
      'api',
      '--port',
      String(apiPort),
      '--kubeconfig',
      inject('kubeconfig'),
      '--namespace',
      ns,
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: root,
        DATABASE_URL: db.url,
        MEDALLION_JWT_SECRET: JWT_SECRET,
        MEDALLION_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let apiLog = '';
  apiProcess.stderr?.on('data', (c: Buffer) => (apiLog += c.toString()));
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor(
    'the API',
    async () =>
      apiProcess?.exitCode !== null
        ? Promise.reject(new Error(`api exited: ${apiLog}`))
        : (await text(`${apiUrl}/healthz`).catch(() => ({ status: 0 }))).status === 200 || undefined,
    60_000,
  );

  prometheus = await startPrometheus({
    binary: process.env.MEDALLION_PROMETHEUS || '/usr/bin/prometheus',
    port: await freePort(),
    jobs: [
      // As the chart's ServiceMonitor: honorLabels keeps the pipelines' namespace label.
      { job: 'medallion-operator', target: `127.0.0.1:${operator.port}`, honorLabels: true },
      { job: 'medallion-api', target: `127.0.0.1:${apiPort}` },
    ],
    ruleFiles: [join(ROOT, 'charts/medallion/files/prometheus/medallion-rules.yaml')],
  });
  await startTraffic(apiUrl);

  // The apiserver refuses the first Jobs (a quota whose usage nobody has computed): real reconcile errors.
  const quota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'no-jobs' },
    spec: { hard: { 'count/jobs.batch': '0' } },
  };
  expect((await api.call('POST', `/api/v1/namespaces/${ns}/resourcequotas`, quota)).status).toBe(201);
  await api.call('POST', `${GROUP}/pipelines`, retailPipeline(db.url, providers));
  const schedule = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineSchedule',
    metadata: { name: 'online-retail-daily' },
    spec: {
      pipelineRef: { name: 'online-retail' },
      schedule: '0 6 * * *',
      timeZone: 'Europe/London',
      concurrencyPolicy: 'Forbid',
    },
  };
  expect((await api.call('POST', `${GROUP}/pipelineschedules`, schedule)).status).toBe(201);
  const first = runToEnd('retail-1');
  await waitFor(
    'a reconcile error',
    async () =>
      /^medallion_reconcile_errors_total\{[^}]*\} [1-9]/m.test(
        (await text(`http://127.0.0.1:${operator?.port}/metrics`)).body,
      ) || undefined,
    60_000,
  );
  expect((await api.call('DELETE', `/api/v1/namespaces/${ns}/resourcequotas/no-jobs`)).status).toBe(200);
  const s1 = await first;
  expect(executor.errors).toEqual([]);
  expect(['Succeeded', 'Degraded'], JSON.stringify(s1)).toContain(s1.phase);
  // A second run once Prometheus holds the first one's series, so increase() over the range counts it.
  await prometheus.waitForScrapes(3);
  const s2 = await runToEnd('retail-2');
  expect(['Succeeded', 'Degraded'], JSON.stringify(s2)).toContain(s2.phase);
  await waitFor(
    'the Pipeline status',
    async () =>
      (
        ((await api.call('GET', `${GROUP}/pipelines/online-retail`)).body.status as Obj | undefined)
          ?.lastSuccessfulRun as Obj | undefined
      )?.name === 'retail-2' || undefined,
  );
  await prometheus.waitForScrapes(3);
  scraped.operator = (await text(`http://127.0.0.1:${operator.port}/metrics`)).body;
  scraped.api = (await text(`${apiUrl}/metrics`)).body;
}, 600_000);

afterAll(async () => {
  if (traffic) clearInterval(traffic);
  await prometheus?.stop();
  apiProcess?.kill('SIGTERM');
  await executor?.stop();
  await operator?.stop();
  await providers?.close();
  await db?.stop();
  rmSync(root, { recursive: true, force: true });
});

const QUERIES = DASHBOARD_FILES.flatMap((f) => dashboardQueries(readDashboard(f)));

/** Grafana's variables as a dashboard opened with "All" selected, over the time the test has run. */
function substitute(expr: string): string {
  const window = `${Math.ceil((Date.now() - startedAt) / 1000) + 5}s`;
  return expr
    .replaceAll('$__rate_interval', window)
    .replaceAll('$__range', window)
    .replace(/\$(namespace|pipeline|job)\b/g, '.*');
}

describe('dashboards against a real Prometheus scraping the operator and the API', () => {
  it('name only metrics and labels the components export (static check over the real /metrics output)', async () => {
    const exported: Exported = parseExposition(scraped.api, parseExposition(scraped.operator));
    expect(QUERIES.flatMap((q) => checkQuery(q, exported))).toEqual([]);
    // The chart suite's fast check reads this list; it must be what the components export now.
    const current = await exportedToJson({
      operator: parseExposition(scraped.operator),
      api: parseExposition(scraped.api),
    });
    if (process.env.MEDALLION_UPDATE_EXPORTED_METRICS) writeFileSync(EXPORTED_METRICS_FILE, current);
    expect(
      readFileSync(EXPORTED_METRICS_FILE, 'utf8'),
      'stale: rerun with MEDALLION_UPDATE_EXPORTED_METRICS=1',
    ).toBe(current);
  });

  it.each(QUERIES.map((q) => [`${q.dashboard} / ${q.panel}: ${q.expr}`, q] as const))('%s', async (_, q) => {
    const p = prometheus as PrometheusServer;
    if (q.panel.startsWith('variable ')) {
      // label_values(metric, label): what Grafana lists in the variable's drop-down.
      const label = /\{\{(\w+)\}\}/.exec(q.legend ?? '')?.[1] ?? '';
      const values = new Set((await p.series(substitute(q.expr))).map((s) => s[label]).filter(Boolean));
      expect(values.size, `${q.expr} has no ${label} values`).toBeGreaterThan(0);
      return;
    }
    const samples = await p.query(substitute(q.expr));
    expect(samples.length, `no series for ${substitute(q.expr)}`).toBeGreaterThan(0);
    expect(
      samples.some((s) => Number.isFinite(Number(s.value[1]))),
      `only NaN/Inf: ${JSON.stringify(samples)}`,
    ).toBe(true);
    // Every label the legend shows is on every series, or Grafana would print an empty legend.
    for (const [, label] of (q.legend ?? '').matchAll(/\{\{(\w+)\}\}/g))
      for (const s of samples) expect(s.metric, `legend {{${label}}}`).toHaveProperty(label as string);
  });
});
