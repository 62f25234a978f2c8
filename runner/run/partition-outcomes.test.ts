import { describe, expect, it } from 'vitest';
import { datesBetween } from '../lake/date-set.js';
import {
  backfillOutcome,
  briefPartitionOutcomes,
  PartitionOutcomeSummarySchema,
  summarisePartitionOutcomes,
} from './partition-outcomes.js';

const MARCH = datesBetween('2011-03-01', '2011-03-31');

describe('partition outcomes', () => {
  it('groups failures by reason as date ranges and counts each outcome', () => {
    const s = summarisePartitionOutcomes({
      requested: MARCH,
      failed: [
        { date: '2011-03-08', reason: 'a' },
        { date: '2011-03-09', reason: 'a' },
        { date: '2011-03-10', reason: 'a' },
        { date: '2011-03-20', reason: 'b' },
      ],
    });
    expect(s).toEqual({
      requested: '2011-03-01..2011-03-31',
      succeeded: '2011-03-01..2011-03-07,2011-03-11..2011-03-19,2011-03-21..2011-03-31',
      failed: [
        { dates: '2011-03-08..2011-03-10', reason: 'a' },
        { dates: '2011-03-20', reason: 'b' },
      ],
      counts: { requested: 31, succeeded: 27, failed: 4 },
    });
  });

  it('a silver step that failed (or did not run) failed every requested partition; no silver, no outcome', () => {
    const failed = backfillOutcome(
      MARCH,
      { result: { status: 'Failed', note: 'disk full', details: {} } },
      true,
    );
    expect(failed?.counts).toEqual({ requested: 31, succeeded: 0, failed: 31 });
    expect(failed?.failed).toEqual([{ dates: '2011-03-01..2011-03-31', reason: 'silver failed: disk full' }]);
    expect(backfillOutcome(MARCH, undefined, true)?.failed[0]?.reason).toMatch(/did not run/);
    expect(backfillOutcome(MARCH, undefined, false)).toBeUndefined();
  });

  it('clips to the byte budget: long reasons, then the succeeded set, then failure groups (marked truncated)', () => {
    // Every other day of a decade failed, each for its own long reason: far over any report's budget.
    const requested = datesBetween('2001-01-01', '2010-12-31');
    const failed = requested
      .filter((_, i) => i % 2 === 0)
      .map((date) => ({ date, reason: `${date} ${'x'.repeat(400)}` }));
    const full = summarisePartitionOutcomes({ requested, failed });
    const brief = briefPartitionOutcomes(full, 2048);
    expect(Buffer.byteLength(JSON.stringify(brief))).toBeLessThanOrEqual(2048);
    expect(brief.truncated).toBe(true);
    expect(brief).not.toHaveProperty('succeeded');
    expect(brief.counts).toEqual(full.counts);
    expect(() => PartitionOutcomeSummarySchema.parse(brief)).not.toThrow();
    // A small outcome is kept whole.
    const small = summarisePartitionOutcomes({
      requested: MARCH,
      failed: [{ date: '2011-03-08', reason: 'r' }],
    });
    expect(briefPartitionOutcomes(small)).toEqual(small);
  });
});
