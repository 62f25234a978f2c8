/**
 * Load benchmark of the read API (docs/benchmarks.md, "Read API"): loads the full Online Retail data into an embedded
 * PostgreSQL with `medallion run`, serves the API in a child process, and drives it with autocannon at 64
 * connections, endpoint after endpoint in one run. Prints p50/p99 latency and throughput per endpoint.
 *
 *   npx tsx bench/api-bench.ts [--source DIR] [--connections 64] [--seconds 15]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signToken } from '../api/auth/jwt.js';
import { main } from '../cli/main.js';
import { createEmbeddedPostgres } from '../runner/warehouse/embedded-postgres.js';
import { freePort, testLogger } from '../test/warehouse/helpers/test-postgres.js';

const repo = path.resolve(import.meta.dirname, '..');

/** The part of autocannon's result this benchmark reads (the package ships no types). */
interface CannonResult {
  latency: { p50: number; p99: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<CannonResult>;
const SECRET = 'bench-secret-0123456789abcdef0123456789';

async function serve(): Promise<void> {
  // Child mode: the API alone in its process, as `medallion api` runs it.
  const code = await main(['api', '--port', '0'], {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stdout.write(`${t}\n`),
    env: process.env,
    isTty: false,
  });
  process.exit(code);
}

async function bench(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: {
        type: 'string',
        default: path.resolve(repo, '../shared/data/online-retail/online-retail-by-day'),
      },
      connections: { type: 'string', default: '64' },
      seconds: { type: 'string', default: '15' },
      // Keep the loaded warehouse here and reuse it on the next run (loading the full data takes about a minute).
      'data-dir': { type: 'string' },
    },
  });
  const keep = values['data-dir'] !== undefined;
  const dir = keep
    ? path.resolve(values['data-dir']!)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-api-bench-'));
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  const loaded = fs.existsSync(path.join(dir, 'loaded'));
  const port = await freePort();
  const server = createEmbeddedPostgres({ dataDir: path.join(dir, 'pgdata'), port, logger: testLogger });
  const { url } = await server.start();
  let child: ChildProcess | undefined;
  try {
    const spec = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(
      spec,
      `apiVersion: medallion.dev/v1alpha1
kind: Pipeline
metadata: { name: online-retail }
spec:
  source: { uri: ${JSON.stringify(values.source)} }
  lake: { uri: ./lake }
  warehouse: { schema: bench }
  steps: [bronze, silver, gold, warehouse, search]
`,
    );
    const started = Date.now();
    const code = loaded
      ? 0
      : await main(['run', '-f', spec, '-q'], {
          out: () => undefined,
          err: (t) => process.stderr.write(`${t}\n`),
          // Enrichment providers refused at once: the bundled ECB and countries data stand in (same amounts).
          env: {
            DATABASE_URL: url,
            MEDALLION_LOG_LEVEL: 'silent',
            MEDALLION_FX_URL: 'http://127.0.0.1:9/',
            MEDALLION_COUNTRIES_URL: 'http://127.0.0.1:9/',
          },
          isTty: false,
        });
    if (code !== 0) throw new Error(`medallion run exited ${code}`);
    if (!loaded) console.log(`loaded ${values.source} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (keep) fs.writeFileSync(path.join(dir, 'loaded'), url);

    child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve'], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        MEDALLION_WAREHOUSE_SCHEMA: 'bench',
        MEDALLION_JWT_SECRET: SECRET,
        MEDALLION_API_RATE_LIMIT: '100000000',
        MEDALLION_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const base = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const m = /listening on (http:\/\/\S+) /.exec(buffered);
        if (m) resolve(m[1]!);
      });
      child!.once('exit', (c) => reject(new Error(`API exited ${c}: ${buffered}`)));
    });
    const jwt = await signToken({
      role: 'viewer',
      subject: 'bench',
      ttlSeconds: 3600,
      issuer: 'medallion',
      audience: 'medallion-api',
      hs256Secret: SECRET,
    });
    const targets: [string, string][] = [
      ['KPI summary', '/api/v1/kpis/summary'],
      ['KPI daily (all days)', '/api/v1/kpis/daily'],
      ['KPI by country, one month', '/api/v1/kpis/countries?from=2011-11-01&to=2011-11-30'],
      ['sales, first page (100 lines)', '/api/v1/sales?limit=100'],
      [
        'sales, France, Nov 2011 (100 lines)',
        '/api/v1/sales?country=France&from=2011-11-01&to=2011-11-30&limit=100',
      ],
      ['sales, one customer (100 lines)', '/api/v1/sales?customer=17841&limit=100'],
    ];
    const rows: string[] = [];
    for (const [name, target] of targets) {
      // Warm-up: caches, connection pool and JIT, as in steady state.
      await autocannon({
        url: `${base}${target}`,
        connections: 8,
        duration: 2,
        headers: { authorization: `Bearer ${jwt}` },
      });
      const r = await autocannon({
        url: `${base}${target}`,
        connections: Number(values.connections),
        duration: Number(values.seconds),
        headers: { authorization: `Bearer ${jwt}` },
      });
      const bad = r.non2xx + r.errors + r.timeouts;
      rows.push(
        `| ${name} | \`${target}\` | ${r.latency.p50} ms | ${r.latency.p99} ms | ${Math.round(r.requests.average)} | ${bad} |`,
      );
      console.log(rows.at(-1));
    }
    console.log(`\n${values.connections} connections, ${values.seconds} s per endpoint\n`);
    console.log('| endpoint | path | p50 | p99 | requests/s | non-2xx or errors |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(row);
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await server.stop();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) await serve();
else await bench();
