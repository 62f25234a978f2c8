import { randomBytes } from 'node:crypto';
import { boundedName, LABELS } from '../../operator/core/names.js';
import type { PipelineRunObject } from '../../operator/core/resources.js';
import type { KubeObject } from '../../operator/kube/kube-client.js';
import { formatDateSet, parseDateSet } from '../../runner/lake/date-set.js';
import { STEP_NAMES } from '../../runner/spec/pipeline-spec.js';
import { MedallionError, UsageError } from '../../runner/errors.js';
import { EXIT } from '../cli-io.js';
import type { OptionValues, PluginCommand, PluginContext } from './plugin-command.js';
import { getPipeline, getRun } from './plugin-data.js';
import { GROUP_VERSION } from './plugin-kube.js';
import { render } from './output.js';
import { TERMINAL } from './run-view.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function businessDate(value: string, flag: string): string {
  const ok = DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  if (!ok)
    throw new UsageError(`${flag} ${value} is not a date`, 'Business dates are YYYY-MM-DD, e.g. 2011-03-01.');
  return value;
}

/** Pure: `FROM..TO` (or --from/--to) as the PipelineRun's `spec.partitions`. */
export function parsePartitions(range: string | undefined, from?: string, to?: string) {
  if (range !== undefined) {
    const m = /^([^.]+)\.\.([^.]+)$/.exec(range);
    if (!m)
      throw new UsageError(
        `--partitions ${range} is not a range`,
        'Use --partitions FROM..TO, e.g. 2011-03-01..2011-03-31.',
      );
    return parsePartitions(
      undefined,
      businessDate(m[1]!, '--partitions'),
      businessDate(m[2]!, '--partitions'),
    );
  }
  if (from === undefined || to === undefined) return undefined;
  businessDate(from, '--from');
  businessDate(to, '--to');
  if (from > to)
    throw new UsageError(`the range ${from}..${to} ends before it starts`, 'Give the earlier date first.');
  return { from, to };
}

function parseSteps(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const steps = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = steps.filter((s) => !(STEP_NAMES as readonly string[]).includes(s));
  if (steps.length === 0 || unknown.length) {
    throw new UsageError(
      `--steps ${value}: unknown step ${unknown.join(', ') || '(none given)'}`,
      `Steps: ${STEP_NAMES.join(', ')}.`,
    );
  }
  return steps;
}

interface Partitions {
  from: string;
  to: string;
  only?: string[];
}

async function createRun(
  pipeline: string,
  partitions: Partitions | undefined,
  values: OptionValues,
  ctx: PluginContext,
  retryOf?: PipelineRunObject,
): Promise<number> {
  const steps = retryOf?.spec.steps ?? parseSteps(values.steps as string | undefined);
  const kube = ctx.kube();
  await getPipeline(kube, pipeline);
  const stamp = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const name = boundedName([pipeline, retryOf ? 'retry' : partitions ? 'backfill' : 'run', stamp]);
  const collection = kube.collection('pipelineruns');
  const body = {
    apiVersion: GROUP_VERSION,
    kind: 'PipelineRun',
    metadata: {
      name,
      labels: { [LABELS.pipeline]: pipeline },
      annotations: {
        'medallion.dev/requested-by': 'kubectl-medallion',
        ...(retryOf ? { [RETRY_OF]: retryOf.metadata.name } : {}),
      },
    },
    spec: {
      pipelineRef: { name: pipeline },
      ...(steps ? { steps } : {}),
      ...(partitions ? { partitions } : {}),
    },
  };
  // Older operators' CRDs have no spec.partitions: the apiserver would prune the field and the run would process
  // everything. A dry run shows that first.
  if (partitions && !(await kube.keepsSpecField(body, 'partitions'))) {
    throw new MedallionError(
      'OPERATOR_OUTDATED',
      `the PipelineRun CRD in this cluster has no spec.partitions: backfills need a newer Medallion operator`,
    );
  }
  await kube.client.create(collection, body);
  const created = await kube.client.get<KubeObject>(collection, name);
  ctx.io.out(
    render(
      ctx.config.output,
      created,
      () =>
        `pipelinerun.medallion.dev/${name} created` +
        (retryOf
          ? ` (retry of ${retryOf.metadata.name}: partitions ${formatDateSet(partitions?.only ?? [])})`
          : partitions
            ? ` (partitions ${partitions.from}..${partitions.to})`
            : ''),
    ),
  );
  return EXIT.ok;
}

/** `run PIPELINE [--partitions FROM..TO] [--steps a,b]`: creates a PipelineRun. */
export const runCommand: PluginCommand['run'] = (values, [pipeline], ctx) =>
  createRun(pipeline!, parsePartitions(values.partitions as string | undefined), values, ctx);

/** `backfill PIPELINE --from D --to D`: a run of that business-date range; `backfill --retry RUN`: its failed dates. */
export const backfillCommand: PluginCommand['run'] = async (values, [pipeline], ctx) => {
  if (typeof values.retry === 'string') {
    const run = await getRun(ctx.kube(), values.retry);
    if (pipeline !== undefined && pipeline !== run.spec.pipelineRef.name)
      throw new UsageError(
        `run ${run.metadata.name} is a run of ${run.spec.pipelineRef.name}, not of ${pipeline}`,
        'Give only --retry RUN.',
      );
    return createRun(run.spec.pipelineRef.name, retryPartitions(run), values, ctx, run);
  }
  if (pipeline === undefined)
    throw new UsageError(
      'backfill needs PIPELINE (or --retry RUN)',
      'e.g. kubectl medallion backfill retail --from 2011-03-01 --to 2011-03-31',
    );
  if (values.from === undefined || values.to === undefined) {
    throw new UsageError(
      'backfill needs --from and --to',
      'e.g. kubectl medallion backfill retail --from 2011-03-01 --to 2011-03-31',
    );
  }
  return createRun(
    pipeline!,
    parsePartitions(undefined, values.from as string, values.to as string),
    values,
    ctx,
  );
};

/** The annotation that links a retry to the backfill it retries. */
export const RETRY_OF = 'medallion.dev/retry-of';

/**
 * Pure: what a retry of `run` asks for (docs/backfills.md). The failed partitions of a finished backfill, from its
 * status; a backfill that failed without an outcome per partition (a later step failed, or no report) retries all of
 * its dates. Refused while the run is active, when nothing failed, and when the status's failed list is truncated.
 */
export function retryPartitions(run: PipelineRunObject): Partitions {
  const name = run.metadata.name;
  const spec = run.spec.partitions;
  if (!spec)
    throw new UsageError(
      `run ${name} is not a backfill (it has no spec.partitions)`,
      'Start a new run instead.',
    );
  const phase = run.status?.phase ?? 'Pending';
  if (!TERMINAL.has(phase))
    throw new MedallionError('CONFLICT', `run ${name} is ${phase}: only a finished backfill can be retried`, {
      hint: `Wait for it (kubectl medallion runs), or cancel it first.`,
    });
  const outcome = run.status?.partitions;
  if (outcome?.truncated)
    throw new MedallionError(
      'CONFLICT',
      `run ${name} lists only part of its failed partitions (too many to keep)`,
      {
        hint: 'Backfill the dates you need with kubectl medallion backfill PIPELINE --from D --to D.',
      },
    );
  const failed = (outcome?.failed ?? []).flatMap((f) => parseDateSet(f.dates, 'status.partitions.failed'));
  const all = spec.only ?? parseDateSet(`${spec.from}..${spec.to}`);
  const dates = failed.length > 0 ? failed : phase === 'Failed' || phase === 'Cancelled' ? all : [];
  if (dates.length === 0)
    throw new MedallionError('CONFLICT', `run ${name} is ${phase}: no partition failed, nothing to retry`);
  return { from: spec.from, to: spec.to, only: [...new Set(dates)].sort() };
}
