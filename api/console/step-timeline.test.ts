import { describe, expect, it } from 'vitest';
import { stepTimeline } from './step-timeline.js';

const ev = (eventType: string, job: string, eventTime: string) => ({
  eventType,
  job: { name: job },
  eventTime,
});

describe('stepTimeline', () => {
  it('pairs the lineage events of each step job and numbers repeated starts as attempts', () => {
    const t = stepTimeline({
      steps: [],
      lineage: [
        ev('START', 'retail', '2026-01-01T00:00:00Z'),
        ev('START', 'retail.bronze', '2026-01-01T00:00:01Z'),
        ev('COMPLETE', 'retail.bronze', '2026-01-01T00:00:03Z'),
        ev('START', 'retail.silver', '2026-01-01T00:00:03Z'),
        ev('FAIL', 'retail.silver', '2026-01-01T00:00:05Z'),
        ev('START', 'retail.silver', '2026-01-01T00:00:06Z'),
      ],
    });
    expect(t.source).toBe('lineage');
    expect(t.spans.map((s) => [s.step, s.attempt, s.phase, s.finished_at])).toEqual([
      ['bronze', 1, 'Succeeded', '2026-01-01T00:00:03Z'],
      ['silver', 1, 'Failed', '2026-01-01T00:00:05Z'],
      ['silver', 2, 'Running', null],
    ]);
  });

  it('falls back to the cluster step statuses, then to nothing', () => {
    const step = { name: 'gold', phase: 'Succeeded', rowsIn: 1, rowsOut: 1, durationMs: 1000, message: null };
    const t = stepTimeline({
      lineage: [],
      steps: [
        {
          ...step,
          startedAt: '2026-01-01T00:00:00.000Z',
          finishedAt: '2026-01-01T00:00:09.000Z',
          attempts: 2,
        },
      ],
    });
    expect(t).toEqual({
      source: 'steps',
      spans: [
        {
          step: 'gold',
          attempt: 2,
          started_at: '2026-01-01T00:00:00.000Z',
          finished_at: '2026-01-01T00:00:09.000Z',
          phase: 'Succeeded',
        },
      ],
    });
    expect(stepTimeline({ lineage: [], steps: [step] })).toEqual({ source: 'none', spans: [] });
  });
});
