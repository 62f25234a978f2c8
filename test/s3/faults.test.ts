import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../runner/run/progress.js';
import { runPipeline } from '../../runner/run/run-pipeline.js';
import { loadSpec } from '../../runner/spec/load-spec.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

/** Faults on a real S3 server: clear errors, nothing half-published, the next run completes. */
describe('S3 faults', () => {
  let f: Fixture;
  let s3: SeaweedFs;
  let names: string[];

  beforeAll(async () => {
    const data = fullDataDir();
    names = fs
      .readdirSync(data)
      .filter((x) => x.endsWith('.csv'))
      .sort()
      .slice(0, 40);
    f = createFixture();
    for (const n of names) fs.copyFileSync(path.join(data, n), path.join(f.sourceDir, n));
    s3 = await startSeaweedFs();
    await s3.createBucket('lake');
  }, 90_000);
  afterAll(async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    f?.cleanup();
    await s3?.stop();
  });
  beforeEach(() => {
    // The SDK's standard chain reads these, as in a Pod with a credentials Secret.
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  });

  const run = async (lakeDir: string, work: string) => {
    const providers = await f.providers();
    const logger = pino({ level: 'silent' });
    return runPipeline({
      loaded: await loadSpec(f.specFile),
      lakeDir,
      objectStore: { endpoint: s3.endpoint, region: s3.region },
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

  it('a wrong secret fails with a STORAGE error that names the credentials and never prints the secret', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret-at-all';
    const err = await run('s3://lake/wrong-secret', 'w1').then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; hint: string },
    );
    expect(err?.code).toBe('STORAGE');
    expect(err?.message).toMatch(/SignatureDoesNotMatch.*403|403.*SignatureDoesNotMatch/);
    expect(err?.hint).toMatch(/AWS_SECRET_ACCESS_KEY/);
    expect(JSON.stringify(err) + err?.message + err?.hint).not.toContain('not-the-secret-at-all');
  });

  it('a missing bucket fails with a STORAGE error that says to create it', async () => {
    const err = await run('s3://no-such-bucket/lake', 'w2').then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; hint: string },
    );
    expect(err?.code).toBe('STORAGE');
    expect(err?.message).toMatch(/NoSuchBucket/);
    expect(err?.hint).toMatch(/Create the bucket "no-such-bucket"/);
  });

  it('the server killed mid-upload: the run fails publishing nothing; after a restart the next run completes', async () => {
    const running = run('s3://lake/killed', 'w3').then(
      (s) => ({ summary: s, error: undefined }),
      (e: unknown) => ({ summary: undefined, error: e as { code: string; message: string } }),
    );
    // Kill as soon as the first bronze part object lands: the part upload is cut, the manifest not yet written.
    const deadline = Date.now() + 120_000;
    while ((await keys('killed/bronze/online_retail/parts/')).length === 0) {
      if (Date.now() > deadline) throw new Error('no bronze part upload seen');
      await new Promise((r) => setTimeout(r, 20));
    }
    await s3.kill();
    const first = await running;
    const code = first.error?.code ?? first.summary?.error?.code;
    expect(code).toBe('STORAGE');
    await s3.start();
    // Whatever was committed before the kill is whole: the manifest names only parts that exist, CURRENT only
    // versions whose files (and _meta.json, uploaded last) exist.
    const text = async (key: string) =>
      (await s3.client.send(new GetObjectCommand({ Bucket: 'lake', Key: key }))).Body!.transformToString();
    if ((await keys('killed/bronze/online_retail/manifest.json')).length > 0) {
      const m = JSON.parse(await text('killed/bronze/online_retail/manifest.json')) as {
        files: { part: string }[];
      };
      for (const part of new Set(m.files.map((e) => e.part)))
        expect(await keys(`killed/bronze/online_retail/${part}/`)).not.toEqual([]);
    }
    for (const layer of ['silver', 'gold']) {
      if ((await keys(`killed/${layer}/online_retail/CURRENT`)).length === 0) continue;
      const { version } = JSON.parse(await text(`killed/${layer}/online_retail/CURRENT`)) as {
        version: string;
      };
      expect(await keys(`killed/${layer}/online_retail/versions/${version}/_meta.json`)).toHaveLength(1);
    }
    // The kill can land before or after the killed run's manifest commit: the next run ingests what it lacks.
    const before = (await keys('killed/bronze/online_retail/manifest.json')).length
      ? (JSON.parse(await text('killed/bronze/online_retail/manifest.json')) as { files: { file: string }[] })
          .files
      : [];
    const next = await run('s3://lake/killed', 'w4');
    expect(next.error).toBeUndefined();
    if (before.length < names.length) expect(next.steps.bronze!.rowsIn).toBeGreaterThan(0);
    else expect(next.steps.bronze!.note).toBe('no new files');
    expect(next.steps.gold!.status).toBe('Succeeded');
    const manifest = JSON.parse(
      await (
        await s3.client.send(
          new GetObjectCommand({
            Bucket: 'lake',
            Key: 'killed/bronze/online_retail/manifest.json',
          }),
        )
      ).Body!.transformToString(),
    ) as { files: { file: string }[] };
    expect(manifest.files.map((e) => e.file)).toEqual(names);
  });
});
