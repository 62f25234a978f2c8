import fs from 'node:fs/promises';
import path from 'node:path';
import { Registry } from 'prom-client';
import { runBronzeStep } from '../bronze/bronze-step.js';
import { createSqlEngine, type SqlEngine } from '../engine/sql-engine.js';
import { createSparkEngine, sparkConf } from '../engine/spark/create-spark-engine.js';
import { sparkDialect } from '../engine/sql-dialect.js';
import { isMedallionError, toMedallionError, UsageError } from '../errors.js';
import type { GoldMeta } from '../gold/gold-step.js';
import { runGoldStep } from '../gold/gold-step.js';
import { loadConfig, type ObjectStoreEnv } from '../config.js';
import { writeFileAtomic, type LakeStore } from '../lake/lake-store.js';
import { openLake } from '../lake/open-lake.js';
import type { TouchedPartitions } from '../lake/partitions.js';
import { buildChecksEvent } from '../lineage/check-assertions.js';
import { buildRunEvent, createFileLineageEmitter, type LineageEmitter } from '../lineage/openlineage.js';
import type { Logger } from '../logger.js';
import type { CheckResult } from '../quality/check-result.js';
import type { SilverMeta } from '../silver/silver-step.js';
import { runSilverStep } from '../silver/silver-step.js';
import { STEP_NAMES, type StepName } from '../spec/pipeline-spec.js';
import type { LoadedSpec } from '../spec/load-spec.js';
import type { ProgressReporter } from './progress.js';
import { collectAfterRun } from './lake-housekeeping.js';
import { backfillOutcome } from './partition-outcomes.js';
import { newRunId } from './run-id.js';
import {
  runStatus,
  stepSummary,
  summariseEnrichment,
  summariseKpis,
  type RunSummary,
} from './run-summary.js';
import type { StepContext, StepDetails, StepOutcome, StepResult, StepRunner } from './step-types.js';

export type { StepRunner } from './step-types.js';

type StepRunners = { [S in StepName]?: StepRunner<S> };

const BUILT_IN: StepRunners = {
  bronze: runBronzeStep,
  silver: runSilverStep,
  gold: runGoldStep,
};

export interface RunOptions {
  loaded: LoadedSpec;
  steps?: StepName[];
  /** Overrides, resolved against the current directory like any command-line path. */
  sourceUri?: string;
  lakeDir?: string;
  summaryJson?: string;
  logger: Logger;
  progress: ProgressReporter;
  /** Steps contributed by other modules (warehouse, search) are injected, keeping this module free of them. */
  extraSteps?: StepRunners;
  lineage?: LineageEmitter;
  now?: () => Date;
  cpus?: number;
  /** The process's metrics registry (the CLI creates one); a fresh one when absent. */
  registry?: Registry;
  /** Provider base URL overrides from the config module (MEDALLION_FX_URL, MEDALLION_COUNTRIES_URL). */
  fxUrl?: string | undefined;
  countriesUrl?: string | undefined;
  /** AWS_ENDPOINT_URL(_S3) / AWS_REGION from the config module; read from it when absent. */
  objectStore?: ObjectStoreEnv;
  /** Rebuild every partition from bronze (`--full-refresh`). */
  fullRefresh?: boolean;
  /** Local scratch of an object-storage lake (MEDALLION_WORK_DIR); a per-lake temp directory when absent. */
  workDir?: string | undefined;
  /** `--partitions`: a backfill of these business dates (docs/backfills.md). */
  partitions?: string[];
  /** TEST ONLY: partitions a backfill fails on purpose (the config module's MEDALLION_TEST_FAIL_PARTITIONS). */
  failPartitions?: readonly string[];
  /** `--files`: bronze ingests only these source files, named relative to the source (a triggered run's claim). */
  files?: readonly string[];
  /** MEDALLION_SPARK_HOME / SPARK_HOME from the config module, for engine.type spark; read from it when absent. */
  sparkHome?: string | undefined;
  /** MEDALLION_SPARK_ENDPOINT: connect to this running driver instead of starting Spark. */
  sparkEndpoint?: string | undefined;
}

/** Runs the requested steps in order. A failed step stops the run; the summary is written either way. */
export async function runPipeline(o: RunOptions): Promise<RunSummary> {
  const now = o.now ?? (() => new Date());
  const { pipeline, baseDir } = o.loaded;
  const spec = pipeline.spec;
  const steps = o.steps ?? spec.steps;
  const runners: StepRunners = { ...BUILT_IN, ...o.extraSteps };
  for (const s of steps) {
    if (!STEP_NAMES.includes(s))
      throw new UsageError(`unknown step "${s}"`, `Steps are: ${STEP_NAMES.join(', ')}.`);
    if (!runners[s])
      throw new UsageError(
        `step "${s}" is not available in this build`,
        `Available steps: ${STEP_NAMES.filter((n) => runners[n]).join(', ')}.`,
      );
  }
  if (o.partitions && o.fullRefresh)
    throw new UsageError(
      '--partitions and --full-refresh exclude each other',
      'A backfill recomputes only the partitions it names.',
    );
  const startedAt = now();
  const runId = newRunId(startedAt);
  // A command-line source is relative to the current directory; make it absolute so every other relative path
  // (lake, warehouse data, caches) still resolves against the spec file's directory.
  const sourceUri =
    o.sourceUri === undefined
      ? spec.source.uri
      : /^[a-z][a-z0-9+.-]*:\/\//i.test(o.sourceUri)
        ? o.sourceUri
        : path.resolve(o.sourceUri);
  const objectStore = o.objectStore ?? loadConfig().objectStore;
  const logger = o.logger.child({ runId, pipeline: pipeline.metadata.name });
  const lake = openLake(o.loaded, { lakeUri: o.lakeDir, objectStore, workDir: o.workDir, logger });
  const lineage = o.lineage ?? createFileLineageEmitter(lake.lineageDir(runId));
  const results: StepOutcome[] = [];
  let error: RunSummary['error'];
  let current: StepName | undefined;
  let engine: SqlEngine | undefined;
  let spark: SqlEngine | undefined;
  try {
    await fs.mkdir(lake.tempDir(), { recursive: true });
    engine = await createSqlEngine({
      memoryLimit: spec.engine.memoryLimit,
      threads: spec.engine.threads ?? o.cpus,
      tempDir: lake.tempDir(),
      logger,
    });
    // One Spark session per run (its start costs seconds), started when the first step that uses it begins, so a
    // missing Spark fails that step and the steps before it do not wait for the session.
    const compute = async (step: StepName): Promise<Pick<StepContext, 'compute'>> => {
      if (spec.engine.type !== 'spark' || !SPARK_STEPS.has(step)) return {};
      if (!spark) {
        o.progress.step(step, `starting Spark (${spec.engine.spark.master})`);
        spark = await createSparkEngine({
          sparkHome: o.sparkHome ?? loadConfig().sparkHome,
          endpoint: o.sparkEndpoint ?? loadConfig().sparkEndpoint,
          master: spec.engine.spark.master,
          conf: sparkConf(spec.engine.spark),
          tempDir: lake.tempDir(),
          logger,
        });
      }
      return { compute: { engine: spark, dialect: sparkDialect } };
    };
    const ctx: StepContext = {
      runId,
      pipelineName: pipeline.metadata.name,
      spec,
      baseDir,
      sourceUri,
      startedAt,
      lake,
      engine,
      logger,
      progress: o.progress,
      enrichment: {
        cacheDir: spec.enrichment.cacheDir
          ? path.resolve(baseDir, spec.enrichment.cacheDir)
          : path.join(lake.workDir, '_cache', 'enrichment'),
        registry: o.registry ?? new Registry(),
        fxUrl: o.fxUrl,
        countriesUrl: o.countriesUrl,
      },
      objectStore,
      fullRefresh: o.fullRefresh ?? false,
      ...(o.files ? { onlyFiles: o.files } : {}),
      ...(o.partitions ? { backfill: { dates: o.partitions, failPartitions: o.failPartitions ?? [] } } : {}),
    };
    for (const step of steps) {
      current = step;
      o.progress.step(step, 'started');
      const base = { runId, pipeline: pipeline.metadata.name, step, inputs: [], outputs: [] };
      await lineage.emit(buildRunEvent({ ...base, type: 'START', time: now() }));
      let outcome: StepOutcome;
      try {
        outcome =
          ctx.backfill && step === 'bronze'
            ? { step, result: { ...BACKFILL_BRONZE, inputs: [], outputs: [] } }
            : await runStep(runners, step, {
                ...ctx,
                ...(await compute(step)),
                logger: logger.child({ step }),
              });
      } catch (e) {
        const failure = classify(e, logger, step);
        error = failure.error;
        outcome = { step, result: failure.result } as StepOutcome;
      }
      results.push(outcome);
      const r: StepResult = outcome.result;
      const quality = outcome.step === 'silver' ? qualityMetrics(outcome.result.details) : undefined;
      await lineage.emit(
        buildRunEvent({
          ...base,
          type: r.status === 'Failed' ? 'FAIL' : 'COMPLETE',
          time: now(),
          inputs: r.inputs,
          outputs: r.outputs,
          ...(quality ? { quality } : {}),
          ...(r.status === 'Failed' ? { error: r.note ?? 'failed' } : {}),
          ...touchedPartitions(r),
        }),
      );
      const checks = 'checks' in r.details ? (r.details as { checks?: CheckResult[] }).checks : undefined;
      const assertions = checks
        ? buildChecksEvent({ ...base, time: now(), checks, datasets: [...r.outputs, ...r.inputs] })
        : undefined;
      if (assertions) await lineage.emit(assertions);
      const rate =
        r.rowsIn > 0 && r.durationMs > 0
          ? `, ${Math.round((r.rowsIn / r.durationMs) * 1000).toLocaleString('en-GB')} rows/s`
          : '';
      o.progress.step(
        step,
        `${r.status}${r.note ? ` (${r.note})` : ''}: ${r.rowsIn.toLocaleString('en-GB')} rows in, ${r.rowsOut.toLocaleString('en-GB')} out in ${(r.durationMs / 1000).toFixed(1)} s${rate}`,
      );
      if (r.status === 'Failed') break;
    }
  } catch (e) {
    // A fault around the steps (the engine, the lake, lineage) still ends the run Failed with a summary.
    const step = current ?? steps[0]!;
    const failure = classify(e, logger, step);
    error ??= failure.error;
    const last = results.at(-1);
    if (last?.step === step) last.result = { ...last.result, status: 'Failed', note: failure.result.note };
    else results.push({ step, result: failure.result } as StepOutcome);
  } finally {
    engine?.close();
    spark?.close();
  }
  const summary = await summarise({
    runId,
    pipeline: pipeline.metadata.name,
    startedAt,
    finishedAt: now(),
    results,
    steps,
    lake,
    error,
    fullRefresh: o.fullRefresh ?? false,
  });
  if (o.partitions) {
    const backfill = backfillOutcome(
      o.partitions,
      results.find((r) => r.step === 'silver'),
      steps.includes('silver'),
    );
    if (backfill) summary.backfill = backfill;
    // Published partitions stay published; the run is Failed so that alerts and `backfill --retry` see the rest.
    if (backfill?.counts.failed) summary.status = 'Failed';
  }
  // Degraded runs committed too; a failed one may have left the lake mid-change for the next run to finish.
  if (summary.status !== 'Failed')
    summary.lakeGc = await collectAfterRun(lake, {
      retain: spec.lake.retainVersions,
      graceMs: spec.lake.gcGraceHours * 3600_000,
      logger,
    });
  const json = JSON.stringify(summary, null, 2) + '\n';
  await lake.syncLineage(runId);
  await lake.writeRunRecord(runId, json);
  if (o.summaryJson) await writeFileAtomic(path.resolve(o.summaryJson), json);
  return summary;
}

/** Steps whose heavy statements run on Spark when spec.engine.type is spark (ADR 0031). */
const SPARK_STEPS: ReadonlySet<StepName> = new Set(['silver', 'gold']);

/** A backfill reads the bronze already ingested: bronze does nothing (its Job, under the operator, ends at once). */
const BACKFILL_BRONZE = {
  status: 'Succeeded',
  rowsIn: 0,
  rowsOut: 0,
  durationMs: 0,
  note: 'backfill: uses the bronze already ingested',
  details: {},
} as const;

/** Runs one step; the runner looked up by name returns that step's details, which the outcome keeps together. */
async function runStep<S extends StepName>(
  runners: StepRunners,
  step: S,
  ctx: StepContext,
): Promise<StepOutcome> {
  const result: StepResult<StepDetails[S]> = await runners[step]!(ctx);
  // Sound by construction: `step` and `result` come from the same S; TypeScript cannot correlate them in a union.
  return { step, result } as StepOutcome;
}

/** Silver, gold and the warehouse report the partitions they recomputed; lineage carries them as a run facet. */
function touchedPartitions(r: StepResult): { partitions?: TouchedPartitions } {
  const p = (r.details as { partitions?: TouchedPartitions }).partitions;
  return p ? { partitions: p } : {};
}

function qualityMetrics(d: StepDetails['silver']): Record<string, unknown> | undefined {
  const c = d.counts;
  return c ? { rowCount: c.bronzeRows, columnMetrics: {}, duplicates: c.duplicates } : undefined;
}

/**
 * A step that threw: its error becomes the run's error and the step is Failed. A MedallionError keeps its code; anything
 * else is INTERNAL (logged with its stack), so the run still writes its summary, termination message and history row.
 */
function classify(
  e: unknown,
  logger: Logger,
  step: StepName,
): { error: NonNullable<RunSummary['error']>; result: StepResult<Record<string, never>> } {
  if (!isMedallionError(e)) logger.error({ err: e, step }, 'step failed with an unexpected error');
  const m = toMedallionError(e);
  return {
    error: { code: m.code, message: m.message, ...(m.hint ? { hint: m.hint } : {}) },
    result: {
      status: 'Failed',
      rowsIn: 0,
      rowsOut: 0,
      durationMs: 0,
      note: m.message,
      inputs: [],
      outputs: [],
      details: {},
    },
  };
}

async function summarise(a: {
  runId: string;
  pipeline: string;
  startedAt: Date;
  finishedAt: Date;
  results: StepOutcome[];
  steps: StepName[];
  lake: LakeStore;
  error: RunSummary['error'];
  fullRefresh: boolean;
}): Promise<RunSummary> {
  const steps: RunSummary['steps'] = {};
  for (const s of a.steps) {
    const o = a.results.find((x) => x.step === s);
    steps[s] = o
      ? stepSummary(o)
      : { status: 'Skipped', rowsIn: 0, rowsOut: 0, durationMs: 0, note: 'not run: an earlier step failed' };
  }
  // Quality and KPIs describe what is published now, even when this run had nothing new to do.
  let silverDetails: StepDetails['silver'] | undefined;
  let goldKpis: GoldMeta['kpis'] | undefined;
  for (const o of a.results) {
    if (o.step === 'silver') silverDetails = o.result.details;
    if (o.step === 'gold') goldKpis = o.result.details.kpis;
  }
  const silver = await a.lake.head<SilverMeta>('silver');
  const gold = await a.lake.head<GoldMeta>('gold');
  const results = a.results.map((o): StepResult => o.result);
  return {
    runId: a.runId,
    pipeline: a.pipeline,
    status: runStatus(results),
    startedAt: a.startedAt.toISOString(),
    finishedAt: a.finishedAt.toISOString(),
    ...(a.fullRefresh ? { fullRefresh: true } : {}),
    steps,
    quality: silverDetails?.quality ?? silver?.meta.quality ?? null,
    kpis: summariseKpis(goldKpis ?? gold?.meta.kpis),
    enrichment: summariseEnrichment(
      silverDetails?.enrichment !== undefined ? silverDetails.enrichment : silver?.meta.enrichment,
      goldKpis ?? gold?.meta.kpis,
    ),
    lineage: { inputs: results.flatMap((r) => r.inputs), outputs: results.flatMap((r) => r.outputs) },
    lake: a.lake.root,
    ...(a.error ? { error: a.error } : {}),
  };
}
