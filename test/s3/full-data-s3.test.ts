import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD_TABLES } from '../../runner/gold/gold-sql.js';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import { createProgressReporter } from '../../runner/run/progress.js';
import { runPipeline } from '../../runner/run/run-pipeline.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { loadSpec } from '../../runner/spec/load-spec.js';
import { createS3Storage } from '../../runner/storage/s3-storage.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

/** The full real data (305 daily files) with source and lake on a real S3 server equals the local run. */
describe('full data, source and lake on S3', () => {
  let f: Fixture;
  let s3: SeaweedFs;
  let local: RunSummary;
  let remote: RunSummary;
  let lake: ReturnType<typeof createLakeStore>;
  let names: string[];

  beforeAll(async () => {
    const data = fullDataDir();
    names = fs
      .readdirSync(data)
      .filter((x) => x.endsWith('.csv'))
      .sort();
    f = createFixture();
    for (const n of names) fs.copyFileSync(path.join(data, n), path.join(f.sourceDir, n));
    s3 = await startSeaweedFs();
    await s3.createBucket('raw');
    await s3.createBucket('lake');
    const storage = (bucket: string, prefix: string) =>
      createS3Storage({
        bucket,
        prefix,
        endpoint: s3.endpoint,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
    const raw = storage('raw', 'online-retail/by-day');
    for (const n of names) await raw.put(n, fs.createReadStream(path.join(data, n)));
    lake = createLakeStore({
      root: 's3://lake/retail',
      dataset: 'online_retail',
      storage: storage('lake', 'retail'),
      workDir: path.join(f.dir, 'check'),
    });
    local = await f.run();
    const providers = await f.providers();
    const logger = pino({ level: 'silent' });
    // Credentials come from the standard chain: only the standard variables are set (as a Pod's env would be).
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    try {
      remote = await runPipeline({
        loaded: await loadSpec(f.specFile),
        sourceUri: 's3://raw/online-retail/by-day',
        lakeDir: 's3://lake/retail',
        objectStore: { endpoint: s3.endpoint, region: s3.region },
        workDir: path.join(f.dir, 'work'),
        fxUrl: providers.fxUrl,
        countriesUrl: providers.countriesUrl,
        logger,
        progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      });
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  }, 900_000);
  afterAll(async () => {
    f?.cleanup();
    await s3?.stop();
  });

  it('succeeds with the same row counts, reconciliation and KPIs', () => {
    expect(remote.error).toBeUndefined();
    expect(remote.status).toBe(local.status);
    expect(remote.lake).toBe('s3://lake/retail');
    for (const step of ['bronze', 'silver', 'gold']) {
      expect(remote.steps[step]!.rowsIn, step).toBe(local.steps[step]!.rowsIn);
      expect(remote.steps[step]!.rowsOut, step).toBe(local.steps[step]!.rowsOut);
    }
    expect(local.steps.bronze!.rowsIn).toBe(541_909);
    expect(remote.quality).toEqual(local.quality);
    expect(remote.kpis).toEqual(local.kpis);
  });

  it('keeps ETag and sha256 of every source object in the manifest', async () => {
    const m = await lake.readManifest();
    expect(m.files).toHaveLength(305);
    expect(m.files.map((e) => e.file)).toEqual(names);
    const listed = new Map(
      (
        await s3.client.send(
          new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({ Bucket: 'raw', MaxKeys: 1000 }),
        )
      ).Contents!.map((o) => [o.Key!.split('/').pop()!, o.ETag]),
    );
    const localManifest = JSON.parse(
      fs.readFileSync(path.join(f.lakeDir, 'bronze/online_retail/manifest.json'), 'utf8'),
    ) as { files: { file: string; sha256: string }[] };
    const sha = new Map(localManifest.files.map((e) => [e.file, e.sha256]));
    for (const e of m.files) {
      expect(e.etag).toBe(listed.get(e.file));
      expect(e.sha256).toBe(sha.get(e.file));
    }
  });

  it.each([
    ...['sales_lines', 'quarantine', 'duplicates', 'countries', 'fx_rates'].map((t) => ['silver', t]),
    ...Object.keys(GOLD_TABLES).map((t) => ['gold', t]),
  ])('%s %s is identical', async (layer, table) => {
    const v = (await lake.current(layer as 'silver' | 'gold'))!;
    // Both sides through tableFiles: the S3 lake's partition files are downloaded into its cache once.
    const files = await lake.tableFiles(layer as 'silver' | 'gold', v, table);
    const ours = layer === 'silver' ? await f.silverTable(table) : `'${f.goldFile(table)}'`;
    if (files.length === 0) {
      // A partitioned table without rows has no files (the real data quarantines nothing): so must the local one.
      expect(table).toBe('quarantine');
      const [local] = await f.query(`SELECT count(*) AS n FROM ${ours}`);
      expect(Number(local!.n)).toBe(0);
      return;
    }
    const theirs = `read_parquet([${files.map((x) => `'${x}'`).join(', ')}])`;
    const has = (await f.query(`DESCRIBE SELECT * FROM ${ours}`)).some(
      (r) => r.column_name === 'ingest_run_id',
    );
    const sel = has ? '* EXCLUDE (ingest_run_id)' : '*';
    const [r] = await f.query(`SELECT
        (SELECT count(*) FROM (SELECT ${sel} FROM ${ours} EXCEPT ALL SELECT ${sel} FROM ${theirs})) +
        (SELECT count(*) FROM (SELECT ${sel} FROM ${theirs} EXCEPT ALL SELECT ${sel} FROM ${ours})) AS n,
        (SELECT count(*) FROM ${ours}) AS rows`);
    expect(Number(r!.n)).toBe(0);
    if (table !== 'quarantine') expect(Number(r!.rows)).toBeGreaterThan(0);
  });

  it('a second run on S3 finds nothing new and re-reads no object (ETags match)', async () => {
    const providers = await f.providers();
    const logger = pino({ level: 'silent' });
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    try {
      const again = await runPipeline({
        loaded: await loadSpec(f.specFile),
        sourceUri: 's3://raw/online-retail/by-day',
        lakeDir: 's3://lake/retail',
        objectStore: { endpoint: s3.endpoint, region: s3.region },
        workDir: path.join(f.dir, 'work2'),
        fxUrl: providers.fxUrl,
        countriesUrl: providers.countriesUrl,
        logger,
        progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      });
      expect(again.steps.bronze!.note).toBe('no new files');
      expect(again.steps.silver!.note).toBe('up to date');
      expect(again.kpis).toEqual(local.kpis);
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });
});
