import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { createOperatorMetrics } from '../metrics.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../spec/pipeline-run.js';
import { RUN_INDEXERS } from './cache-indexes.js';
import { keyOf, type Informer, type KubeObject } from './informer.js';
import { createSlotTracker } from './slot-tracker.js';

// The adapter's part of slots: what it gathers from the caches and the reservation that bridges a reconcile and the
// informer catching up. The caches are plain maps with the operator's real indexers.

type Run = PipelineRunObject & KubeObject;
type Pipe = PipelineObject & KubeObject;

function cache<T extends KubeObject>(indexers: Record<string, (o: KubeObject) => string | undefined> = {}) {
  const items = new Map<string, T>();
  const informer: Informer<T> = {
    get: (k) => items.get(k),
    list: () => [...items.values()],
    byIndex: (index, value) => [...items.values()].filter((o) => indexers[index]?.(o) === value),
    synced: Promise.resolve(),
    stop: () => undefined,
  };
  return { informer, put: (o: T) => items.set(keyOf(o), o), remove: (k: string) => items.delete(k) };
}

const pipeline = (name: string, maxRuns?: number): Pipe => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name, namespace: 'shop' },
  spec: PipelineResourceSpecSchema.parse({
    source: { uri: '/data' },
    ...(maxRuns ? { concurrency: { maxRuns } } : {}),
  }),
});
const run = (name: string, p: string, second: number, extra: Partial<Run> = {}): Run => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name, namespace: 'shop', creationTimestamp: `2026-03-01T10:00:0${second}Z` },
  spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: p } }),
  ...extra,
});

function setup(clusterMax?: number) {
  const runs = cache<Run>(RUN_INDEXERS);
  const pipelines = cache<Pipe>();
  pipelines.put(pipeline('retail', 1));
  pipelines.put(pipeline('free'));
  const slots = createSlotTracker({
    runs: runs.informer,
    pipelines: pipelines.informer,
    ...(clusterMax !== undefined ? { clusterMax } : {}),
  });
  const add = (r: Run) => {
    runs.put(r);
    slots.noteSeen(keyOf(r));
    return r;
  };
  return { runs, pipelines, slots, add };
}

describe('slot tracker', () => {
  it('reserves the slot it hands out, before the informer shows the run started', () => {
    const { slots, add, pipelines } = setup();
    const a = add(run('a', 'retail', 1));
    const b = add(run('b', 'retail', 1));
    const p = pipelines.informer.get('shop/retail');
    expect(slots.decide(a, p)).toEqual({ admit: true });
    // a's new status is not in the cache yet: without the reservation b would get a second slot.
    expect(slots.decide(b, p)).toMatchObject({ admit: false });
    // Asked again (a 409 retry), a keeps its slot.
    expect(slots.decide(a, p)).toEqual({ admit: true });
    // a finishes: the waiting runs are handed back to be reconciled, and b gets the slot.
    slots.noteHeld(b, 'WaitingForSlot');
    expect(slots.released('shop/a')).toEqual(['shop/b']);
    expect(slots.decide(b, p)).toEqual({ admit: true });
  });

  it('asks nothing for runs no cap applies to, and reserves nothing for suspended or started runs', () => {
    const { slots, add, pipelines } = setup();
    const free = add(run('f', 'free', 1));
    expect(slots.decide(free, pipelines.informer.get('shop/free'))).toBeUndefined();
    const p = pipelines.informer.get('shop/retail');
    const held = add(
      run('h', 'retail', 1, { spec: { ...free.spec, pipelineRef: { name: 'retail' }, suspend: true } }),
    );
    expect(slots.decide(held, p)).toBeUndefined();
    // The suspended run took nothing: the next one still gets the slot.
    expect(slots.decide(add(run('n', 'retail', 2)), p)).toEqual({ admit: true });
  });

  it('counts started runs of every pipeline against the cluster-wide cap, and reports the waiting', async () => {
    const { slots, add, pipelines } = setup(2);
    add(run('s1', 'free', 0, { status: { phase: 'Running', startTime: '2026-03-01T10:00:00Z' } }));
    add(run('s2', 'retail', 0, { status: { phase: 'Running', startTime: '2026-03-01T10:00:00Z' } }));
    add(run('done', 'free', 0, { status: { phase: 'Succeeded', startTime: '2026-03-01T10:00:00Z' } }));
    const w = add(run('w', 'free', 1));
    const decision = slots.decide(w, pipelines.informer.get('shop/free'));
    expect(decision).toEqual({
      admit: false,
      message: expect.stringContaining('2 run(s) at once cluster-wide'),
    });
    slots.noteHeld(w, 'WaitingForSlot');
    const m = createOperatorMetrics();
    slots.updateMetrics(m, new Date('2026-03-01T10:05:01Z'));
    expect((await m.slotWaitOldest.get()).values).toEqual([
      { labels: { namespace: 'shop', pipeline: 'free' }, value: 300 },
    ]);
  });
});
