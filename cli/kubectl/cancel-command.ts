import type { KubeObject } from '../../operator/kube/kube-client.js';
import { ConflictError } from '../../runner/errors.js';
import { EXIT } from '../cli-io.js';
import type { PluginCommand } from './plugin-command.js';
import { getRun } from './plugin-data.js';
import { render } from './output.js';
import { TERMINAL } from './run-view.js';

/**
 * `cancel RUN`: the operator's own mechanism, `spec.cancelled: true` (a merge patch, the one spec field that may
 * change after creation); the operator then deletes the active Jobs and marks the run Cancelled.
 */
export const cancelCommand: PluginCommand['run'] = async (_values, [name], ctx) => {
  const kube = ctx.kube();
  const run = await getRun(kube, name!);
  const phase = run.status?.phase ?? 'Pending';
  if (TERMINAL.has(phase)) {
    throw new ConflictError(
      `pipelinerun ${name} already finished (${phase}); there is nothing to cancel`,
      `Start a new run with kubectl medallion run ${run.spec.pipelineRef.name}.`,
    );
  }
  const collection = kube.collection('pipelineruns');
  const already = run.spec.cancelled === true;
  if (!already) await kube.client.mergePatch(collection, name!, { spec: { cancelled: true } });
  const patched = await kube.client.get<KubeObject>(collection, name!);
  ctx.io.out(
    render(ctx.config.output, patched, () =>
      already
        ? `pipelinerun.medallion.dev/${name} already cancelling (${phase})`
        : `pipelinerun.medallion.dev/${name} cancelled (was ${phase}; the operator stops its Jobs)`,
    ),
  );
  return EXIT.ok;
};
