import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import { compareLakeTables, openLakeReader, SILVER_TABLES } from '../helpers/lake-equivalence.js';
import { startStandaloneCluster, type StandaloneCluster } from './standalone-cluster.js';

/**
 * The multi-executor path: a standalone master and two workers (one core each) on loopback compute silver of the
 * full data through two executors, equal row by row to the DuckDB engine's.
 */
describe('silver on a Spark standalone cluster (master + 2 workers, loopback), full data', () => {
  let cluster: StandaloneCluster | undefined;
  let duck: Fixture;
  let spark: Fixture;
  let sparkRun: RunSummary;
  let duckRun: RunSummary;

  beforeAll(async () => {
    cluster = await startStandaloneCluster(inject('sparkHome'), 2);
    const sourceUri = fullDataDir();
    duck = createFixture();
    spark = createFixture(
      `  engine:\n    type: spark\n    spark: { master: '${cluster.masterUrl}', executor: { cores: 1, memory: 1g, instances: 2 }, driver: { memory: 1g } }`,
    );
    const t0 = performance.now();
    sparkRun = await spark.run({ sourceUri, sparkHome: inject('sparkHome'), steps: ['bronze', 'silver'] });
    console.log(
      `standalone (2 executors): bronze+silver ${Math.round((performance.now() - t0) / 100) / 10} s, silver ${sparkRun.steps.silver?.durationMs} ms`,
    );
    duckRun = await duck.run({ sourceUri, steps: ['bronze', 'silver'] });
  });
  afterAll(async () => {
    await cluster?.stop();
    duck?.cleanup();
    spark?.cleanup();
  });

  it('runs and counts like DuckDB', () => {
    expect(sparkRun.status, JSON.stringify(sparkRun.error)).toBe(duckRun.status);
    expect(sparkRun.steps.silver!.rowsOut).toBe(duckRun.steps.silver!.rowsOut);
    expect(sparkRun.steps.silver!.duplicatesRemoved).toBe(duckRun.steps.silver!.duplicatesRemoved);
  });

  it('two executors, one per worker, did the work', () => {
    const apps = fs.readdirSync(cluster!.workDir).filter((d) => d.startsWith('app-'));
    expect(apps).toHaveLength(1);
    const executors = fs.readdirSync(path.join(cluster!.workDir, apps[0]!));
    expect(executors.sort()).toEqual(['0', '1']);
  });

  it.each(SILVER_TABLES)('silver %s is equal row by row', async (table) => {
    const d = await compareLakeTables(
      await openLakeReader(duck.specFile),
      await openLakeReader(spark.specFile),
      'silver',
      table,
    );
    expect(d.differing).toBe(0);
    expect(d.rowsB).toBe(d.rowsA);
  });
});
