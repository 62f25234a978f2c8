import { setCondition } from '../core/conditions.js';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema, type PipelineStatus } from '../spec/pipeline-resource.js';

/**
 * Pipeline status as a pure function of the pipeline and its runs: last run, last successful run, last quality score
 * and a Ready condition. Earlier values are kept when the runs behind them have been pruned.
 */

type RunRef = NonNullable<PipelineStatus['lastRun']>;

const started = (r: RunRef | undefined) => Date.parse(r?.startTime ?? '') || 0;
const completed = (r: RunRef | undefined) => Date.parse(r?.completionTime ?? '') || 0;

function ref(run: PipelineRunObject): RunRef {
  const s = run.status ?? {};
  return {
    name: run.metadata.name,
    ...(s.phase ? { phase: s.phase } : {}),
    startTime: s.startTime ?? run.metadata.creationTimestamp,
    ...(s.completionTime ? { completionTime: s.completionTime } : {}),
  };
}

/** The newest ref; ties (second precision) go to the greater name, which for scheduled runs encodes the time. */
function latest(refs: (RunRef | undefined)[], by: (r: RunRef) => number): RunRef | undefined {
  let best: RunRef | undefined;
  for (const r of refs) {
    if (r && (!best || by(r) > by(best) || (by(r) === by(best) && r.name > best.name))) best = r;
  }
  return best;
}

export function reconcilePipeline(
  pipeline: PipelineObject,
  runs: PipelineRunObject[],
  now: Date,
): PipelineStatus {
  const prev = pipeline.status ?? {};
  const refs = runs.map(ref);
  // Current refs first: on a tie with the remembered one (same run), the fresher phase wins.
  const lastRun = latest([...refs, prev.lastRun], started);
  const successes = refs.filter((r) => r.phase === 'Succeeded' || r.phase === 'Degraded');
  const lastSuccessfulRun = latest([...successes, prev.lastSuccessfulRun], completed);
  const scored = runs.filter((r) => r.status?.quality?.score !== undefined && r.status.completionTime);
  const lastScored = scored.sort((a, b) => completed(ref(b)) - completed(ref(a)))[0];

  const parsed = PipelineResourceSpecSchema.safeParse(pipeline.spec);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  const status: PipelineStatus = {
    ...prev,
    observedGeneration: pipeline.metadata.generation,
    ...(lastRun ? { lastRun } : {}),
    ...(lastSuccessfulRun ? { lastSuccessfulRun } : {}),
    ...(lastScored ? { lastQualityScore: lastScored.status?.quality?.score } : {}),
  };
  const observedGeneration = pipeline.metadata.generation;
  status.conditions = setCondition(
    prev.conditions,
    issue
      ? {
          type: 'Ready',
          status: 'False',
          reason: 'InvalidSpec',
          message: `${issue.path.join('.')}: ${issue.message}`,
          observedGeneration,
        }
      : {
          type: 'Ready',
          status: 'True',
          reason: 'Valid',
          message: 'the pipeline can run',
          observedGeneration,
        },
    now,
  );
  return status;
}
