import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../spec/load-spec.js';
import { createProgressReporter } from './progress.js';
import { runPipeline, type RunOptions } from './run-pipeline.js';
import { StepReportSchema } from './step-report.js';
import { buildTerminationMessage } from './termination-message.js';

describe('runPipeline when something unexpected throws', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-run-pipeline-'));
    fs.mkdirSync(path.join(dir, 'source'));
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      'apiVersion: medallion.dev/v1alpha1\nkind: Pipeline\nmetadata: { name: p }\n' +
        'spec:\n  source: { uri: ./source }\n  lake: { uri: ./lake }\n  steps: [bronze, silver]\n',
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = async (over: Partial<RunOptions>) => {
    const logger = pino({ level: 'silent' });
    return runPipeline({
      loaded: await loadSpec(path.join(dir, 'pipeline.yaml')),
      logger,
      progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      summaryJson: path.join(dir, 'summary.json'),
      ...over,
    });
  };
  const readSummary = () => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));

  it('a step throwing a plain Error fails the run as INTERNAL and still writes the summary', async () => {
    const broken = () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x')"));
    const summary = await run({ extraSteps: { bronze: broken } });
    expect(summary.status).toBe('Failed');
    expect(summary.error).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/reading 'x'/) });
    expect(summary.error?.hint).toBeTruthy();
    expect(summary.steps.bronze).toMatchObject({ status: 'Failed' });
    expect(summary.steps.silver).toMatchObject({ status: 'Skipped' });
    expect(readSummary()).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(fs.existsSync(path.join(dir, 'lake', '_runs', 'latest.json'))).toBe(true);
    const report = StepReportSchema.parse(JSON.parse(buildTerminationMessage(summary)));
    expect(report).toMatchObject({ step: 'bronze', status: 'Failed', error: { code: 'INTERNAL' } });
  });

  it('a fault outside the steps (here: lineage) also ends Failed with a summary', async () => {
    const ok = async () => ({
      status: 'Succeeded' as const,
      rowsIn: 1,
      rowsOut: 1,
      durationMs: 1,
      inputs: [],
      outputs: [],
      details: {},
    });
    let emitted = 0;
    const summary = await run({
      extraSteps: { bronze: ok, silver: ok },
      // The START and COMPLETE events of bronze go out; the START of silver fails.
      lineage: {
        emit: async () => {
          if (++emitted > 2) throw new Error('lineage disk full');
        },
      },
    });
    expect(summary.status).toBe('Failed');
    expect(summary.error).toMatchObject({ code: 'INTERNAL', message: 'lineage disk full' });
    expect(summary.steps).toMatchObject({ bronze: { status: 'Succeeded' }, silver: { status: 'Failed' } });
    expect(readSummary().status).toBe('Failed');
  });
});
