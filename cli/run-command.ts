import fs from 'node:fs/promises';
import { Registry } from 'prom-client';
import { recordRun } from '../runner/history/record-run.js';
import { UsageError } from '../runner/errors.js';
import { parseDateSet } from '../runner/lake/date-set.js';
import { createProgressReporter } from '../runner/run/progress.js';
import { runPipeline } from '../runner/run/run-pipeline.js';
import { formatSummaryTable } from '../runner/run/run-summary.js';
import { buildTerminationMessage } from '../runner/run/termination-message.js';
import { createSearchStepRunner } from '../runner/search/search-step.js';
import { createWarehouseStepRunner } from '../runner/warehouse/index.js';
import { loadSpec } from '../runner/spec/load-spec.js';
import type { StepName } from '../runner/spec/pipeline-spec.js';
import { EXIT, noteIgnoredFields } from './cli-io.js';
import type { CommandContext, OptionValues } from './command.js';

export async function runCommand(
  args: OptionValues,
  deps: Pick<CommandContext, 'io' | 'config' | 'logger'> & { registry?: Registry },
): Promise<number> {
  const { io, config, logger } = deps;
  if (typeof args.file !== 'string')
    throw new UsageError('missing -f FILE', 'Usage: medallion run -f pipeline.yaml');
  const loaded = await loadSpec(args.file);
  noteIgnoredFields(io, loaded);
  const steps =
    typeof args.steps === 'string'
      ? (args.steps
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean) as StepName[])
      : undefined;
  const files = typeof args.files === 'string' ? await parseFilesOption(args.files) : undefined;
  const quiet = args.quiet === true;
  // One metrics registry per process, shared by everything this command runs.
  const registry = deps.registry ?? new Registry();
  const progress = createProgressReporter({
    format: config.logFormat,
    logger,
    write: quiet ? () => undefined : io.err,
  });
  const summary = await runPipeline({
    loaded,
    ...(steps ? { steps } : {}),
    ...(typeof args['source-uri'] === 'string' ? { sourceUri: args['source-uri'] } : {}),
    ...(typeof args.lake === 'string' ? { lakeDir: args.lake } : {}),
    ...(typeof args['summary-json'] === 'string' ? { summaryJson: args['summary-json'] } : {}),
    fullRefresh: args['full-refresh'] === true,
    ...(files ? { files } : {}),
    ...(typeof args.partitions === 'string'
      ? { partitions: parseDateSet(args.partitions), failPartitions: config.testFailPartitions }
      : {}),
    logger,
    progress,
    cpus: config.cpus,
    registry,
    fxUrl: config.fxUrl,
    countriesUrl: config.countriesUrl,
    objectStore: config.objectStore,
    workDir: config.workDir,
    sparkHome: config.sparkHome,
    sparkEndpoint: config.sparkEndpoint,
    // The warehouse resolves its connection from the spec: a URL, or an env var it names (DATABASE_URL).
    extraSteps: {
      warehouse: createWarehouseStepRunner({ env: io.env, registry }),
      search: createSearchStepRunner({ env: io.env, registry }),
    },
  });
  // In a Kubernetes Job the operator reads the step's result from the pod's termination message.
  if (typeof args['termination-log'] === 'string') {
    await fs.writeFile(args['termination-log'], buildTerminationMessage(summary));
  }
  // The read API lists runs from the warehouse's run_history; recording never changes the run's outcome.
  const history = await recordRun({
    summary,
    warehouse: loaded.pipeline.spec.warehouse,
    env: io.env,
    baseDir: loaded.baseDir,
    logger,
  });
  if (!history.recorded && 'error' in history && history.reason === 'recording failed') {
    io.err(`warning: the run was not recorded in run_history: ${(history.error as Error).message}`);
  }
  io.out(formatSummaryTable(summary));
  if (summary.error) {
    io.err(`error [${summary.error.code}]: ${summary.error.message}`);
    if (summary.error.hint) io.err(`hint: ${summary.error.hint}`);
  }
  // In a Job, failed backfill partitions are reported, not exited with: a failed Job would make the operator retry
  // the whole step, and the partitions that succeeded are published already (`backfill --retry` redoes the rest).
  const onlyPartitionsFailed =
    summary.backfill !== undefined && Object.values(summary.steps).every((s) => s.status !== 'Failed');
  if (typeof args['termination-log'] === 'string' && onlyPartitionsFailed) return EXIT.ok;
  return summary.status === 'Failed' ? EXIT.failed : EXIT.ok;
}

/**
 * `--files a.csv,b.csv`, or `--files @PATH` with one name a line: the operator passes a long claim as a file so that
 * no list outgrows the kernel's limit on one argument.
 */
async function parseFilesOption(value: string): Promise<string[]> {
  const list = value.startsWith('@')
    ? (
        await fs.readFile(value.slice(1), 'utf8').catch((e: unknown) => {
          throw new UsageError(
            `--files ${value}: cannot read the list (${(e as Error).message})`,
            'Give --files a comma list of source file names, or @PATH of a file with one name a line.',
          );
        })
      )
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
    : value.split(',').map((s) => s.trim());
  // A list file carries names verbatim (the operator uses it for names a comma list cannot carry).
  const names = list.filter((s) => s !== '');
  if (names.length === 0)
    throw new UsageError(
      '--files names no file',
      'Example: medallion run -f pipeline.yaml --files a.csv,b.csv',
    );
  return names;
}
