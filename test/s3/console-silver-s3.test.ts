import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, token, type TestApp } from '../api/helpers/api-app.js';
import { SCHEMA, startApiFixture, type ApiFixture } from '../api/helpers/api-fixture.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

interface Silver {
  source: string;
  counts: { bronze_rows: number; silver_rows: number; quarantined: number; duplicates: number } & Record<
    string,
    unknown
  >;
  samples: unknown[];
}

/**
 * GET /api/v1/runs/{id}/silver through the real API and PostgreSQL, for runs (the real CLI) whose lake is in S3
 * (SeaweedFS): the report comes from the lake, as for a local lake, and reconciles with the silver step. The warehouse
 * and search steps of those runs read silver and gold from S3 too: the same facts and product documents as locally.
 */
describe('console silver report, lake on S3', () => {
  let s3: SeaweedFs;
  let onS3: ApiFixture;
  let local: ApiFixture;
  let tS3: TestApp;
  let tLocal: TestApp;
  let viewer: string;

  beforeAll(async () => {
    s3 = await startSeaweedFs();
    await s3.createBucket('lake');
    // The SDK's standard chain reads these (runs and API alike), as in a Pod with a credentials Secret.
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    const steps = ['bronze', 'silver', 'gold', 'warehouse', 'search'];
    onS3 = await startApiFixture({ steps, env: s3.env, lakeUri: 's3://lake/console' });
    local = await startApiFixture({ steps });
    tS3 = await buildTestApp({
      url: onS3.pg.url,
      schema: SCHEMA,
      objectStore: { endpoint: s3.endpoint, region: s3.region },
    });
    tLocal = await buildTestApp({ url: local.pg.url, schema: SCHEMA });
    viewer = await token('viewer');
  }, 300_000);
  afterAll(async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await tS3?.close();
    await tLocal?.close();
    await onS3?.close();
    await local?.close();
    await s3?.stop();
  });

  const silverOf = async (t: TestApp): Promise<Silver[]> => {
    const get = async (url: string) =>
      (await t.app.inject({ url, headers: { authorization: `Bearer ${viewer}` } })).json() as {
        data: never;
      };
    const runs = (await get('/api/v1/runs?limit=10')).data as { id: string; lake: string }[];
    const out: Silver[] = [];
    for (const r of [...runs].reverse()) out.push((await get(`/api/v1/runs/${r.id}/silver`)).data);
    return out;
  };

  it('reads the silver versions from S3: the same reconciliation and quarantine counts as a local lake', async () => {
    expect(
      onS3.runs.map((r) => r.code),
      onS3.runs.map((r) => r.err).join('\n'),
    ).toEqual([0, 0]);
    const fromS3 = await silverOf(tS3);
    const fromLocal = await silverOf(tLocal);
    expect(fromS3).toHaveLength(2);
    for (const [i, s] of fromS3.entries()) {
      expect(s.source).toBe('lake');
      const c = s.counts;
      expect(c.bronze_rows).toBe(c.silver_rows + c.quarantined + c.duplicates);
      expect(s.counts).toEqual(fromLocal[i]!.counts);
      expect(s.samples).toEqual(fromLocal[i]!.samples);
    }
  }, 60_000);

  it('loads the warehouse and the product search from an S3 lake exactly as from a local one', async () => {
    const get = async (t: TestApp, url: string) =>
      (await t.app.inject({ url, headers: { authorization: `Bearer ${viewer}` } })).json() as {
        data: unknown;
      };
    for (const url of [
      '/api/v1/kpis/summary',
      '/api/v1/products/search?q=lanturn&limit=50',
      '/api/v1/products/search?q=christmas&limit=100',
    ]) {
      const fromS3 = (await get(tS3, url)).data;
      expect(fromS3, url).toBeTruthy();
      expect(fromS3, url).toEqual((await get(tLocal, url)).data);
    }
    const found = (await get(tS3, '/api/v1/products/search?q=lanturn&limit=50')).data as { hits: unknown[] };
    expect(found.hits.length).toBeGreaterThan(0);
  }, 60_000);
});
