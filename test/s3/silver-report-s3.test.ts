import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilverReportReader } from '../../api/console/silver-report-reader.js';
import { createProgressReporter } from '../../runner/run/progress.js';
import { runPipeline } from '../../runner/run/run-pipeline.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { loadSpec } from '../../runner/spec/load-spec.js';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

/** The console's silver report (GET /api/v1/runs/{id}/silver) reads a run's silver version from an S3 lake. */
describe('silver report on an S3 lake', () => {
  let f: Fixture;
  let s3: SeaweedFs;
  let local: RunSummary;
  let remote: RunSummary;

  beforeAll(async () => {
    const data = path.resolve('examples/online-retail/data');
    f = createFixture();
    for (const n of fs.readdirSync(data).filter((x) => x.endsWith('.csv')))
      fs.copyFileSync(path.join(data, n), path.join(f.sourceDir, n));
    // A few rows silver quarantines (unparseable quantity, zero quantity), so the report has samples to read.
    f.write(
      'extra.csv',
      [
        'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
        '599901,85123A,WHITE HANGING HEART T-LIGHT HOLDER,six,2011-12-09 08:26:00,2.55,17850.0,United Kingdom',
        '599902,71053,WHITE METAL LANTERN,0,2011-12-09 08:26:00,3.39,17850.0,United Kingdom',
        '599903,71053,WHITE METAL LANTERN,seven,2011-12-09 08:27:00,3.39,17850.0,United Kingdom',
      ].join('\n') + '\n',
    );
    s3 = await startSeaweedFs();
    await s3.createBucket('lake');
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    const providers = await f.providers();
    const logger = pino({ level: 'silent' });
    const run = async (lakeDir: string | undefined) =>
      runPipeline({
        loaded: await loadSpec(f.specFile),
        steps: ['bronze', 'silver'],
        ...(lakeDir ? { lakeDir } : {}),
        objectStore: { endpoint: s3.endpoint, region: s3.region },
        workDir: path.join(f.dir, 'work'),
        fxUrl: providers.fxUrl,
        countriesUrl: providers.countriesUrl,
        logger,
        progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      });
    local = await run(undefined);
    remote = await run('s3://lake/console');
  }, 180_000);
  afterAll(async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    f?.cleanup();
    await s3?.stop();
  });

  it('returns the same reconciliation, quarantine counts and samples as for the local lake', async () => {
    expect(remote.lake).toBe('s3://lake/console');
    const reader = createSilverReportReader({ objectStore: { endpoint: s3.endpoint, region: s3.region } });
    try {
      const fromLocal = await reader.read(local.lake, local.runId);
      const fromS3 = await reader.read(remote.lake, remote.runId);
      expect(fromLocal?.counts?.quarantined).toBeGreaterThan(0);
      const c = fromS3!.counts!;
      expect(c.bronze_rows).toBe(c.silver_rows + c.quarantined + c.duplicates);
      expect([c.bronze_rows, c.silver_rows]).toEqual([
        remote.steps.silver!.rowsIn,
        remote.steps.silver!.rowsOut,
      ]);
      expect(fromS3).toEqual(fromLocal);
      expect(fromS3!.samples.length).toBeGreaterThan(0);
      // A run that is not in the lake, and a lake that cannot be reached, fall back to the lineage (undefined).
      expect(await reader.read(remote.lake, '20200101T000000000Z-none')).toBeUndefined();
      expect(await reader.read('s3://no-such-bucket/x', remote.runId)).toBeUndefined();
    } finally {
      reader.close();
    }
  }, 60_000);
});
