import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import type { OperatorMetrics } from '../metrics.js';
import { decideSlot, type SlotDecision, type SlotHolder, type WaitingRun } from '../run/run-slots.js';
import { INDEX } from './cache-indexes.js';
import type { Informer, KubeObject } from './informer.js';
import { keyOf } from './informer.js';

/**
 * The operator's side of concurrency slots: gathers holders and waiting runs from the informer caches for the pure
 * decideSlot, and bridges the gap between a reconcile that admits a run and the informer seeing that run's new
 * status. Admission is decided and reserved synchronously (no await in between), so the run controller's parallel
 * workers cannot hand out one slot twice; one leader runs the controllers, so one process holds the ledger.
 */

const TERMINAL = new Set(['Succeeded', 'Degraded', 'Failed', 'Cancelled']);
type Run = PipelineRunObject & KubeObject;

export type HeldReason = 'WaitingForSlot' | 'Suspended';

export interface SlotTracker {
  /** Called for every run key the informer reports, in order: the tie-break of runs created in the same second. */
  noteSeen(key: string): void;
  /** The decision for a run that has not started; undefined when no cap applies to it. */
  decide(run: Run, pipeline: PipelineObject | undefined): SlotDecision | undefined;
  /** After a reconcile: which runs are held and why (metrics, and who to wake when a slot frees). */
  noteHeld(run: Run, reason: HeldReason | undefined): void;
  /** A run finished or went away: wakes the runs waiting for a slot. */
  released(key: string): string[];
  waitingKeys(): string[];
  updateMetrics(m: OperatorMetrics, now: Date): void;
}

const pipelineKey = (r: Run) => `${r.metadata.namespace}/${r.spec.pipelineRef.name}`;
const isTerminal = (r: Run) => TERMINAL.has(String(r.status?.phase));
const isStarted = (r: Run) => r.status?.startTime !== undefined;

export function createSlotTracker(deps: {
  runs: Informer<Run>;
  pipelines: Informer<PipelineObject & KubeObject>;
  clusterMax?: number;
}): SlotTracker {
  const seen = new Map<string, number>();
  let seq = 0;
  /** Admitted here, the informer not yet showing it started. */
  const reserved = new Set<string>();
  const held = new Map<string, { namespace: string; pipeline: string; reason: HeldReason; since: string }>();
  const maxOf = (pk: string) => deps.pipelines.get(pk)?.spec.concurrency?.maxRuns;

  function gather(candidates: Run[]) {
    const holders: SlotHolder[] = [];
    const waiting: WaitingRun[] = [];
    for (const r of candidates) {
      const key = keyOf(r);
      if (isTerminal(r) || r.metadata.deletionTimestamp) continue;
      if (isStarted(r) || reserved.has(key)) {
        if (isStarted(r)) reserved.delete(key);
        holders.push({ pipeline: pipelineKey(r) });
      } else if (!r.spec.suspend && !r.spec.cancelled && deps.pipelines.get(pipelineKey(r)) !== undefined) {
        waiting.push({
          key,
          pipeline: pipelineKey(r),
          created: r.metadata.creationTimestamp ?? '',
          seen: seen.get(key) ?? Number.MAX_SAFE_INTEGER,
        });
      }
    }
    return { holders, waiting };
  }

  return {
    noteSeen(key) {
      if (!seen.has(key)) seen.set(key, seq++);
    },
    decide(run, pipeline) {
      // Only a run that would start now asks: a reservation for any other would hold a slot for nothing.
      if (isStarted(run) || isTerminal(run) || run.spec.suspend || run.spec.cancelled || !pipeline)
        return undefined;
      const pk = pipelineKey(run);
      const pipelineMax = pipeline?.spec.concurrency?.maxRuns;
      if (deps.clusterMax === undefined && pipelineMax === undefined) return undefined;
      // Without a cluster-wide cap pipelines are independent: only this pipeline's runs matter.
      const candidates =
        deps.clusterMax === undefined ? deps.runs.byIndex(INDEX.runsByPipeline, pk) : deps.runs.list();
      const { holders, waiting } = gather(candidates);
      const decision = decideSlot(keyOf(run), holders, waiting, {
        ...(deps.clusterMax !== undefined ? { clusterMax: deps.clusterMax } : {}),
        pipelineMax: maxOf,
      });
      if (decision.admit) reserved.add(keyOf(run));
      return decision;
    },
    noteHeld(run, reason) {
      const key = keyOf(run);
      if (!reason) {
        held.delete(key);
        return;
      }
      const since = run.metadata.creationTimestamp ?? '';
      held.set(key, {
        namespace: run.metadata.namespace,
        pipeline: run.spec.pipelineRef.name,
        reason,
        since,
      });
    },
    released(key) {
      reserved.delete(key);
      held.delete(key);
      seen.delete(key);
      return [...held].filter(([, h]) => h.reason === 'WaitingForSlot').map(([k]) => k);
    },
    waitingKeys: () => [...held].filter(([, h]) => h.reason === 'WaitingForSlot').map(([k]) => k),
    updateMetrics(m, now) {
      m.runsWaiting.reset();
      m.slotWaitOldest.reset();
      const oldest = new Map<string, number>();
      for (const h of held.values()) {
        const labels = { namespace: h.namespace, pipeline: h.pipeline };
        m.runsWaiting.inc({ ...labels, reason: h.reason });
        if (h.reason !== 'WaitingForSlot') continue;
        const age = Math.max(0, (now.getTime() - Date.parse(h.since)) / 1000);
        const k = `${h.namespace}/${h.pipeline}`;
        if (age > (oldest.get(k) ?? -1)) {
          oldest.set(k, age);
          m.slotWaitOldest.set(labels, age);
        }
      }
    },
  };
}
