import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../spec/load-spec.js';
import { createProgressReporter } from './progress.js';
import { runPipeline } from './run-pipeline.js';
import { StepReportSchema } from './step-report.js';
import type { StepContext, StepResult, SilverDetails } from './step-types.js';
import { buildTerminationMessage } from './termination-message.js';

/** The partitions a step reports travel to the summary, the lineage events and the step report; --full-refresh reaches the steps. */
describe('runPipeline: touched partitions and --full-refresh', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-run-partitions-'));
    fs.mkdirSync(path.join(dir, 'source'));
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      'apiVersion: medallion.dev/v1alpha1\nkind: Pipeline\nmetadata: { name: p }\n' +
        'spec:\n  source: { uri: ./source }\n  lake: { uri: ./lake }\n  steps: [bronze, silver]\n',
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const result = <D extends object>(details: D): StepResult<D> => ({
    status: 'Succeeded',
    rowsIn: 3,
    rowsOut: 3,
    durationMs: 1,
    inputs: [],
    outputs: [],
    details,
  });

  const run = async (fullRefresh: boolean | undefined) => {
    const seen: boolean[] = [];
    const logger = pino({ level: 'silent' });
    const summary = await runPipeline({
      loaded: await loadSpec(path.join(dir, 'pipeline.yaml')),
      logger,
      progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      ...(fullRefresh === undefined ? {} : { fullRefresh }),
      extraSteps: {
        bronze: async (ctx: StepContext) => (seen.push(ctx.fullRefresh), result({})),
        silver: async (ctx: StepContext) => {
          seen.push(ctx.fullRefresh);
          const partitions = ctx.fullRefresh
            ? { full: true, keys: ['2010-12-01', '2010-12-02', '2011-01-04'] }
            : { full: false, keys: ['2011-01-04'] };
          return result<SilverDetails>({ partitions });
        },
      },
    });
    return { summary, seen };
  };

  it('passes --full-refresh to every step and says so in the summary', async () => {
    const full = await run(true);
    expect(full.seen).toEqual([true, true]);
    expect(full.summary.fullRefresh).toBe(true);
    expect(full.summary.steps.silver?.partitions).toEqual({
      full: true,
      keys: ['2010-12-01', '2010-12-02', '2011-01-04'],
    });
    const normal = await run(undefined);
    expect(normal.seen).toEqual([false, false]);
    expect(normal.summary).not.toHaveProperty('fullRefresh');
    expect(normal.summary.steps.silver?.partitions).toEqual({ full: false, keys: ['2011-01-04'] });
  });

  it("puts the step's partitions in its COMPLETE lineage event and its step report", async () => {
    const { summary } = await run(false);
    const lineageDir = path.join(dir, 'lake', '_lineage', summary.runId);
    const events = fs.readdirSync(lineageDir).sort();
    const read = (name: string) => JSON.parse(fs.readFileSync(path.join(lineageDir, name), 'utf8'));
    const complete = read(events.find((e) => e.endsWith('-silver-COMPLETE.json'))!);
    expect(complete.run.facets.medallion_partitions).toMatchObject({
      full: false,
      count: 1,
      keys: ['2011-01-04'],
      _schemaURL: expect.stringMatching(/run-summary\.md#partitions-touched-by-a-run$/),
    });
    // Bronze touches no business-date partition, and START events come before anything is known.
    expect(read(events.find((e) => e.endsWith('-bronze-COMPLETE.json'))!).run.facets).not.toHaveProperty(
      'medallion_partitions',
    );
    expect(read(events.find((e) => e.endsWith('-silver-START.json'))!).run.facets).not.toHaveProperty(
      'medallion_partitions',
    );
    const report = StepReportSchema.parse(JSON.parse(buildTerminationMessage(summary)));
    expect(report).toMatchObject({
      step: 'silver',
      partitions: { full: false, count: 1, first: '2011-01-04', last: '2011-01-04' },
    });
  });
});
