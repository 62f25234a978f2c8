/**
 * File-arrival triggers at scale (issue 16): `--pipelines` Pipelines, each with a PipelineSchedule whose
 * spec.trigger.onNewFiles polls a source directory of `--files` files every `--poll` seconds, against a real
 * kube-apiserver + etcd (test/k8s/start-apiserver.ts). Every source file is already in its lake's bronze manifest,
 * so the steady state is the quiet poll that must stay cheap. The operator runs as a child process
 * (`node bin/medallion.js operator`), as in bench/operator-bench.ts. Measured, from its /metrics and /proc:
 *
 *   - listing cost per poll: list calls, objects listed and manifest reads per poll, mean and p99 poll time;
 *   - the operator's targets while 1,000 triggers poll: peak RSS (< 300 MiB), time to ready with its informers
 *     listed, create-to-first-Job latency of PipelineRuns created meanwhile (p99 < 1 s);
 *   - arrival latency: a new file dropped into 10 sources, time until each schedule's run exists (≤ poll + settle).
 *
 * Usage (build first): npm run build && node --import tsx bench/trigger-bench.ts [--pipelines 1000] [--files 30]
 *   [--poll 10] [--window 60] [--runs 50] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCrds } from '../test/k8s/install-crds.js';
import { kubeRest, type KubeRest } from '../test/k8s/kube-rest.js';
import { freePort, startApiserver } from '../test/k8s/start-apiserver.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GROUP = '/apis/medallion.dev/v1alpha1';
const { values: o } = parseArgs({
  options: {
    pipelines: { type: 'string', default: '1000' },
    files: { type: 'string', default: '30' },
    poll: { type: 'string', default: '10' },
    window: { type: 'string', default: '60' },
    runs: { type: 'string', default: '50' },
    json: { type: 'string' },
  },
});
const N = Number(o.pipelines);
const FILES = Number(o.files);
const POLL = Number(o.poll);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`[trigger-bench] ${s}\n`);

async function must(api: KubeRest, method: string, path: string, body?: unknown) {
  const res = await api.call(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
async function pool(n: number, limit: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await task(next++);
    }),
  );
}
const httpText = (port: number, path: string) =>
  new Promise<string>((res, rej) => {
    get({ host: '127.0.0.1', port, path, timeout: 5000 }, (r) => {
      let t = '';
      r.on('data', (c: Buffer) => (t += c.toString()));
      r.on('end', () => res(t));
    }).on('error', rej);
  });
const metric = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );
const vm = (pid: number, field: string) =>
  Number(
    new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
  ) / 1024;
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'medallion-trigger-bench-'));
  const cp = await startApiserver();
  const api = kubeRest(cp.kubeconfig);
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await installCrds(api);
    const ns = 'bench-triggers';
    await must(api, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
    log(`creating ${N} Pipelines with ${FILES} ingested files each, and their trigger schedules`);
    await pool(N, 32, async (i) => {
      const name = `p-${String(i).padStart(4, '0')}`;
      const src = join(work, 'src', name);
      const lake = join(work, 'lake', name);
      mkdirSync(src, { recursive: true });
      mkdirSync(join(lake, 'bronze', 'retail'), { recursive: true });
      const files = Array.from({ length: FILES }, (_, f) => `day-${String(f).padStart(3, '0')}.csv`);
      for (const f of files) writeFileSync(join(src, f), 'InvoiceNo,StockCode\n1,2\n');
      const entries = files.map((file) => ({
        file,
        size: 1,
        sha256: 'x',
        rows: 1,
        malformed: 0,
        runId: 'r',
        ingestedAt: '',
        part: 'p',
      }));
      writeFileSync(
        join(lake, 'bronze', 'retail', 'manifest.json'),
        JSON.stringify({ dataset: 'retail', version: 1, updatedAt: '', files: entries }),
      );
      await must(api, 'POST', `${GROUP}/namespaces/${ns}/pipelines`, {
        apiVersion: 'medallion.dev/v1alpha1',
        kind: 'Pipeline',
        metadata: { name },
        spec: {
          source: { uri: src, dataset: 'retail' },
          job: { image: 'medallion:bench', lakeVolume: { claimName: 'lake', mountPath: lake } },
        },
      });
      await must(api, 'POST', `${GROUP}/namespaces/${ns}/pipelineschedules`, {
        apiVersion: 'medallion.dev/v1alpha1',
        kind: 'PipelineSchedule',
        metadata: { name },
        spec: {
          pipelineRef: { name },
          trigger: { onNewFiles: { pollIntervalSeconds: POLL, settleSeconds: 0 } },
        },
      });
    });

    const port = await freePort();
    const fd = openSync(join(work, 'operator.log'), 'a');
    const t0 = performance.now();
    child = spawn(
      process.execPath,
      [join(repo, 'bin/medallion.js'), 'operator', '--kubeconfig', cp.kubeconfig, '--port', String(port)],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    const pid = child.pid ?? 0;
    let hwm = 0;
    const sampler = setInterval(() => (hwm = Math.max(hwm, vm(pid, 'VmHWM'))), 200);
    while ((await httpText(port, '/readyz').catch(() => '')) !== 'leading') await sleep(20);
    const readyMs = performance.now() - t0;
    log(
      `operator ready in ${Math.round(readyMs)} ms; waiting for every schedule's first poll (at most 240 s)`,
    );
    // The first poll of each schedule also reads its manifest and writes its status: not the steady state.
    const firstRound = performance.now();
    while (
      metric(await httpText(port, '/metrics'), 'medallion_trigger_polls_total') < N &&
      performance.now() - firstRound < 240_000
    )
      await sleep(1000);
    const firstRoundMs = performance.now() - firstRound;

    const before = await httpText(port, '/metrics');
    const w0 = performance.now();
    // PipelineRuns created meanwhile: create-to-first-Job latency (Job polled every 10 ms).
    await must(api, 'POST', '/api/v1/namespaces', { metadata: { name: 'bench-latency' } });
    await must(api, 'POST', `${GROUP}/namespaces/bench-latency/pipelines`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'retail' },
      spec: { source: { uri: '/data/none' }, job: { image: 'medallion:bench' } },
    });
    const latency: number[] = [];
    for (let i = 0; i < Number(o.runs); i++) {
      const name = `lat-${i}`;
      const s = performance.now();
      await must(api, 'POST', `${GROUP}/namespaces/bench-latency/pipelineruns`, {
        apiVersion: 'medallion.dev/v1alpha1',
        kind: 'PipelineRun',
        metadata: { name },
        spec: { pipelineRef: { name: 'retail' } },
      });
      while (
        (
          (
            await api.call(
              'GET',
              `/apis/batch/v1/namespaces/bench-latency/jobs?labelSelector=medallion.dev%2Frun%3D${name}`,
            )
          ).body.items as unknown[]
        ).length === 0
      )
        await sleep(10);
      latency.push(performance.now() - s);
    }
    const rest = Number(o.window) * 1000 - (performance.now() - w0);
    if (rest > 0) await sleep(rest);
    const after = await httpText(port, '/metrics');
    const d = (n: string) => metric(after, n) - metric(before, n);
    const polls = d('medallion_trigger_polls_total');
    const seconds = (performance.now() - w0) / 1000;

    // Arrival: one new file in 10 sources; time until each schedule's run exists.
    const arrivals: number[] = [];
    const dropped = performance.now();
    for (let i = 0; i < 10; i++)
      writeFileSync(
        join(work, 'src', `p-${String(i * Math.floor(N / 10)).padStart(4, '0')}`, 'new.csv'),
        'x\n',
      );
    const pending = new Set(
      Array.from({ length: 10 }, (_, i) => `p-${String(i * Math.floor(N / 10)).padStart(4, '0')}`),
    );
    while (pending.size > 0 && performance.now() - dropped < (POLL * 3 + 30) * 1000) {
      const runs = (await must(api, 'GET', `${GROUP}/namespaces/${ns}/pipelineruns`)).items as {
        metadata: { labels: Record<string, string> };
      }[];
      for (const r of runs)
        if (pending.delete(r.metadata.labels['medallion.dev/schedule'] ?? ''))
          arrivals.push(performance.now() - dropped);
      await sleep(100);
    }
    const lat = [...latency].sort((a, b) => a - b);
    const results = {
      date: new Date().toISOString(),
      command: `node --import tsx bench/trigger-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      pipelines: N,
      filesPerSource: FILES,
      pollIntervalSeconds: POLL,
      windowSeconds: Math.round(seconds),
      operatorReadyMs: Math.round(readyMs),
      firstRoundOfPollsMs: Math.round(firstRoundMs),
      pollsPerSecond: +(polls / seconds).toFixed(1),
      pollsPerScheduleAndMinute: +((polls / N / seconds) * 60).toFixed(2),
      listCallsPerPoll: +(d('medallion_trigger_list_calls_total') / polls).toFixed(3),
      objectsListedPerPoll: +(d('medallion_trigger_listed_objects_total') / polls).toFixed(1),
      manifestReadsPerPoll: +(d('medallion_trigger_manifest_reads_total') / polls).toFixed(4),
      meanPollMs: +((d('medallion_trigger_poll_duration_seconds_sum') / polls) * 1000).toFixed(2),
      pollErrors: d('medallion_trigger_errors_total'),
      runsCreatedWhileQuiet: d('medallion_trigger_polls_total\\{result="created"\\}'),
      scheduleReconcilesPerSecond: +(
        metric(after, 'medallion_reconcile_total\\{controller="pipelineschedule",result="ok"\\}') / seconds
      ).toFixed(1),
      operatorPeakRssMiB: Math.round(hwm),
      operatorCpuSecondsInWindow: +d('medallion_operator_process_cpu_seconds_total').toFixed(2),
      runLatency: {
        runs: lat.length,
        p50Ms: Math.round(pct(lat, 50)),
        p99Ms: Math.round(pct(lat, 99)),
        maxMs: Math.round(lat.at(-1) ?? NaN),
      },
      arrival: {
        sources: 10,
        triggered: arrivals.length,
        maxMs: Math.round(Math.max(...arrivals)),
        meanMs: Math.round(arrivals.reduce((a, b) => a + b, 0) / arrivals.length),
      },
    };
    clearInterval(sampler);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2));
  } finally {
    child?.kill('SIGTERM');
    await cp.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
