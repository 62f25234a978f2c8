import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../../cli/main.js';
import { createFixture, fullDataDir, type Fixture } from '../../helpers/pipeline-fixture.js';
import { startStandInProviders, type StandInProviders } from '../../helpers/stand-in-providers.js';
import { startTestPostgres, type TestPostgres } from '../../warehouse/helpers/test-postgres.js';

export const FULL_SCHEMA = 'console_full';

export interface FullDataRun {
  pg: TestPostgres;
  pipeline: Fixture;
  providers: StandInProviders;
  close(): Promise<void>;
}

/**
 * One `medallion run` (bronze → search) of the full Online Retail data (305 days, 541,909 lines) into a real
 * PostgreSQL, recorded in run_history; enrichment providers are loopback stand-ins. About a minute on 2 cores.
 */
export async function runFullData(): Promise<FullDataRun> {
  const source = fullDataDir();
  const pg = await startTestPostgres();
  const providers = await startStandInProviders();
  const pipeline = createFixture(
    `  warehouse: { schema: ${FULL_SCHEMA} }\n  steps: [bronze, silver, gold, warehouse, search]`,
  );
  for (const f of fs.readdirSync(source).filter((n) => n.endsWith('.csv'))) {
    fs.copyFileSync(path.join(source, f), path.join(pipeline.sourceDir, f));
  }
  const err: string[] = [];
  const code = await main(['run', '-f', pipeline.specFile, '-q'], {
    out: () => undefined,
    err: (t) => err.push(t),
    env: {
      MEDALLION_LOG_LEVEL: 'silent',
      DATABASE_URL: pg.url,
      MEDALLION_FX_URL: providers.fxUrl,
      MEDALLION_COUNTRIES_URL: providers.countriesUrl,
    },
    isTty: false,
  });
  if (code !== 0) throw new Error(`full-data run failed: ${err.join('\n')}`);
  return {
    pg,
    pipeline,
    providers,
    close: async () => {
      await providers.close();
      pipeline.cleanup();
      await pg.stop();
    },
  };
}
