import fs from 'node:fs';
import path from 'node:path';
import {
  createFixture,
  fullDataDir,
  type Fixture as PipelineFixture,
} from '../../helpers/pipeline-fixture.js';
import type { Fixture } from './build-fixtures.js';

/**
 * Runs the lead's real pipeline (bronze → silver → gold) twice on the real CSVs: first with the days before
 * `splitDate`, then with every day (an incremental run). Returns the published silver/gold version directories
 * of both runs, which is exactly what the runner hands to the warehouse step.
 */
export interface PipelineVersions {
  early: Fixture;
  full: Fixture;
  pipeline: PipelineFixture;
}

/** The current versions, with silver's partitions gathered into whole tables (the layout sourceFromDirs reads). */
const published = async (pipeline: PipelineFixture, name: string): Promise<Fixture> => ({
  silverDir: await pipeline.wholeSilverDir(name),
  goldDir: path.dirname(pipeline.goldFile('kpis')),
});

export const runRealPipeline = async (splitDate: string): Promise<PipelineVersions> => {
  const source = fullDataDir();
  const pipeline = createFixture();
  const files = fs
    .readdirSync(source)
    .filter((name) => name.endsWith('.csv'))
    .sort();
  const copy = (name: string): void =>
    fs.copyFileSync(path.join(source, name), path.join(pipeline.sourceDir, name));
  files.filter((name) => name < `${splitDate}.csv`).forEach(copy);
  const first = await pipeline.run();
  if (first.status === 'Failed') throw new Error(`early pipeline run failed: ${JSON.stringify(first.steps)}`);
  const early = await published(pipeline, 'silver-early');
  files.filter((name) => name >= `${splitDate}.csv`).forEach(copy);
  const second = await pipeline.run();
  if (second.status === 'Failed')
    throw new Error(`full pipeline run failed: ${JSON.stringify(second.steps)}`);
  return { early, full: await published(pipeline, 'silver-full'), pipeline };
};
