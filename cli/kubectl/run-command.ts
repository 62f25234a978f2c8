import { randomBytes } from 'node:crypto';
import { boundedName, LABELS } from '../../operator/core/names.js';
import type { KubeObject } from '../../operator/kube/kube-client.js';
import { STEP_NAMES } from '../../runner/spec/pipeline-spec.js';
import { MedallionError, UsageError } from '../../runner/errors.js';
import { EXIT } from '../cli-io.js';
import type { OptionValues, PluginCommand, PluginContext } from './plugin-command.js';
import { getPipeline } from './plugin-data.js';
import { GROUP_VERSION } from './plugin-kube.js';
import { render } from './output.js';

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

async function createRun(
  pipeline: string,
  partitions: { from: string; to: string } | undefined,
  values: OptionValues,
  ctx: PluginContext,
): Promise<number> {
  const steps = parseSteps(values.steps as string | undefined);
  const kube = ctx.kube();
  await getPipeline(kube, pipeline);
  const stamp = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const name = boundedName([pipeline, partitions ? 'backfill' : 'run', stamp]);
  const collection = kube.collection('pipelineruns');
  const body = {
    apiVersion: GROUP_VERSION,
    kind: 'PipelineRun',
    metadata: {
      name,
      labels: { [LABELS.pipeline]: pipeline },
      annotations: { 'medallion.dev/requested-by': 'kubectl-medallion' },
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
        (partitions ? ` (partitions ${partitions.from}..${partitions.to})` : ''),
    ),
  );
  return EXIT.ok;
}

/** `run PIPELINE [--partitions FROM..TO] [--steps a,b]`: creates a PipelineRun. */
export const runCommand: PluginCommand['run'] = (values, [pipeline], ctx) =>
  createRun(pipeline!, parsePartitions(values.partitions as string | undefined), values, ctx);

/** `backfill PIPELINE --from D --to D`: a run of that business-date range. */
export const backfillCommand: PluginCommand['run'] = (values, [pipeline], ctx) => {
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
