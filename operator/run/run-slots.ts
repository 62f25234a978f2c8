/**
 * Concurrency slots as a pure decision: which waiting runs may start now, under each pipeline's
 * `spec.concurrency.maxRuns` and the operator's cluster-wide cap. Waiting runs are taken strictly in queue order
 * (creation time, then the order the operator first saw them): a run is admitted only if, handing out the free slots
 * to the runs ahead of it first, one is left for it. A run held back by its own pipeline's cap does not hold back
 * runs of other pipelines; the cluster-wide cap holds back everyone behind it.
 */

export interface SlotHolder {
  /** `namespace/pipeline` */
  pipeline: string;
}

export interface WaitingRun {
  /** `namespace/name` */
  key: string;
  /** `namespace/pipeline` */
  pipeline: string;
  /** metadata.creationTimestamp (second precision) */
  created: string;
  /** Order the operator first saw the run in: breaks ties between runs created in the same second. */
  seen: number;
}

export interface SlotLimits {
  /** Cluster-wide cap on running runs; unlimited when undefined. */
  clusterMax?: number;
  /** `spec.concurrency.maxRuns` by `namespace/pipeline`; unlimited when absent. */
  pipelineMax: (pipeline: string) => number | undefined;
}

export type SlotDecision = { admit: true } | { admit: false; message: string };

export const queueOrder = (a: WaitingRun, b: WaitingRun) =>
  a.created < b.created ? -1 : a.created > b.created ? 1 : a.seen - b.seen;

/** Whether `candidate` (one of `waiting`) may take a slot now, given the runs that hold one. */
export function decideSlot(
  candidate: string,
  holders: readonly SlotHolder[],
  waiting: readonly WaitingRun[],
  limits: SlotLimits,
): SlotDecision {
  const perPipeline = new Map<string, number>();
  for (const h of holders) perPipeline.set(h.pipeline, (perPipeline.get(h.pipeline) ?? 0) + 1);
  let total = holders.length;
  for (const w of [...waiting].sort(queueOrder)) {
    const pipelineMax = limits.pipelineMax(w.pipeline);
    const inPipeline = perPipeline.get(w.pipeline) ?? 0;
    const clusterFull = limits.clusterMax !== undefined && total >= limits.clusterMax;
    const pipelineFull = pipelineMax !== undefined && inPipeline >= pipelineMax;
    if (w.key === candidate) {
      if (!clusterFull && !pipelineFull) return { admit: true };
      // No queue position in the message: it would rewrite every waiting run's status whenever the queue moves.
      const message = pipelineFull
        ? `waiting for a slot: pipeline ${w.pipeline.split('/')[1]} allows ${pipelineMax} run(s) at once (spec.concurrency.maxRuns)`
        : `waiting for a slot: the operator allows ${limits.clusterMax} run(s) at once cluster-wide`;
      return { admit: false, message };
    }
    if (clusterFull || pipelineFull) continue;
    // Handed to a run ahead in the queue (it takes it when its own reconcile comes).
    perPipeline.set(w.pipeline, inPipeline + 1);
    total += 1;
  }
  // Not in the list: nothing to wait for.
  return { admit: true };
}
