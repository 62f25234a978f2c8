import { describe, expect, it } from 'vitest';
import type { PipelineRunStatus, StepStatus } from '../spec/pipeline-run.js';
import { finishedInTransition } from './finished-in-transition.js';

const step = (
  name: StepStatus['name'],
  phase: StepStatus['phase'],
  extra: Partial<StepStatus> = {},
): StepStatus => ({
  name,
  phase,
  attempts: 1,
  ...extra,
});
const T0 = '2026-11-27T10:00:00Z';

describe('finishedInTransition', () => {
  it('reports a run and its last step once, when they reach a terminal phase', () => {
    const before: PipelineRunStatus = {
      phase: 'Running',
      startTime: T0,
      steps: [
        step('bronze', 'Succeeded', { startTime: T0, completionTime: '2026-11-27T10:00:40Z' }),
        step('silver', 'Running', { startTime: '2026-11-27T10:00:41Z' }),
      ],
    };
    const after: PipelineRunStatus = {
      ...before,
      phase: 'Degraded',
      completionTime: '2026-11-27T10:02:30Z',
      steps: [
        before.steps![0]!,
        step('silver', 'Degraded', {
          startTime: '2026-11-27T10:00:41Z',
          completionTime: '2026-11-27T10:02:30Z',
        }),
      ],
    };
    expect(finishedInTransition(before, after)).toEqual({
      run: { phase: 'Degraded', seconds: 150 },
      steps: [{ step: 'silver', phase: 'Degraded', seconds: 109 }],
    });
    // The same status again (a resync, a restart): nothing new.
    expect(finishedInTransition(after, after)).toEqual({ steps: [] });
  });

  it('counts a step that starts and finishes between two observations, and omits unknown durations', () => {
    const after: PipelineRunStatus = {
      phase: 'Cancelled',
      completionTime: T0,
      steps: [
        // Completed in the Job's second-precision clock before the operator's millisecond start: 0, not negative.
        step('bronze', 'Failed', { startTime: '2026-11-27T10:00:00.400Z', completionTime: T0 }),
        step('silver', 'Cancelled'),
      ],
    };
    expect(finishedInTransition(undefined, after)).toEqual({
      run: { phase: 'Cancelled' },
      steps: [
        { step: 'bronze', phase: 'Failed', seconds: 0 },
        { step: 'silver', phase: 'Cancelled' },
      ],
    });
  });

  it('does not count retries or running steps', () => {
    const running: PipelineRunStatus = {
      phase: 'Running',
      steps: [step('bronze', 'Retrying', { startTime: T0 }), step('silver', 'Pending')],
    };
    expect(finishedInTransition({ phase: 'Pending' }, running)).toEqual({ steps: [] });
  });
});
