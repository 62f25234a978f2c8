import { cancelCommand } from './cancel-command.js';
import { logsCommand } from './logs-command.js';
import type { PluginCommand } from './plugin-command.js';
import { backfillCommand, runCommand } from './run-command.js';
import { runsCommand, statusCommand } from './status-command.js';

/** kubectl's connection and output flags, accepted before or after the command like kubectl's own. */
export const GLOBAL_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const GLOBAL_HELP = `Global flags (as kubectl's):
      --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME      kubeconfig context to use (default: the current context)
  -n, --namespace NS      namespace (default: the context's namespace, else default)
  -o, --output FORMAT     table (default), json or yaml
  -h, --help              this help`;

const usage = (name: string, args: string, text: string) =>
  `Usage: kubectl medallion ${name} ${args}\n\n${text}\n\n${GLOBAL_HELP}`;

const steps = { type: 'string' } as const;

/** Every `kubectl medallion` command, in the order the help lists them. */
export const PLUGIN_COMMANDS: Record<string, PluginCommand> = {
  status: {
    summary: 'pipelines with their last run, quality score, freshness and next schedule',
    args: '[PIPELINE]',
    help: usage(
      'status',
      '[PIPELINE] [flags]',
      `Shows each Pipeline of the namespace: the last run and its phase, the last silver quality score, when it last
succeeded, its freshness against its schedules (fresh, late: a schedule time after the last success has passed,
never, unscheduled), the next schedule time and the runs still active. With PIPELINE, also its recent runs.`,
    ),
    options: {},
    run: statusCommand,
  },
  runs: {
    summary: 'list PipelineRuns, newest first (of one pipeline with PIPELINE)',
    args: '[PIPELINE]',
    help: usage(
      'runs',
      '[PIPELINE] [flags]',
      `Lists the PipelineRuns of the namespace, newest first: phase, current step, steps done, quality score,
partitions of a backfill, duration and age. -o json|yaml prints the PipelineRun objects whole (a kubectl List).`,
    ),
    options: {},
    run: runsCommand,
  },
  run: {
    summary: 'start a run of PIPELINE now (a new PipelineRun)',
    args: 'PIPELINE',
    help: usage(
      'run',
      'PIPELINE [--partitions FROM..TO] [--steps a,b] [flags]',
      `Creates a PipelineRun of PIPELINE and prints its name.
      --partitions FROM..TO  business dates to process (YYYY-MM-DD..YYYY-MM-DD): a backfill; needs an operator
                             whose PipelineRun CRD has spec.partitions
      --steps a,b            run only these steps (bronze, silver, gold, warehouse, search)`,
    ),
    options: { partitions: { type: 'string' }, steps },
    run: runCommand,
  },
  backfill: {
    summary: "run PIPELINE over a business-date range (--from D --to D), or retry a backfill's failed dates",
    args: '[PIPELINE]',
    help: usage(
      'backfill',
      'PIPELINE --from YYYY-MM-DD --to YYYY-MM-DD [--steps a,b] [flags]\n       kubectl medallion backfill --retry RUN [flags]',
      `Creates a PipelineRun of PIPELINE for the partitions (business dates) from..to, both included; the same as
run PIPELINE --partitions FROM..TO. Needs an operator whose PipelineRun CRD has spec.partitions.
Each partition succeeds or fails on its own; the run's status lists both (kubectl medallion runs).
      --retry RUN   a new PipelineRun of RUN's pipeline and steps for only the partitions RUN failed
                    (spec.partitions.only, annotation medallion.dev/retry-of); all of RUN's dates when it
                    failed without an outcome per partition (docs/backfills.md)`,
    ),
    options: { from: { type: 'string' }, to: { type: 'string' }, retry: { type: 'string' }, steps },
    run: backfillCommand,
  },
  cancel: {
    summary: 'cancel a run that has not finished (its Jobs are stopped)',
    args: 'RUN',
    help: usage(
      'cancel',
      'RUN [flags]',
      `Sets spec.cancelled on the PipelineRun RUN; the operator deletes its active Jobs and marks it Cancelled.
A finished run cannot be cancelled (error CONFLICT).`,
    ),
    options: {},
    run: cancelCommand,
  },
  logs: {
    summary: "print the log of a run's step Pod",
    args: 'RUN',
    help: usage(
      'logs',
      'RUN [--step STEP] [--tail N] [flags]',
      `Prints the log of the step's Pod (its latest attempt) through the apiserver's pods/log endpoint, like kubectl
logs. Without --step: the step running now, else the last one that started.
      --step STEP                          bronze, silver, gold, warehouse or search
      --tail N                             only the last N lines
      --insecure-skip-tls-verify-backend   as kubectl logs: do not verify the kubelet's serving certificate`,
    ),
    options: {
      step: { type: 'string' },
      tail: { type: 'string' },
      'insecure-skip-tls-verify-backend': { type: 'boolean' },
    },
    run: logsCommand,
  },
};

export function pluginHelp(): string {
  const list = Object.entries(PLUGIN_COMMANDS).map(
    ([name, c]) => `  ${`${name} ${c.args}`.padEnd(20)} ${c.summary}`,
  );
  return `kubectl medallion: see and steer Medallion pipelines and runs in a cluster.

Usage: kubectl medallion COMMAND [ARGS] [flags]

Commands:
${list.join('\n')}

${GLOBAL_HELP}

Run kubectl medallion COMMAND --help for a command's flags.`;
}
