import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkResult } from '../quality/check-result-fixture.js';
import { loadSpec } from '../spec/load-spec.js';
import { createProgressReporter } from './progress.js';
import { runPipeline } from './run-pipeline.js';
import { StepReportSchema } from './step-report.js';
import { buildTerminationMessage } from './termination-message.js';

/**
 * A run whose silver step reports check results (as the check engine will): they reach the summary in the lake, the
 * termination message, and the OpenLineage events as data-quality assertions on the checked table.
 */
describe('runPipeline with check results', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-run-checks-'));
    fs.mkdirSync(path.join(dir, 'source'));
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      'apiVersion: medallion.dev/v1alpha1\nkind: Pipeline\nmetadata: { name: p }\n' +
        'spec:\n  source: { uri: ./source }\n  lake: { uri: ./lake }\n  steps: [bronze, silver]\n',
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('carries the checks into the summary, the step report and the lineage events', async () => {
    const lake = `file://${path.join(dir, 'lake')}`;
    const checks = [
      checkResult({ name: 'invoice_not_null' }),
      checkResult({ name: 'price_range', kind: 'range', severity: 'warn', status: 'failed', failingRows: 3 }),
      checkResult({ name: 'daily_lines', kind: 'anomaly', status: 'insufficientHistory' }),
      checkResult({ name: 'quarantine_small', table: 'quarantine', kind: 'rowCount' }),
    ];
    const step = (details: object) => async () => ({
      status: 'Succeeded' as const,
      rowsIn: 1,
      rowsOut: 1,
      durationMs: 1,
      inputs: [],
      outputs: [{ namespace: lake, name: 'silver/sales_lines' }],
      details,
    });
    const logger = pino({ level: 'silent' });
    const summary = await runPipeline({
      loaded: await loadSpec(path.join(dir, 'pipeline.yaml')),
      logger,
      progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      extraSteps: { bronze: step({}), silver: step({ checks }) },
    });
    expect(summary.steps.silver?.checks).toEqual(checks);
    expect(StepReportSchema.parse(JSON.parse(buildTerminationMessage(summary))).checks).toMatchObject({
      passed: 2,
      warned: 1,
      failing: ['price_range'],
    });
    const eventsDir = path.join(dir, 'lake', '_lineage', summary.runId);
    const events = fs
      .readdirSync(eventsDir)
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(eventsDir, f), 'utf8')));
    const checksEvents = events.filter((e) => e.job.name === 'p.silver.checks');
    expect(checksEvents).toHaveLength(1);
    const ev = checksEvents[0];
    const silverRun = events.find((e) => e.job.name === 'p.silver' && e.eventType === 'COMPLETE');
    expect(ev.run.facets.parent.run.runId).toBe(silverRun.run.runId);
    expect(ev.run.runId).not.toBe(silverRun.run.runId);
    const byName = Object.fromEntries(
      ev.inputs.map((i: { name: string; namespace: string; inputFacets: Record<string, unknown> }) => [
        i.name,
        i,
      ]),
    );
    expect(Object.keys(byName).sort()).toEqual(['silver/quarantine', 'silver/sales_lines']);
    expect(byName['silver/sales_lines'].namespace).toBe(lake);
    const facet = byName['silver/sales_lines'].inputFacets.dataQualityAssertions;
    expect(facet._schemaURL).toMatch(/DataQualityAssertionsDatasetFacet\.json$/);
    // The anomaly check without enough history has no verdict yet, so no assertion.
    expect(facet.assertions).toEqual([
      { assertion: 'invoice_not_null', success: true },
      { assertion: 'price_range', success: false },
    ]);
  });

  it('emits no assertions event for a step without checks', async () => {
    const ok = async () => ({
      status: 'Succeeded' as const,
      rowsIn: 1,
      rowsOut: 1,
      durationMs: 1,
      inputs: [],
      outputs: [],
      details: {},
    });
    const logger = pino({ level: 'silent' });
    const summary = await runPipeline({
      loaded: await loadSpec(path.join(dir, 'pipeline.yaml')),
      logger,
      progress: createProgressReporter({ format: 'json', logger, write: () => undefined }),
      extraSteps: { bronze: ok, silver: ok },
    });
    const names = fs.readdirSync(path.join(dir, 'lake', '_lineage', summary.runId));
    expect(names).toHaveLength(4);
    expect(names.some((n) => n.includes('checks'))).toBe(false);
  });
});
