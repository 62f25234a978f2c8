import { describe, expect, it } from 'vitest';
import { decideSlot, queueOrder, type WaitingRun } from './run-slots.js';

const w = (key: string, pipeline: string, created: string, seen: number): WaitingRun => ({
  key,
  pipeline,
  created,
  seen,
});
const limits = (clusterMax?: number, perPipeline: Record<string, number> = {}) => ({
  ...(clusterMax !== undefined ? { clusterMax } : {}),
  pipelineMax: (p: string) => perPipeline[p],
});

/** Which of the waiting runs the decision admits, each asked on its own against the same holders. */
const admitted = (holders: { pipeline: string }[], waiting: WaitingRun[], l: ReturnType<typeof limits>) =>
  waiting.filter((c) => decideSlot(c.key, holders, waiting, l).admit).map((c) => c.key);

describe('decideSlot', () => {
  it('hands the free cluster-wide slots to the oldest waiting runs, whatever order they are asked in', () => {
    // Created in the order c, a, d, b (names say nothing about it).
    const waiting = [
      w('ns/a', 'ns/p', '2026-03-01T10:00:01Z', 7),
      w('ns/b', 'ns/p', '2026-03-01T10:00:02Z', 1),
      w('ns/c', 'ns/q', '2026-03-01T10:00:00Z', 9),
      w('ns/d', 'ns/q', '2026-03-01T10:00:01Z', 8),
    ];
    expect(admitted([{ pipeline: 'ns/p' }], waiting, limits(3))).toEqual(['ns/a', 'ns/c']);
    expect(admitted([], waiting, limits(3)).sort()).toEqual(['ns/a', 'ns/c', 'ns/d']);
    expect(
      admitted([{ pipeline: 'ns/p' }, { pipeline: 'ns/q' }, { pipeline: 'ns/q' }], waiting, limits(3)),
    ).toEqual([]);
  });

  it('breaks ties of the same creation second by the order the operator first saw the runs', () => {
    const waiting = [
      w('ns/z', 'ns/p', '2026-03-01T10:00:00Z', 2),
      w('ns/y', 'ns/p', '2026-03-01T10:00:00Z', 1),
    ];
    expect(admitted([], waiting, limits(1))).toEqual(['ns/y']);
    expect([...waiting].sort(queueOrder).map((x) => x.key)).toEqual(['ns/y', 'ns/z']);
  });

  it("a pipeline at its maxRuns does not hold back other pipelines' runs behind it", () => {
    const waiting = [
      w('ns/p1', 'ns/p', '2026-03-01T10:00:00Z', 0),
      w('ns/p2', 'ns/p', '2026-03-01T10:00:01Z', 1),
      w('ns/q1', 'ns/q', '2026-03-01T10:00:02Z', 2),
    ];
    expect(admitted([{ pipeline: 'ns/p' }], waiting, limits(undefined, { 'ns/p': 2 }))).toEqual([
      'ns/p1',
      'ns/q1',
    ]);
    // With a cluster-wide cap of 3 as well, q1 still fits; with 2 it waits behind p1.
    expect(admitted([{ pipeline: 'ns/p' }], waiting, limits(3, { 'ns/p': 2 }))).toEqual(['ns/p1', 'ns/q1']);
    expect(admitted([{ pipeline: 'ns/p' }], waiting, limits(2, { 'ns/p': 2 }))).toEqual(['ns/p1']);
  });

  it('says which cap holds the run back', () => {
    const waiting = [w('ns/a', 'ns/p', '2026-03-01T10:00:00Z', 0)];
    const byPipeline = decideSlot('ns/a', [{ pipeline: 'ns/p' }], waiting, limits(5, { 'ns/p': 1 }));
    expect(byPipeline).toEqual({
      admit: false,
      message: expect.stringContaining('pipeline p allows 1 run(s)'),
    });
    const byCluster = decideSlot('ns/a', [{ pipeline: 'ns/q' }], waiting, limits(1));
    expect(byCluster).toEqual({
      admit: false,
      message: expect.stringContaining('1 run(s) at once cluster-wide'),
    });
  });

  it('admits a run that is not waiting (already holds a slot) and any run when nothing is capped', () => {
    expect(decideSlot('ns/x', [{ pipeline: 'ns/p' }], [], limits(1)).admit).toBe(true);
    const waiting = [
      w('ns/a', 'ns/p', '2026-03-01T10:00:00Z', 0),
      w('ns/b', 'ns/p', '2026-03-01T10:00:00Z', 1),
    ];
    expect(admitted(Array(50).fill({ pipeline: 'ns/p' }), waiting, limits())).toEqual(['ns/a', 'ns/b']);
  });
});
