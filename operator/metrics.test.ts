import { describe, expect, it } from 'vitest';
import {
  createOperatorMetrics,
  forgetPipeline,
  instrument,
  recordBreakers,
  recordCheckFailures,
  recordPipelineStatus,
  recordQualityMinScore,
  recordRunTransition,
} from './metrics.js';

const retail = { namespace: 'shop', pipeline: 'retail' };
const lines = async (m: ReturnType<typeof createOperatorMetrics>, prefix: string) =>
  (await m.registry.metrics()).split('\n').filter((l) => l.startsWith(prefix));

describe('operator metrics (Prometheus text)', () => {
  it('records finished runs and steps as histograms in seconds, labelled by pipeline, never by run', async () => {
    const m = createOperatorMetrics();
    recordRunTransition(m, retail, {
      run: { phase: 'Succeeded', seconds: 150 },
      steps: [
        { step: 'gold', phase: 'Succeeded', seconds: 42.5 },
        { step: 'warehouse', phase: 'Cancelled' },
      ],
    });
    const text = await m.registry.metrics();
    expect(text).toContain(
      'medallion_run_completions_total{namespace="shop",pipeline="retail",phase="Succeeded"} 1',
    );
    expect(text).toContain(
      'medallion_run_duration_seconds_sum{namespace="shop",pipeline="retail",phase="Succeeded"} 150',
    );
    expect(text).toContain(
      'medallion_run_duration_seconds_bucket{le="120",namespace="shop",pipeline="retail",phase="Succeeded"} 0',
    );
    expect(text).toContain(
      'medallion_run_duration_seconds_bucket{le="300",namespace="shop",pipeline="retail",phase="Succeeded"} 1',
    );
    expect(text).toContain(
      'medallion_step_duration_seconds_sum{namespace="shop",pipeline="retail",step="gold",phase="Succeeded"} 42.5',
    );
    // A step without a known duration is not observed (no fake zero).
    expect(text).not.toContain('step="warehouse"');
    expect(text).toMatch(/# TYPE medallion_step_duration_seconds histogram/);
  });

  it('exposes last success time and last quality score per pipeline, from the Pipeline status', async () => {
    const m = createOperatorMetrics();
    recordPipelineStatus(m, retail, {
      lastSuccessfulRun: { name: 'run-7', completionTime: '2026-11-27T10:02:30Z' },
      lastQualityScore: 0.97,
    });
    expect(await lines(m, 'medallion_pipeline_')).toEqual([
      `medallion_pipeline_last_success_timestamp_seconds{namespace="shop",pipeline="retail"} ${Date.parse('2026-11-27T10:02:30Z') / 1000}`,
      'medallion_pipeline_last_quality_score{namespace="shop",pipeline="retail"} 0.97',
    ]);
    // A pipeline that never succeeded has no series rather than a 0 that reads as 1970.
    recordPipelineStatus(m, retail, {});
    expect(await lines(m, 'medallion_pipeline_')).toEqual([]);
  });

  it('exposes the quality floor and the enrichment breakers (open or halfOpen = 1) per pipeline', async () => {
    const m = createOperatorMetrics();
    recordQualityMinScore(m, retail, 0.9);
    recordBreakers(m, retail, { currency: 'open', country: 'halfOpen', product: 'closed' });
    expect(await lines(m, 'medallion_pipeline_quality')).toEqual([
      'medallion_pipeline_quality_min_score{namespace="shop",pipeline="retail"} 0.9',
    ]);
    expect(await lines(m, 'medallion_enrichment_breaker_open{')).toEqual([
      'medallion_enrichment_breaker_open{namespace="shop",pipeline="retail",provider="currency"} 1',
      'medallion_enrichment_breaker_open{namespace="shop",pipeline="retail",provider="country"} 1',
      'medallion_enrichment_breaker_open{namespace="shop",pipeline="retail",provider="product"} 0',
    ]);
    // A later report that closes a breaker, then one that names no provider (enrichment off): no stale series.
    recordBreakers(m, retail, { currency: 'closed' });
    expect(await lines(m, 'medallion_enrichment_breaker_open{')).toEqual([
      'medallion_enrichment_breaker_open{namespace="shop",pipeline="retail",provider="currency"} 0',
    ]);
    recordBreakers(m, retail, undefined);
    recordQualityMinScore(m, retail, undefined);
    expect(await lines(m, 'medallion_enrichment_breaker_open{')).toEqual([]);
    expect(await lines(m, 'medallion_pipeline_quality')).toEqual([]);
  });

  it('marks the checks failing in the last run 1, earlier failures that pass now 0, and drops checks gone', async () => {
    const m = createOperatorMetrics();
    const series = () => lines(m, 'medallion_quality_check_failures{');
    const err = { check: 'orders_unique', severity: 'error' as const };
    const warn = { check: 'daily_lines', severity: 'warn' as const };
    recordCheckFailures(m, retail, [warn], [err, warn]);
    expect(await series()).toEqual([
      'medallion_quality_check_failures{namespace="shop",pipeline="retail",check="orders_unique",severity="error"} 0',
      'medallion_quality_check_failures{namespace="shop",pipeline="retail",check="daily_lines",severity="warn"} 1',
    ]);
    // The run that failed orders_unique was pruned from the cluster: its series goes, the other one stays.
    recordCheckFailures(m, retail, [], [warn]);
    expect(await series()).toEqual([
      'medallion_quality_check_failures{namespace="shop",pipeline="retail",check="daily_lines",severity="warn"} 0',
    ]);
    recordCheckFailures(m, { namespace: 'shop', pipeline: 'returns' }, [err], [err]);
    forgetPipeline(m, retail);
    expect(await series()).toEqual([
      'medallion_quality_check_failures{namespace="shop",pipeline="returns",check="orders_unique",severity="error"} 1',
    ]);
  });

  it('starts the run completion counters at 0 for every terminal phase once the Pipeline is seen', async () => {
    const m = createOperatorMetrics();
    const completions = () => lines(m, 'medallion_run_completions_total{');
    const series = (values: Record<string, number>) =>
      ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].map(
        (phase) =>
          `medallion_run_completions_total{namespace="shop",pipeline="retail",phase="${phase}"} ${values[phase] ?? 0}`,
      );
    expect(await completions()).toEqual([]);
    recordPipelineStatus(m, retail, {});
    expect(await completions()).toEqual(series({}));
    recordRunTransition(m, retail, { run: { phase: 'Failed', seconds: 3 }, steps: [] });
    // Later reconciles of the Pipeline keep the counts.
    recordPipelineStatus(m, retail, { lastQualityScore: 0.5 });
    expect(await completions()).toEqual(series({ Failed: 1 }));
    forgetPipeline(m, retail);
    expect(await completions()).toEqual([]);
  });

  it('forgets every series of a deleted pipeline', async () => {
    const m = createOperatorMetrics();
    const other = { namespace: 'shop', pipeline: 'returns' };
    for (const labels of [retail, other]) {
      recordRunTransition(m, labels, {
        run: { phase: 'Failed', seconds: 3 },
        steps: [{ step: 'bronze', phase: 'Failed', seconds: 3 }],
      });
      recordPipelineStatus(m, labels, { lastQualityScore: 0.5 });
      recordQualityMinScore(m, labels, 0.8);
      recordBreakers(m, labels, { currency: 'open', country: 'closed', product: 'closed' });
    }
    forgetPipeline(m, retail);
    const text = await m.registry.metrics();
    expect(text).not.toContain('pipeline="retail"');
    expect(text).toContain(
      'medallion_run_completions_total{namespace="shop",pipeline="returns",phase="Failed"} 1',
    );
    expect(text).toContain('medallion_pipeline_quality_min_score{namespace="shop",pipeline="returns"} 0.8');
    expect(text).toContain(
      'medallion_enrichment_breaker_open{namespace="shop",pipeline="returns",provider="currency"} 1',
    );
    expect(text).toContain(
      'medallion_step_duration_seconds_count{namespace="shop",pipeline="returns",step="bronze",phase="Failed"} 1',
    );
    expect(text).toContain('medallion_pipeline_last_quality_score{namespace="shop",pipeline="returns"} 0.5');
  });

  it('counts reconcile errors per controller', async () => {
    const m = createOperatorMetrics();
    const failing = instrument(m, 'pipelinerun', () => Promise.reject(new Error('409')));
    await expect(failing('shop/run-1')).rejects.toThrow('409');
    await instrument(m, 'pipelinerun', () => Promise.resolve())('shop/run-1');
    expect(await lines(m, 'medallion_reconcile_')).toEqual(
      expect.arrayContaining([
        'medallion_reconcile_errors_total{controller="pipelinerun"} 1',
        'medallion_reconcile_total{controller="pipelinerun",result="error"} 1',
        'medallion_reconcile_total{controller="pipelinerun",result="ok"} 1',
      ]),
    );
    expect(await m.registry.metrics()).not.toContain('run-1');
  });
});
