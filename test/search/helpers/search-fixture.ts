import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createProgressReporter } from '../../../runner/run/progress.js';
import { runPipeline } from '../../../runner/run/run-pipeline.js';
import type { RunSummary } from '../../../runner/run/run-summary.js';
import { createSearchStepRunner, type SearchStepRunnerOptions } from '../../../runner/search/search-step.js';
import { loadSpec } from '../../../runner/spec/load-spec.js';
import { createFixture, type Fixture } from '../../helpers/pipeline-fixture.js';

/** The bundled 5-day sample of the real data (CC BY 4.0, examples/online-retail/data/SOURCES.md). */
export const SAMPLE_DIR = path.resolve(import.meta.dirname, '../../../examples/online-retail/data');

export interface SearchFixture {
  pipeline: Fixture;
  /** Runs only the search step with these runner options; progress lines are collected in `messages`. */
  runSearch(options: SearchStepRunnerOptions): Promise<{ summary: RunSummary; messages: string[] }>;
}

/** A lake built by the runner (bronze → silver → gold) from the sample, with loopback enrichment providers. */
export const buildSampleLake = async (): Promise<SearchFixture> => {
  const pipeline = createFixture();
  for (const name of fs.readdirSync(SAMPLE_DIR).filter((f) => f.endsWith('.csv'))) {
    fs.copyFileSync(path.join(SAMPLE_DIR, name), path.join(pipeline.sourceDir, name));
  }
  const lake = await pipeline.run({ steps: ['bronze', 'silver', 'gold'] });
  if (lake.status === 'Failed') throw new Error(`sample pipeline failed: ${JSON.stringify(lake.steps)}`);
  const providers = await pipeline.providers();
  return {
    pipeline,
    async runSearch(options) {
      const messages: string[] = [];
      const logger = pino({ level: process.env.SEARCH_TEST_LOG ?? 'silent' });
      const summary = await runPipeline({
        loaded: await loadSpec(pipeline.specFile),
        logger,
        fxUrl: providers.fxUrl,
        countriesUrl: providers.countriesUrl,
        registry: new Registry(),
        progress: createProgressReporter({ format: 'pretty', logger, write: (line) => messages.push(line) }),
        steps: ['search'],
        extraSteps: { search: createSearchStepRunner(options) },
      });
      return { summary, messages };
    },
  };
};
