import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { runBronzeStep } from '../bronze/bronze-step.js';
import { createSqlEngine } from '../engine/sql-engine.js';
import { isMedallionError, UsageError } from '../errors.js';
import type { GoldMeta } from '../gold/gold-step.js';
import { runGoldStep } from '../gold/gold-step.js';
import { loadConfig, type ObjectStoreEnv } from '../config.js';
import { createLakeStore, writeFileAtomic, type LakeStore } from '../lake/lake-store.js';
import { isS3Uri, openStorage } from '../storage/open-storage.js';
import { buildRunEvent, createFileLineageEmitter, type LineageEmitter } from '../lineage/openlineage.js';
import type { Logger } from '../logger.js';
import type { SilverMeta } from '../silver/silver-step.js';
import { runSilverStep } from '../silver/silver-step.js';
import { STEP_NAMES, type StepName } from '../spec/pipeline-spec.js';
import type { LoadedSpec } from '../spec/load-spec.js';
import type { ProgressReporter } from './progress.js';
import { newRunId } from './run-id.js';
import {
  runStatus,
  stepSummary,
  summariseEnrichment,
  summariseKpis,
  type RunSummary,
} from './run-summary.js';
import type { StepContext, StepResult } from './step-types.js';

export type StepRunner = (ctx: StepContext) => Promise<StepResult>;

const BUILT_IN: Partial<Record<StepName, StepRunner>> = {
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
  extraSteps?: Partial<Record<StepName, StepRunner>>;
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
  /** Local scratch of an object-storage lake (MEDALLION_WORK_DIR); a per-lake temp directory when absent. */
  workDir?: string | undefined;
}

/** Runs the requested steps in order. A failed step stops the run; the summary is written either way. */
export async function runPipeline(o: RunOptions): Promise<RunSummary> {
  const now = o.now ?? (() => new Date());
  const { pipeline, baseDir } = o.loaded;
  const spec = pipeline.spec;
  const steps = o.steps ?? spec.steps;
  const runners = { ...BUILT_IN, ...o.extraSteps };
  for (const s of steps) {
    if (!STEP_NAMES.includes(s))
      throw new UsageError(`unknown step "${s}"`, `Steps are: ${STEP_NAMES.join(', ')}.`);
    if (!runners[s])
      throw new UsageError(
        `step "${s}" is not available in this build`,
        `Available steps: ${STEP_NAMES.filter((n) => runners[n]).join(', ')}.`,
      );
  }
  const startedAt = now();
  const runId = newRunId(startedAt);
  const lakeUri = o.lakeDir ?? spec.lake.uri;
  const lakeRoot = isS3Uri(lakeUri)
    ? lakeUri
    : o.lakeDir
      ? path.resolve(o.lakeDir)
      : path.resolve(baseDir, lakeUri);
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
  const storage = openStorage(lakeRoot, { baseDir, spec: spec.lake.s3, env: objectStore, logger });
  const lake = createLakeStore({
    root: lakeRoot,
    dataset: spec.source.dataset,
    storage,
    workDir:
      o.workDir ??
      path.join(
        os.tmpdir(),
        `medallion-lake-${crypto.createHash('sha256').update(lakeRoot).digest('hex').slice(0, 12)}`,
      ),
  });
  await fs.mkdir(lake.tempDir(), { recursive: true });
  const engine = await createSqlEngine({
    memoryLimit: spec.engine.memoryLimit,
    threads: spec.engine.threads ?? o.cpus,
    tempDir: lake.tempDir(),
    logger,
  });
  const lineage = o.lineage ?? createFileLineageEmitter(lake.lineageDir(runId));
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
  };
  const results: [string, StepResult][] = [];
  let error: RunSummary['error'];
  try {
    for (const step of steps) {
      o.progress.step(step, 'started');
      const base = { runId, pipeline: pipeline.metadata.name, step, inputs: [], outputs: [] };
      await lineage.emit(buildRunEvent({ ...base, type: 'START', time: now() }));
      let r: StepResult;
      try {
        r = await runners[step]!({ ...ctx, logger: logger.child({ step }) });
      } catch (e) {
        if (!isMedallionError(e)) throw e;
        error = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
        r = {
          status: 'Failed',
          rowsIn: 0,
          rowsOut: 0,
          durationMs: 0,
          note: e.message,
          inputs: [],
          outputs: [],
          details: {},
        };
      }
      results.push([step, r]);
      const quality = r.details.counts ? qualityMetrics(r) : undefined;
      await lineage.emit(
        buildRunEvent({
          ...base,
          type: r.status === 'Failed' ? 'FAIL' : 'COMPLETE',
          time: now(),
          inputs: r.inputs,
          outputs: r.outputs,
          ...(quality ? { quality } : {}),
          ...(r.status === 'Failed' ? { error: r.note ?? 'failed' } : {}),
        }),
      );
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
  } finally {
    engine.close();
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
  });
  const json = JSON.stringify(summary, null, 2) + '\n';
  await lake.syncLineage(runId);
  await lake.writeRunRecord(runId, json);
  if (o.summaryJson) await writeFileAtomic(path.resolve(o.summaryJson), json);
  return summary;
}

function qualityMetrics(r: StepResult): Record<string, unknown> {
  const c = r.details.counts as { bronzeRows: number; duplicates: number };
  return { rowCount: c.bronzeRows, columnMetrics: {}, duplicates: c.duplicates };
}

async function summarise(a: {
  runId: string;
  pipeline: string;
  startedAt: Date;
  finishedAt: Date;
  results: [string, StepResult][];
  steps: string[];
  lake: LakeStore;
  error: RunSummary['error'];
}): Promise<RunSummary> {
  const done = new Map(a.results);
  const steps: RunSummary['steps'] = {};
  for (const s of a.steps) {
    const r = done.get(s);
    steps[s] = r
      ? stepSummary(s, r)
      : { status: 'Skipped', rowsIn: 0, rowsOut: 0, durationMs: 0, note: 'not run: an earlier step failed' };
  }
  // Quality and KPIs describe what is published now, even when this run had nothing new to do.
  const silverDetails = done.get('silver')?.details;
  const silverQuality = silverDetails?.quality as SilverMeta['quality'] | undefined;
  const silver = await a.lake.head<SilverMeta>('silver');
  const gold = await a.lake.head<GoldMeta>('gold');
  const goldKpis = done.get('gold')?.details.kpis as GoldMeta['kpis'] | undefined;
  const inputs = a.results.flatMap(([, r]) => r.inputs);
  const outputs = a.results.flatMap(([, r]) => r.outputs);
  return {
    runId: a.runId,
    pipeline: a.pipeline,
    status: runStatus(a.results.map(([, r]) => r)),
    startedAt: a.startedAt.toISOString(),
    finishedAt: a.finishedAt.toISOString(),
    steps,
    quality: silverQuality ?? silver?.meta.quality ?? null,
    kpis: summariseKpis(goldKpis ?? gold?.meta.kpis),
    enrichment: summariseEnrichment(
      silverDetails && 'enrichment' in silverDetails
        ? (silverDetails.enrichment as SilverMeta['enrichment'])
        : silver?.meta.enrichment,
      goldKpis ?? gold?.meta.kpis,
    ),
    lineage: { inputs, outputs },
    lake: a.lake.root,
    ...(a.error ? { error: a.error } : {}),
  };
}
