import { EXIT } from '../cli-io.js';
import type { PluginCommand } from './plugin-command.js';
import { getPipeline, listPipelines, listRuns, listSchedules } from './plugin-data.js';
import { render } from './output.js';
import { byNewest, pipelineStatusRow, runRow, runsTable, statusTable } from './run-view.js';

const RECENT = 5;

/** `status [PIPELINE]`: one row per pipeline; with a name, also its most recent runs. */
export const statusCommand: PluginCommand['run'] = async (_values, [name], ctx) => {
  const kube = ctx.kube();
  const now = ctx.now();
  // Pipelines first: when the CRDs are missing the error names pipelines.medallion.dev, whatever the timing.
  const pipelines = name ? [await getPipeline(kube, name)] : await listPipelines(kube);
  const [runs, schedules] = await Promise.all([listRuns(kube), listSchedules(kube)]);
  const rows = pipelines
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((p) => pipelineStatusRow(p, runs, schedules, now));
  if (!name) {
    if (rows.length === 0 && ctx.config.output === 'table') {
      ctx.io.err(`No pipelines found in ${kube.namespace} namespace.`);
      return EXIT.ok;
    }
    ctx.io.out(
      render(ctx.config.output, { namespace: kube.namespace, pipelines: rows }, () => statusTable(rows, now)),
    );
    return EXIT.ok;
  }
  const recent = runs
    .filter((r) => r.spec.pipelineRef.name === name)
    .sort(byNewest)
    .slice(0, RECENT)
    .map((r) => runRow(r, now));
  const row = rows[0]!;
  ctx.io.out(
    render(ctx.config.output, { ...row, recentRuns: recent }, () =>
      [
        statusTable([row], now),
        '',
        ...row.schedules.map(
          (s) =>
            `Schedule ${s.name}: ${s.schedule} (${s.timeZone})${s.suspended ? ', suspended' : `, next ${s.nextScheduleTime ?? '-'}`}`,
        ),
        `Recent runs (${recent.length}):`,
        recent.length ? runsTable(recent, now) : '  none',
      ].join('\n'),
    ),
  );
  return EXIT.ok;
};

/** `runs [PIPELINE]`: the PipelineRuns, newest first; `-o json|yaml` gives them whole, as a kubectl List. */
export const runsCommand: PluginCommand['run'] = async (_values, [name], ctx) => {
  const kube = ctx.kube();
  const now = ctx.now();
  if (name) await getPipeline(kube, name);
  const runs = (await listRuns(kube)).filter((r) => !name || r.spec.pipelineRef.name === name).sort(byNewest);
  if (runs.length === 0 && ctx.config.output === 'table') {
    ctx.io.err(`No runs found${name ? ` of pipeline ${name}` : ''} in ${kube.namespace} namespace.`);
    return EXIT.ok;
  }
  ctx.io.out(
    render(ctx.config.output, { apiVersion: 'v1', kind: 'List', items: runs }, () =>
      runsTable(
        runs.map((r) => runRow(r, now)),
        now,
      ),
    ),
  );
  return EXIT.ok;
};
