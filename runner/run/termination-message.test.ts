import { describe, expect, it } from 'vitest';
import { checkResult } from '../quality/check-result-fixture.js';
import type { RunSummary } from './run-summary.js';
import { STEP_REPORT_MAX_BYTES, StepReportSchema } from './step-report.js';
import { buildTerminationMessage } from './termination-message.js';

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  runId: 'r1',
  pipeline: 'p',
  status: 'Succeeded',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:05.000Z',
  steps: { silver: { status: 'Succeeded', rowsIn: 10, rowsOut: 9, durationMs: 1200 } },
  quality: {
    score: 0.95,
    dimensions: { completeness: 1, validity: 0.9, uniqueness: 1 },
    checks: [
      { name: 'reconciliation', severity: 'error', status: 'pass', observed: 10, threshold: 10 },
      { name: 'max_quarantine_ratio', severity: 'warn', status: 'fail', observed: 0.1, threshold: 0.01 },
    ],
  },
  kpis: null,
  lineage: { inputs: [{ namespace: 'file:///lake', name: 'bronze/x' }], outputs: [] },
  lake: '/lake',
  ...over,
});

describe('buildTerminationMessage', () => {
  it('reports the step that ran with quality and lineage', () => {
    expect(JSON.parse(buildTerminationMessage(summary()))).toEqual({
      v: 1,
      step: 'silver',
      status: 'Succeeded',
      rowsIn: 10,
      rowsOut: 9,
      durationMs: 1200,
      quality: { score: 0.95, failedChecks: ['max_quarantine_ratio'] },
      lineage: { inputs: ['file:///lake/bronze/x'], outputs: [] },
    });
  });

  it('leaves out KPIs that have no value', () => {
    const kpis = { revenue: 1.5, orders: 1, revenueEur: null } as unknown as RunSummary['kpis'];
    expect(JSON.parse(buildTerminationMessage(summary({ kpis }))).kpis).toEqual({ revenue: 1.5, orders: 1 });
  });

  it('reports the failed step with its error, not the skipped ones', () => {
    const s = summary({
      status: 'Failed',
      steps: {
        bronze: { status: 'Failed', rowsIn: 0, rowsOut: 0, durationMs: 3, note: 'bad header' },
        silver: { status: 'Skipped', rowsIn: 0, rowsOut: 0, durationMs: 0 },
      },
      error: {
        code: 'SOURCE_SCHEMA',
        message: 'a.csv: required column "Quantity" not found',
        hint: 'fix it',
      },
    });
    expect(JSON.parse(buildTerminationMessage(s))).toMatchObject({
      step: 'bronze',
      status: 'Failed',
      note: 'bad header',
      error: { code: 'SOURCE_SCHEMA', message: 'a.csv: required column "Quantity" not found' },
    });
  });

  it("carries the enrichment breakers (for the operator's breaker gauge) only when enrichment ran", () => {
    const provider = (breakerState: string) => ({ breakerState, calls: 3, failures: 3 });
    const enrichment = {
      currency: provider('open'),
      country: provider('halfOpen'),
      product: provider('closed'),
    } as unknown as RunSummary['enrichment'];
    expect(JSON.parse(buildTerminationMessage(summary({ enrichment }))).breakers).toEqual({
      currency: 'open',
      country: 'halfOpen',
      product: 'closed',
    });
    expect(JSON.parse(buildTerminationMessage(summary({ enrichment: null }))).breakers).toBeUndefined();
  });

  it('carries the count and range of the partitions the reported step touched, never the list', () => {
    const keys = Array.from({ length: 3000 }, (_, i) =>
      new Date(Date.UTC(2003, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const steps = {
      silver: {
        status: 'Succeeded' as const,
        rowsIn: 9,
        rowsOut: 9,
        durationMs: 1,
        partitions: { full: false, keys: ['2011-01-04'] },
      },
      gold: {
        status: 'Succeeded' as const,
        rowsIn: 9,
        rowsOut: 9,
        durationMs: 1,
        partitions: { full: true, keys },
      },
    };
    const msg = buildTerminationMessage(summary({ steps }));
    expect(Buffer.byteLength(msg)).toBeLessThanOrEqual(STEP_REPORT_MAX_BYTES);
    expect(JSON.parse(msg)).toMatchObject({
      step: 'gold',
      partitions: { full: true, count: 3000, first: '2003-01-01', last: keys.at(-1) },
    });
    expect(StepReportSchema.safeParse(JSON.parse(msg)).success).toBe(true);
    // Bronze and steps of older runners report no partitions: the report has none.
    expect(JSON.parse(buildTerminationMessage(summary())).partitions).toBeUndefined();
  });

  it('stays under 4 KiB by dropping optional parts first', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({
      namespace: 'file:///lake',
      name: `gold/table-${i}`,
    }));
    const msg = buildTerminationMessage(
      summary({ lineage: { inputs: many, outputs: many }, error: { code: 'X', message: 'e'.repeat(9000) } }),
    );
    expect(Buffer.byteLength(msg)).toBeLessThanOrEqual(STEP_REPORT_MAX_BYTES);
    const parsed = JSON.parse(msg);
    expect(parsed.lineage).toBeUndefined();
    expect(parsed).toMatchObject({ v: 1, step: 'silver', status: 'Succeeded' });
  });

  it('always writes a report the operator parses, whatever the summary holds', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ namespace: 'file:///lake', name: `t-${i}` }));
    const control = '\u0001"\\'.repeat(3000);
    const failedChecks = Array.from({ length: 100 }, (_, i) => ({
      name: `check-${i}`,
      severity: 'warn' as const,
      status: 'fail' as const,
      observed: 1,
      threshold: 0,
    }));
    const cases: RunSummary[] = [
      summary(),
      // A note and an error over the schema's own limits, while the whole still fits in 4 KiB.
      summary({
        status: 'Failed',
        steps: { bronze: { status: 'Failed', rowsIn: 0, rowsOut: 0, durationMs: 1, note: 'n'.repeat(1500) } },
        error: { code: 'INTERNAL', message: 'm'.repeat(2100) },
      }),
      // More dataset names and failed checks than the schema allows.
      summary({ lineage: { inputs: many(70), outputs: many(2) } }),
      summary({ quality: { ...summary().quality!, checks: failedChecks } }),
      // Characters JSON escapes to six bytes each, in both texts.
      summary({
        steps: { gold: { status: 'Failed', rowsIn: 1, rowsOut: 0, durationMs: 2.5, note: control } },
        error: { code: 'ENGINE', message: control },
      }),
      // No step ran at all.
      summary({ status: 'Failed', steps: {}, error: { code: 'INTERNAL', message: 'boom' } }),
    ];
    for (const c of cases) {
      const msg = buildTerminationMessage(c);
      expect(Buffer.byteLength(msg)).toBeLessThanOrEqual(STEP_REPORT_MAX_BYTES);
      const parsed = StepReportSchema.safeParse(JSON.parse(msg));
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
  });

  it('carries the checks brief of the reported step, a failed step included', () => {
    const steps = {
      silver: {
        status: 'Succeeded' as const,
        rowsIn: 9,
        rowsOut: 9,
        durationMs: 1,
        checks: [checkResult({ name: 'silver_ok' })],
      },
      gold: {
        status: 'Failed' as const,
        rowsIn: 9,
        rowsOut: 0,
        durationMs: 1,
        checks: [
          checkResult({ name: 'kpi_rows', layer: 'gold', status: 'passed' }),
          checkResult({ name: 'revenue_anomaly', kind: 'anomaly', severity: 'warn', status: 'failed' }),
          checkResult({ name: 'orders_unique', kind: 'unique', status: 'failed', failingRows: 4 }),
        ],
      },
    };
    const report = StepReportSchema.parse(JSON.parse(buildTerminationMessage(summary({ steps }))));
    expect(report.step).toBe('gold');
    expect(report.checks).toEqual({
      passed: 1,
      failed: 1,
      warned: 1,
      insufficientHistory: 0,
      failing: ['orders_unique', 'revenue_anomaly'],
    });
    // A step without declared checks reports none.
    expect(JSON.parse(buildTerminationMessage(summary())).checks).toBeUndefined();
  });

  it('keeps the check counts and the error names when the report must shrink', () => {
    const checks = [
      checkResult({ name: 'must_show', status: 'failed' }),
      ...Array.from({ length: 60 }, (_, i) =>
        checkResult({ name: `warn-${'w'.repeat(50)}-${i}`, severity: 'warn', status: 'failed' }),
      ),
    ];
    const many = Array.from({ length: 500 }, (_, i) => ({ namespace: 'file:///lake', name: `t-${i}` }));
    const s = summary({
      steps: { silver: { status: 'Failed', rowsIn: 1, rowsOut: 0, durationMs: 1, checks } },
      lineage: { inputs: many, outputs: many },
      error: { code: 'CHECK_FAILED', message: 'e'.repeat(2048) },
      note: undefined,
    } as Partial<RunSummary>);
    const msg = buildTerminationMessage(s);
    expect(Buffer.byteLength(msg)).toBeLessThanOrEqual(STEP_REPORT_MAX_BYTES);
    const report = StepReportSchema.parse(JSON.parse(msg));
    expect(report.checks).toMatchObject({ failed: 1, warned: 60 });
    expect(report.checks!.failing[0]).toBe('must_show');
    expect(report.checks!.failing.length).toBeLessThan(61);
  });
});
