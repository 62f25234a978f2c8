import type { PipelineObject, PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import type { OperatorMetrics } from '../metrics.js';
import type { TriggerClaim } from '../spec/trigger-spec.js';
import {
  TRIGGER_FILES_ANNOTATION,
  decideTrigger,
  type SeenFile,
  type TriggerDecision,
} from './decide-trigger.js';
import { forgetTrigger, recordTriggerPoll } from './trigger-metrics.js';
import type { TriggerListing } from './trigger-source.js';

/**
 * Runs a schedule's file-trigger poll when it is due: lists through the source adapter, gathers the claims (status,
 * the runs' annotations, this process's own recent creates — the informer cache may not show those yet) and asks
 * decideTrigger. Remembers per schedule when each file was first seen unchanged and when the next poll is due;
 * reconciles that come earlier (a run changed) skip the poll.
 */

interface PollerDeps {
  source: { list(s: PipelineScheduleObject, p: PipelineObject): Promise<TriggerListing> };
  metrics?: OperatorMetrics;
  random?: () => number;
}

interface Memory {
  seen: Map<string, SeenFile>;
  nextPollMs: number;
  generation: number | undefined;
  recent: TriggerClaim[];
}

const ACTIVE_DONE = new Set(['Succeeded', 'Degraded', 'Failed', 'Cancelled']);

function runClaims(runs: readonly PipelineRunObject[]): TriggerClaim[] {
  return runs.flatMap((r) => {
    const raw = r.metadata.annotations?.[TRIGGER_FILES_ANNOTATION];
    if (!raw) return [];
    try {
      const files = JSON.parse(raw) as unknown;
      return Array.isArray(files) ? [{ run: r.metadata.name, files: files.map(String) }] : [];
    } catch {
      return []; // Not ours to fix: a hand-edited annotation claims nothing.
    }
  });
}

export function createTriggerPoller(deps: PollerDeps) {
  const memory = new Map<string, Memory>();
  const random = deps.random ?? Math.random;
  const labelsOf = (s: PipelineScheduleObject) => ({
    namespace: s.metadata.namespace,
    schedule: s.metadata.name,
  });

  return {
    /** Drops a schedule's memory and series (deleted, suspended, or its trigger removed). */
    forget(key: string, schedule?: PipelineScheduleObject) {
      memory.delete(key);
      if (deps.metrics && schedule) forgetTrigger(deps.metrics, labelsOf(schedule));
    },

    /** Call once the run exists: until the cache shows it, this claim keeps its files from a second run. */
    claimed(key: string, claim: TriggerClaim) {
      const mem = memory.get(key);
      if (mem) mem.recent = [...mem.recent, claim].slice(-50);
    },

    /** A failed create: poll again on the queue's retry rather than after the interval. */
    retrySoon(key: string) {
      const mem = memory.get(key);
      if (mem) mem.nextPollMs = 0;
    },

    /** The poll's decision, or undefined with the wait until it is due. */
    async pollIfDue(
      key: string,
      schedule: PipelineScheduleObject,
      pipeline: PipelineObject | undefined,
      owned: readonly PipelineRunObject[],
      now: Date,
    ): Promise<{ decision?: TriggerDecision; requeueAfterMs: number }> {
      const trigger = schedule.spec.trigger!.onNewFiles;
      let mem = memory.get(key);
      // A changed spec (interval, settle time, source) polls at once rather than at the old interval.
      if (!mem || mem.generation !== schedule.metadata.generation) {
        mem = {
          seen: mem?.seen ?? new Map(),
          nextPollMs: 0,
          generation: schedule.metadata.generation,
          recent: [],
        };
        memory.set(key, mem);
      }
      if (now.getTime() < mem.nextPollMs) return { requeueAfterMs: mem.nextPollMs - now.getTime() };

      const started = process.hrtime.bigint();
      let listing: TriggerListing | undefined;
      let error: string | undefined;
      if (!pipeline) error = `Pipeline ${schedule.spec.pipelineRef.name} not found`;
      else {
        try {
          listing = await deps.source.list(schedule, pipeline);
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
      }
      const claims = [...(schedule.status?.trigger?.claims ?? []), ...runClaims(owned), ...mem.recent];
      const decision = decideTrigger({
        schedule,
        trigger,
        now,
        listed: listing ? listing.files : { error: error ?? 'unknown error' },
        ingested: listing?.ingested ?? new Set(),
        claims,
        activeRuns: owned.filter((r) => !ACTIVE_DONE.has(r.status?.phase ?? '')).map((r) => r.metadata.name),
        seen: mem.seen,
        jitter: random(),
      });
      mem.seen = decision.seen;
      mem.nextPollMs = decision.nextPollMs;
      if (deps.metrics) {
        recordTriggerPoll(deps.metrics, labelsOf(schedule), {
          result: decision.result,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          filesSeen: decision.filesSeen,
          filesNew: decision.filesNew,
          ...(listing ? { cost: listing } : {}),
        });
      }
      return { decision, requeueAfterMs: Math.max(0, decision.nextPollMs - now.getTime()) };
    },
  };
}
