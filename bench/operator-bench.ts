/**
 * Operator benchmarks against a real kube-apiserver + etcd on loopback (issue 5):
 *
 *   1. Latency: time from creating a PipelineRun (the POST returning) to its first step Job arriving on a watch,
 *      over `--runs` runs created one after another (p50/p90/p99/max; target p99 < 1 s).
 *   2. Scale: `--pipelines` Pipelines and `--pipeline-runs` PipelineRuns in the cluster, the operator restarted
 *      `--restarts` times: for each start, time to ready (leader + informers listed) and to a drained resync, and
 *      the operator process's peak RSS (VmHWM from /proc/<pid>/status; target < 300 MiB, resync < 60 s).
 *
 * Usage (build first: bin/medallion.js runs dist/):
 *   npm run build
 *   node --import tsx bench/operator-bench.ts [--runs 100] [--pipelines 1000] [--pipeline-runs 10000]
 *        [--restarts 2] [--concurrency 64] [--json FILE]
 *
 * The control plane comes from the test harness (test/k8s/start-apiserver.ts, binaries built and cached by
 * test/k8s/setup-apiserver.sh), the CRDs from test/k8s/install-crds.ts; it is a fresh temp directory, stopped and
 * deleted at the end (also on failure; MEDALLION_KEEP_CLUSTER=1 keeps it). The operator runs as a child process:
 *   node bin/medallion.js operator --kubeconfig <tmp>/kubeconfig --port <free port>
 * watching all namespaces, with its logs in <tmp>/operator-<n>.log.
 *
 * No kubelet runs, so step Jobs stay pending. The latency runs are cancelled afterwards (the operator deletes their
 * Jobs). The scale runs are created while the operator is stopped, each followed by a status-subresource write that
 * puts it in a terminal phase (9 Succeeded, 1 Degraded per pipeline) with a full status (4 steps with rows and
 * Job names, quality, KPIs, lineage, the Succeeded condition, observedGeneration) so the objects have their real
 * size and no run spawns a Job. A restarted operator has empty caches: it lists everything and reconciles every key.
 *
 * "Resync" = from spawning the operator process until its last reconcile of the resync: polled every 100 ms from
 * /metrics, it is the last time medallion_reconcile_total changed, once the pipelinerun and pipeline totals have
 * reached the number of objects, every medallion_queue_depth is 0 and the totals then stay unchanged for 3 s.
 * The first start after the bulk load also writes each Pipeline's status (1,000 status writes); later starts find
 * everything up to date and only read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { LABELS } from '../operator/core/names.js';
import { installCrds } from '../test/k8s/install-crds.js';
import { kubeRest, type KubeRest } from '../test/k8s/kube-rest.js';
import { freePort, startApiserver, type ControlPlane } from '../test/k8s/start-apiserver.js';

const HELP = `Usage: node --import tsx bench/operator-bench.ts [options]   (run \`npm run build\` first)

  --runs N            PipelineRuns for the create-to-first-Job latency (default 100)
  --pipelines N       Pipelines for the scale phase (default 1000)
  --pipeline-runs N   PipelineRuns for the scale phase, spread over the Pipelines (default 10000)
  --restarts N        operator starts measured on the loaded cluster (default 2)
  --concurrency N     requests in flight while loading the cluster (default 64)
  --baseline DIR      also measure the operator of another build (a checkout with bin/ and dist/, e.g. the
                      previous commit) on the same loaded cluster, alternating with this one: before/after in one run
  --json FILE         also write the results as JSON
  --help              this text
`;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GROUP = '/apis/medallion.dev/v1alpha1';
const MiB = 1024 * 1024;

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    pipelines: { type: 'string', default: '1000' },
    'pipeline-runs': { type: 'string', default: '10000' },
    restarts: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    json: { type: 'string' },
    baseline: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const int = (name: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};
const nLatency = int('runs', opts.runs, 1);
const nPipelines = int('pipelines', opts.pipelines, 1);
const nRuns = int('pipeline-runs', opts['pipeline-runs'], 0);
const nRestarts = int('restarts', opts.restarts, 1);
const concurrency = int('concurrency', opts.concurrency, 1);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const ms = (n: number) => `${n.toFixed(0)} ms`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function must(api: KubeRest, method: string, path: string, body?: unknown, type?: string) {
  const res = await api.call(method, path, body, type);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

// ---- the operator child process ------------------------------------------------------------------------------

interface Operator {
  child: ChildProcess;
  port: number;
  spawnedAt: number;
  /** Highest VmRSS sampled (every 100 ms) and the kernel's VmHWM, in bytes. */
  peak(): { rss: number; hwm: number };
  stop(): Promise<void>;
}

function procStatus(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function httpText(port: number, path: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 5000 }, (r) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => res(text));
    });
    req.on('error', rej);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function startOperator(kubeconfig: string, logFile: string, root = repo): Promise<Operator> {
  const port = await freePort();
  const fd = openSync(logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/medallion.js'), 'operator', '--kubeconfig', kubeconfig, '--port', String(port)],
    { stdio: ['ignore', fd, fd], env: { ...process.env, MEDALLION_LOG_LEVEL: 'info' } },
  );
  closeSync(fd);
  const pid = child.pid ?? 0;
  let rss = 0;
  let hwm = 0;
  const sample = () => {
    rss = Math.max(rss, procStatus(pid, 'VmRSS'));
    hwm = Math.max(hwm, procStatus(pid, 'VmHWM'));
  };
  const timer = setInterval(sample, 100);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    port,
    spawnedAt,
    peak: () => (sample(), { rss, hwm }),
    async stop() {
      sample();
      clearInterval(timer);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(kill);
      }
    },
  };
}

async function waitLeading(op: Operator, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (op.child.exitCode !== null) throw new Error(`operator exited with ${op.child.exitCode}`);
    const text = await httpText(op.port, '/readyz').catch(() => '');
    if (text === 'leading') return performance.now() - op.spawnedAt;
    if (Date.now() > deadline) throw new Error(`operator not ready after ${timeoutMs} ms (last: ${text})`);
    await sleep(20);
  }
}

interface Counters {
  reconciles: Record<string, number>;
  depth: number;
}

async function counters(port: number): Promise<Counters> {
  const text = await httpText(port, '/metrics');
  const reconciles: Record<string, number> = {};
  let depth = 0;
  for (const line of text.split('\n')) {
    const r = /^medallion_reconcile_total\{controller="(\w+)",result="\w+"\} (\S+)$/.exec(line);
    if (r?.[1]) reconciles[r[1]] = (reconciles[r[1]] ?? 0) + Number(r[2]);
    const d = /^medallion_queue_depth\{controller="\w+"\} (\S+)$/.exec(line);
    if (d) depth += Number(d[1]);
  }
  return { reconciles, depth };
}

/** The process's own memory gauges (prom-client defaults) once drained: live heap vs what the heap has reserved. */
async function heapMiB(port: number): Promise<Record<string, number>> {
  const text = await httpText(port, '/metrics');
  const read = (name: string) =>
    Number(new RegExp(`^medallion_operator_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]) / MiB;
  return {
    rss: read('process_resident_memory_bytes'),
    heapTotal: read('nodejs_heap_size_total_bytes'),
    heapUsed: read('nodejs_heap_size_used_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

/** See the header: the spawn-relative time of the last reconcile of the resync. */
async function waitDrained(op: Operator, want: Record<string, number>, timeoutMs = 600_000) {
  const quietMs = 3000;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let lastChange = performance.now();
  let c: Counters = { reconciles: {}, depth: 0 };
  for (;;) {
    c = await counters(op.port);
    const now = performance.now();
    const key = JSON.stringify(c.reconciles);
    if (key !== last) {
      last = key;
      lastChange = now;
    }
    const reached = Object.entries(want).every(([k, n]) => (c.reconciles[k] ?? 0) >= n);
    if (reached && c.depth === 0 && now - lastChange >= quietMs)
      return { drainedMs: lastChange - op.spawnedAt, reconciles: c.reconciles };
    if (Date.now() > deadline) throw new Error(`resync not drained after ${timeoutMs} ms: ${key}`);
    await sleep(100);
  }
}

// ---- a watch on Jobs, for the latency phase ----------------------------------------------------------------------

function watchJobs(kubeconfig: string, ns: string, onAdded: (run: string, at: number) => void) {
  const kc = parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority': string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = kc.clusters[0]?.cluster;
  if (!cluster) throw new Error('kubeconfig without cluster');
  const path = `/apis/batch/v1/namespaces/${ns}/jobs?watch=true&labelSelector=${encodeURIComponent(LABELS.run)}`;
  return new Promise<{ close(): void }>((res, rej) => {
    const req = request(
      `${cluster.server}${path}`,
      {
        ca: readFileSync(cluster['certificate-authority']),
        headers: { authorization: `Bearer ${kc.users[0]?.user.token ?? ''}` },
      },
      (r) => {
        if (r.statusCode !== 200) return rej(new Error(`watch jobs: ${r.statusCode}`));
        let buf = '';
        r.on('data', (chunk: Buffer) => {
          const at = performance.now();
          buf += chunk.toString('utf8');
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            const ev = JSON.parse(line) as {
              type: string;
              object: { metadata: { labels?: Record<string, string> } };
            };
            const run = ev.object.metadata.labels?.[LABELS.run];
            if (ev.type === 'ADDED' && run) onAdded(run, at);
          }
        });
        res({ close: () => req.destroy() });
      },
    );
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : rej(e)));
    req.end();
  });
}

// ---- objects ---------------------------------------------------------------------------------------------------

const pipelineManifest = parse(readFileSync(join(repo, 'examples/kubernetes/pipeline.yaml'), 'utf8')) as {
  spec: Record<string, unknown>;
};

const pipeline = (name: string) => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name },
  spec: pipelineManifest.spec,
});

const pipelineRun = (name: string, pipelineName: string) => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name, labels: { [LABELS.pipeline]: pipelineName } },
  spec: { pipelineRef: { name: pipelineName } },
});

/** A finished run's status as the operator writes it (sizes as in a real run of the retail pipeline). */
function finishedStatus(run: string, i: number, degraded: boolean) {
  const start = new Date(Date.UTC(2026, 0, 1) + i * 60_000);
  const t = (s: number) => new Date(start.getTime() + s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const rows = [541909, 536641, 18532, 18532];
  const steps = ['bronze', 'silver', 'gold', 'warehouse'].map((name, k) => ({
    name,
    phase: degraded && name === 'silver' ? 'Degraded' : 'Succeeded',
    jobName: `${run}-${name}-1`,
    attempts: 1,
    startTime: t(k * 30),
    completionTime: t(k * 30 + 25),
    durationSeconds: 24.5,
    rowsIn: rows[k],
    rowsOut: rows[k],
    ...(degraded && name === 'silver' ? { message: 'quarantine ratio 1.2% above 1%' } : {}),
  }));
  const phase = degraded ? 'Degraded' : 'Succeeded';
  return {
    observedGeneration: 1,
    phase,
    startTime: t(0),
    completionTime: t(120),
    steps,
    quality: { score: degraded ? 0.88 : 0.97, failedChecks: degraded ? ['quarantine_ratio'] : [] },
    kpis: { revenue: 8911407.9, orders: 18532, customers: 4372, averageOrderValue: 480.87 },
    lineage: {
      inputs: ['file:///var/lib/medallion/lake/input/online-retail'],
      outputs: [
        'lake/bronze.sales',
        'lake/silver.sales',
        'lake/gold.daily_sales',
        'warehouse/medallion.fact_sales',
      ],
    },
    conditions: [
      {
        type: 'Succeeded',
        status: 'True',
        reason: phase,
        message: degraded ? 'finished with quality warnings' : 'all steps succeeded',
        lastTransitionTime: t(120),
        observedGeneration: 1,
      },
    ],
  };
}

// ---- the benchmark ---------------------------------------------------------------------------------------------

async function latencyPhase(cp: ControlPlane, api: KubeRest) {
  const ns = 'bench-latency';
  await must(api, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
  await must(api, 'POST', `${GROUP}/namespaces/${ns}/pipelines`, pipeline('retail'));
  const firstJob = new Map<string, number>();
  let wake: (() => void) | undefined;
  const watch = await watchJobs(cp.kubeconfig, ns, (run, at) => {
    if (!firstJob.has(run)) firstJob.set(run, at);
    wake?.();
  });
  const samples: number[] = [];
  const names: string[] = [];
  const warmup = Math.min(5, nLatency);
  for (let i = 0; i < warmup + nLatency; i++) {
    const name = `latency-${String(i).padStart(4, '0')}`;
    names.push(name);
    const created = new Promise<void>((r) => (wake = r));
    const t0 = performance.now();
    await must(api, 'POST', `${GROUP}/namespaces/${ns}/pipelineruns`, pipelineRun(name, 'retail'));
    const deadline = Date.now() + 30_000;
    while (!firstJob.has(name)) {
      if (Date.now() > deadline) throw new Error(`${name}: no Job within 30 s`);
      await Promise.race([created, sleep(1000)]);
    }
    const t1 = firstJob.get(name) ?? t0;
    if (i >= warmup) samples.push(t1 - t0);
  }
  watch.close();
  // Cancel the runs so their (never-running) Jobs are deleted; bounded wait for the operator to get there.
  await pool(names.length, 16, async (i) => {
    await must(
      api,
      'PATCH',
      `${GROUP}/namespaces/${ns}/pipelineruns/${names[i]}`,
      { spec: { cancelled: true } },
      'application/merge-patch+json',
    );
  });
  for (let i = 0; i < 300; i++) {
    const list = await must(api, 'GET', `${GROUP}/namespaces/${ns}/pipelineruns`);
    const items = list.items as { status?: { phase?: string } }[];
    if (items.every((r) => r.status?.phase === 'Cancelled')) break;
    await sleep(100);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: samples.length,
    warmupRuns: warmup,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? NaN,
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

async function loadPhase(api: KubeRest) {
  const ns = 'bench-scale';
  await must(api, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const t0 = performance.now();
  const pname = (i: number) => `retail-${String(i).padStart(4, '0')}`;
  await pool(nPipelines, concurrency, async (i) => {
    await must(api, 'POST', `${GROUP}/namespaces/${ns}/pipelines`, pipeline(pname(i)));
  });
  const pipelinesMs = performance.now() - t0;
  await pool(nRuns, concurrency, async (i) => {
    const p = pname(i % nPipelines);
    const name = `${p}-${String(Math.floor(i / nPipelines)).padStart(4, '0')}`;
    await must(api, 'POST', `${GROUP}/namespaces/${ns}/pipelineruns`, pipelineRun(name, p));
    await must(
      api,
      'PATCH',
      `${GROUP}/namespaces/${ns}/pipelineruns/${name}/status`,
      { status: finishedStatus(name, i, Math.floor(i / nPipelines) % 10 === 9) },
      'application/merge-patch+json',
    );
  });
  const totalMs = performance.now() - t0;
  return {
    pipelines: nPipelines,
    pipelineRuns: nRuns,
    pipelinesMs,
    runsMs: totalMs - pipelinesMs,
    requests: nPipelines + 2 * nRuns,
    requestsPerSecond: (nPipelines + 2 * nRuns) / (totalMs / 1000),
  };
}

/** Removes every bench Pipeline's status, so the next operator start computes and writes them all again. */
async function resetPipelineStatus(api: KubeRest) {
  const ns = 'bench-scale';
  const list = await must(api, 'GET', `${GROUP}/namespaces/${ns}/pipelines`);
  const names = (list.items as { metadata: { name: string } }[]).map((p) => p.metadata.name);
  await pool(names.length, concurrency, async (i) => {
    await must(
      api,
      'PATCH',
      `${GROUP}/namespaces/${ns}/pipelines/${names[i]}/status`,
      { status: null },
      'application/merge-patch+json',
    );
  });
}

async function main() {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    command: `node --import tsx bench/operator-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
  };
  log('starting etcd + kube-apiserver');
  const cp = await startApiserver();
  const operators: Operator[] = [];
  let exitCode = 0;
  try {
    const api = kubeRest(cp.kubeconfig);
    await installCrds(api);
    results.controlPlaneStartupMs = cp.startupMs;
    log(`control plane ready in ${ms(cp.startupMs)} (${cp.dir}); CRDs installed`);

    const opLog = (n: number) => join(cp.dir, `operator-${n}.log`);
    const first = await startOperator(cp.kubeconfig, opLog(0));
    operators.push(first);
    log(`operator pid ${first.child.pid} leading after ${ms(await waitLeading(first))}`);
    log(`latency: ${nLatency} PipelineRuns, one at a time`);
    const latency = await latencyPhase(cp, api);
    await first.stop();
    results.latency = { ...latency, operatorPeakRssMiB: first.peak().hwm / MiB };
    log(
      `latency p50 ${ms(latency.p50Ms)} p90 ${ms(latency.p90Ms)} p99 ${ms(latency.p99Ms)} max ${ms(latency.maxMs)}`,
    );

    log(
      `loading ${nPipelines} Pipelines and ${nRuns} PipelineRuns (operator stopped, ${concurrency} in flight)`,
    );
    const load = await loadPhase(api);
    results.load = load;
    log(`loaded in ${ms(load.pipelinesMs + load.runsMs)} (${load.requestsPerSecond.toFixed(0)} requests/s)`);

    const starts: Record<string, unknown>[] = [];
    const want = { pipelinerun: nRuns + nLatency, pipeline: nPipelines + 1 };
    const builds = [
      ...(opts.baseline ? [{ build: 'baseline', root: resolve(opts.baseline) }] : []),
      { build: 'current', root: repo },
    ];
    let logN = 0;
    for (let n = 1; n <= nRestarts; n++) {
      for (const { build, root } of builds) {
        // With a baseline, each build's first start finds the Pipelines without status, as after the load.
        if (n === 1 && builds.length > 1) await resetPipelineStatus(api);
        const op = await startOperator(cp.kubeconfig, opLog(++logN), root);
        operators.push(op);
        const readyMs = await waitLeading(op);
        const { drainedMs, reconciles } = await waitDrained(op, want);
        const { rss, hwm } = op.peak();
        const heap = await heapMiB(op.port);
        await op.stop();
        const s = {
          build,
          start: n,
          readyMs,
          resyncMs: drainedMs,
          reconciles,
          peakRssMiB: hwm / MiB,
          sampledRssMiB: rss / MiB,
          atDrainMiB: heap,
        };
        starts.push(s);
        log(
          `${build} start ${n}: ready ${ms(readyMs)}, resync drained ${ms(drainedMs)}, peak RSS ${(hwm / MiB).toFixed(0)} MiB, at drain ${JSON.stringify(heap, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))} MiB, reconciles ${JSON.stringify(reconciles)}`,
        );
      }
    }
    results.scale = starts;
    const mine = starts.filter((s) => s.build === 'current');
    const worst = (k: string) => Math.max(...mine.map((s) => Number(s[k])));
    results.targets = {
      latencyP99Under1s: latency.p99Ms < 1000,
      peakRssUnder300MiB:
        Math.max(
          worst('peakRssMiB'),
          Number((results.latency as { operatorPeakRssMiB: number }).operatorPeakRssMiB),
        ) < 300,
      resyncUnder60s: worst('resyncMs') < 60_000,
    };
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
  } catch (e) {
    exitCode = 1;
    log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  } finally {
    for (const op of operators) await op.stop();
    await cp.stop();
    log('control plane stopped and its directory removed');
  }
  process.exit(exitCode);
}

await main();
