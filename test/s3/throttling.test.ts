import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../runner/run/progress.js';
import { runPipeline } from '../../runner/run/run-pipeline.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { loadSpec } from '../../runner/spec/load-spec.js';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

const SLOW_DOWN = (resource: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><Resource>${resource}</Resource><RequestId>THROTTLE</RequestId></Error>`;

/**
 * A loopback proxy in front of the S3 server that throttles as S3 does under load: `503 SlowDown` to the first
 * `failFirst` requests and then to every `everyKthPut`-th PUT, or to everything when `always`. Other requests are
 * forwarded untouched (the Host header too, so SigV4 signatures still match).
 */
interface Throttle {
  endpoint: string;
  throttled: number;
  forwarded: number;
  set(o: { failFirst?: number; everyKthPut?: number; always?: boolean }): void;
  close(): Promise<void>;
}

async function startThrottle(target: string): Promise<Throttle> {
  const to = new URL(target);
  let mode = { failFirst: 0, everyKthPut: 0, always: false };
  let seen = 0;
  let puts = 0;
  const state = { throttled: 0, forwarded: 0 };
  const server = http.createServer((req, res) => {
    seen += 1;
    if (req.method === 'PUT') puts += 1;
    const throttle =
      mode.always ||
      seen <= mode.failFirst ||
      (req.method === 'PUT' && mode.everyKthPut > 0 && puts % mode.everyKthPut === 0);
    if (throttle) {
      state.throttled += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml', 'x-amz-request-id': 'THROTTLE' });
        res.end(SLOW_DOWN(req.url ?? '/'));
      });
      return;
    }
    state.forwarded += 1;
    const up = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => res.destroy(e));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get throttled() {
      return state.throttled;
    },
    get forwarded() {
      return state.forwarded;
    },
    set(o) {
      mode = { failFirst: o.failFirst ?? 0, everyKthPut: o.everyKthPut ?? 0, always: o.always ?? false };
      seen = 0;
      puts = 0;
      state.throttled = 0;
      state.forwarded = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Throttling (503 SlowDown) on a real S3 server: retried with backoff, nothing doubled, or a clear error. */
describe('S3 throttling', () => {
  let f: Fixture;
  let s3: SeaweedFs;
  let proxy: Throttle;

  beforeAll(async () => {
    const data = path.resolve('examples/online-retail/data');
    f = createFixture();
    for (const n of fs.readdirSync(data).filter((x) => x.endsWith('.csv')))
      fs.copyFileSync(path.join(data, n), path.join(f.sourceDir, n));
    s3 = await startSeaweedFs();
    await s3.createBucket('lake');
    proxy = await startThrottle(s3.endpoint);
  }, 90_000);
  afterAll(async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    f?.cleanup();
    await proxy?.close();
    await s3?.stop();
  });
  beforeEach(() => {
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  });

  const run = async (lake: string, endpoint: string, work: string): Promise<RunSummary> => {
    const providers = await f.providers();
    const logger = pino({ level: 'silent' });
    return runPipeline({
      loaded: await loadSpec(f.specFile),
      lakeDir: lake,
      objectStore: { endpoint, region: s3.region },
      workDir: path.join(f.dir, work),
      fxUrl: providers.fxUrl,
      countriesUrl: providers.countriesUrl,
      logger,
      progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
    });
  };
  const keys = async (prefix: string): Promise<string[]> =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: prefix }))).Contents ?? []).map(
      (o) => o.Key!,
    );
  /** What the run published, without the parts that differ between any two runs (ids, times, durations). */
  const tables = (s: RunSummary) => ({
    status: s.status,
    error: s.error,
    steps: Object.fromEntries(
      Object.entries(s.steps).map(([k, v]) => [
        k,
        { status: v!.status, rowsIn: v!.rowsIn, rowsOut: v!.rowsOut },
      ]),
    ),
    quality: s.quality,
    kpis: s.kpis,
  });

  it('503 SlowDown on the first requests and on every 7th PUT: retried, the same tables as without faults', async () => {
    proxy.set({});
    const clean = await run('s3://lake/clean', s3.endpoint, 'w1');
    expect(clean.status).toBe('Succeeded');

    proxy.set({ failFirst: 3, everyKthPut: 7 });
    const throttled = await run('s3://lake/throttled', proxy.endpoint, 'w2');
    expect(proxy.throttled).toBeGreaterThan(5);
    expect(tables(throttled)).toEqual(tables(clean));
    // Nothing doubled: one bronze part per ingested file set, the same objects on both lakes.
    const rel = (p: string) => async () =>
      (await keys(p))
        .map((k) => k.slice(p.length))
        .filter((k) => !k.startsWith('_runs/') && !k.startsWith('_lineage/'))
        .map((k) => k.replace(/\d{8}T\d{6}[^/]*/g, 'ID'));
    expect((await keys('throttled/bronze/online_retail/parts/')).length).toBe(
      (await keys('clean/bronze/online_retail/parts/')).length,
    );
    expect((await rel('throttled/')()).length).toBe((await rel('clean/')()).length);
  }, 240_000);

  it('503 SlowDown on every request: a STORAGE error naming the throttling, with a hint, nothing published', async () => {
    proxy.set({ always: true });
    const err = await run('s3://lake/always', proxy.endpoint, 'w3').then(
      (s) => s.error,
      (e: unknown) => e as { code: string; message: string; hint?: string },
    );
    expect(err?.code).toBe('STORAGE');
    expect(err?.message).toMatch(/SlowDown.*503/);
    expect(err?.hint).toMatch(/throttl/i);
    expect(err?.hint).toMatch(/retried \d+ times/);
    expect(await keys('always/')).toEqual([]);
  }, 240_000);
});
