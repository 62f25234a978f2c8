import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../runner/run/progress.js';
import { runPipeline } from '../../runner/run/run-pipeline.js';
import { loadSpec } from '../../runner/spec/load-spec.js';
import { createEmbeddedPostgres } from '../../runner/warehouse/embedded-postgres.js';
import { migrateWarehouse } from '../../runner/warehouse/migrate-warehouse.js';
import { MIGRATIONS } from '../../runner/warehouse/migrations/index.js';
import { createWarehouseStepRunner } from '../../runner/warehouse/warehouse-step-runner.js';
import { createFixture, fullDataDir } from '../helpers/pipeline-fixture.js';
import { freePort, scratchDir, testLogger } from './helpers/test-postgres.js';

/**
 * End to end through the runner: bronze → silver → gold → warehouse with NO connection configured, so the
 * warehouse step starts the embedded PostgreSQL under the state folder, loads it and prints a psql command
 * that works.
 */
const run = promisify(execFile);
const pipeline = createFixture();
let stateDir: string | undefined;

afterAll(() => {
  pipeline.cleanup();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('the warehouse step in the runner', () => {
  it('loads an embedded PostgreSQL by default and prints a working psql command', async () => {
    const source = fullDataDir();
    for (const name of fs.readdirSync(source).filter((f) => f.startsWith('2011-01-'))) {
      fs.copyFileSync(path.join(source, name), path.join(pipeline.sourceDir, name));
    }
    stateDir = await scratchDir('medallion-wh-state-');
    const port = await freePort();
    const warehouse = { schema: 'wh_e2e', embedded: { dataDir: path.join(stateDir, 'pgdata'), port } };
    const messages: string[] = [];
    const logger = pino({ level: 'silent' });
    const providers = await pipeline.providers();
    const summary = await runPipeline({
      loaded: await loadSpec(pipeline.specFile),
      logger,
      fxUrl: providers.fxUrl,
      countriesUrl: providers.countriesUrl,
      progress: createProgressReporter({ format: 'pretty', logger, write: (line) => messages.push(line) }),
      steps: ['bronze', 'silver', 'gold', 'warehouse'],
      extraSteps: { warehouse: createWarehouseStepRunner({ env: {}, warehouse }) },
    });
    expect(summary.steps.warehouse?.status, JSON.stringify(summary.steps.warehouse)).toBe('Succeeded');
    const [silver] = await pipeline.query(
      `SELECT count(*) AS n FROM ${await pipeline.silverTable('sales_lines')}`,
    );
    expect(summary.steps.warehouse?.rowsIn).toBe(Number(silver?.n));
    const psql = messages.find((m) => m.includes('connect with: '))?.split('connect with: ')[1];
    expect(psql).toMatch(/^PGPASSWORD=.* psql "postgresql:\/\/postgres@127\.0\.0\.1:\d+\/medallion"$/);
    expect(messages.join('\n')).not.toMatch(/postgresql:\/\/postgres:[^*@]+@/);

    // `medallion db migrate` against the same embedded warehouse: already at the latest version.
    const migrated = await migrateWarehouse({
      warehouse,
      env: {},
      baseDir: pipeline.dir,
      logger: testLogger,
    });
    expect(migrated).toMatchObject({ schema: 'wh_e2e', applied: [], currentVersion: MIGRATIONS.length });

    // The step stopped the server it started; the data stays under the state folder and the command works.
    const server = createEmbeddedPostgres({ dataDir: warehouse.embedded.dataDir, port, logger: testLogger });
    await server.start();
    try {
      const { stdout } = await run('sh', ['-c', `${psql} -Atc "SELECT count(*) FROM wh_e2e.fact_sales"`]);
      expect(Number(stdout.trim())).toBe(Number(silver?.n));
    } finally {
      await server.stop();
    }
  });
});
