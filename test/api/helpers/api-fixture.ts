import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../../cli/main.js';
import { createFixture, type Fixture } from '../../helpers/pipeline-fixture.js';
import {
  startStandInProviders,
  unreachableUrl,
  type StandInProviders,
} from '../../helpers/stand-in-providers.js';
import { startTestPostgres, type TestPostgres } from '../../warehouse/helpers/test-postgres.js';

export const SCHEMA = 'api_test';
const repo = path.resolve(import.meta.dirname, '../../..');
export const SAMPLE_DIR = path.join(repo, 'examples/online-retail/data');

export interface ApiFixture {
  pg: TestPostgres;
  pipeline: Fixture;
  providers: StandInProviders;
  /** CLI outputs of the two runs (first three sample days, then all five with the FX provider down). */
  runs: { code: number; out: string; err: string }[];
  close(): Promise<void>;
}

/**
 * A real PostgreSQL loaded by the real CLI (`medallion run`, DATABASE_URL set) from the bundled five-day sample:
 * the first run ingests three days; the second adds two more while the FX API is unreachable, so it ends Degraded
 * with the currency breaker open. Both runs are recorded in run_history by the recorder the CLI calls. `env` adds
 * variables to both runs (TYPESENSE_URL and TYPESENSE_API_KEY send the search step to Typesense); `lakeUri` puts the
 * lake elsewhere (an s3:// lake, with the AWS variables in `env`).
 */
export async function startApiFixture(
  options: { steps?: string[]; env?: Record<string, string>; lakeUri?: string } = {},
): Promise<ApiFixture> {
  const pg = await startTestPostgres();
  const providers = await startStandInProviders();
  const steps = options.steps ?? ['bronze', 'silver', 'gold', 'warehouse'];
  const pipeline = createFixture(`  warehouse: { schema: ${SCHEMA} }\n  steps: [${steps.join(', ')}]`);
  const days = fs
    .readdirSync(SAMPLE_DIR)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  const cli = async (env: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const lake = options.lakeUri ? ['--lake', options.lakeUri] : [];
    const code = await main(['run', '-f', pipeline.specFile, ...lake, '-q'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { MEDALLION_LOG_LEVEL: 'silent', DATABASE_URL: pg.url, ...options.env, ...env },
      isTty: false,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const runs = [];
  for (const day of days.slice(0, 3))
    fs.copyFileSync(path.join(SAMPLE_DIR, day), path.join(pipeline.sourceDir, day));
  runs.push(
    await cli({ MEDALLION_FX_URL: providers.fxUrl, MEDALLION_COUNTRIES_URL: providers.countriesUrl }),
  );
  for (const day of days.slice(3))
    fs.copyFileSync(path.join(SAMPLE_DIR, day), path.join(pipeline.sourceDir, day));
  runs.push(
    await cli({
      MEDALLION_FX_URL: await unreachableUrl('/'),
      MEDALLION_COUNTRIES_URL: providers.countriesUrl,
    }),
  );
  return {
    pg,
    pipeline,
    providers,
    runs,
    close: async () => {
      await providers.close();
      pipeline.cleanup();
      await pg.stop();
    },
  };
}
