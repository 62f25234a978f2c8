import { describe, expect, it } from 'vitest';
import type { PipelineRunObject } from '../../operator/core/resources.js';
import { PipelineRunSpecSchema } from '../../operator/spec/pipeline-run.js';
import { retryPartitions } from './run-command.js';

const run = (status: object, partitions: object | undefined = { from: '2011-03-01', to: '2011-03-31' }) =>
  ({
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'b1', namespace: 'shop' },
    spec: PipelineRunSpecSchema.parse({
      pipelineRef: { name: 'retail' },
      ...(partitions ? { partitions } : {}),
    }),
    status,
  }) as PipelineRunObject;

const counts = { requested: 31, succeeded: 28, failed: 3 };

describe('backfill --retry: which dates', () => {
  it('takes the failed dates of every reason', () => {
    const r = run({
      phase: 'Failed',
      partitions: {
        requested: '2011-03-01..2011-03-31',
        failed: [
          { dates: '2011-03-08,2011-03-09', reason: 'a' },
          { dates: '2011-03-15', reason: 'b' },
        ],
        counts,
      },
    });
    expect(retryPartitions(r)).toEqual({
      from: '2011-03-01',
      to: '2011-03-31',
      only: ['2011-03-08', '2011-03-09', '2011-03-15'],
    });
  });

  it('retries every date of a run that failed without an outcome per partition', () => {
    expect(retryPartitions(run({ phase: 'Failed' })).only).toHaveLength(31);
    expect(
      retryPartitions(
        run({ phase: 'Failed' }, { from: '2011-03-01', to: '2011-03-31', only: ['2011-03-02'] }),
      ).only,
    ).toEqual(['2011-03-02']);
  });

  it('refuses runs that are active, not backfills, all good, or whose failed list is truncated', () => {
    expect(() => retryPartitions(run({ phase: 'Running' }))).toThrow(/only a finished backfill/);
    expect(() => retryPartitions(run({ phase: 'Failed' }, null as never))).toThrow(/not a backfill/);
    expect(() => retryPartitions(run({ phase: 'Succeeded' }))).toThrow(/nothing to retry/);
    expect(() =>
      retryPartitions(
        run({ phase: 'Failed', partitions: { requested: 'x', failed: [], counts, truncated: true } }),
      ),
    ).toThrow(/only part of its failed partitions/);
  });
});
