import type { Registry } from 'prom-client';
import type { ObjectStoreEnv } from '../config.js';
import type { Logger } from '../logger.js';
import type { LakeStore } from '../lake/lake-store.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { PipelineSpec } from '../spec/pipeline-spec.js';
import type { ProgressReporter } from './progress.js';

export type StepStatus = 'Succeeded' | 'Degraded' | 'Failed' | 'Skipped';

export interface DatasetRef {
  namespace: string;
  name: string;
  /** Column names and types, for the OpenLineage schema facet. */
  fields?: { name: string; type: string }[];
  rowCount?: number;
}

export interface StepResult {
  status: StepStatus;
  rowsIn: number;
  rowsOut: number;
  durationMs: number;
  /** Human sentence for the summary table, e.g. "up to date" or the failure reason. */
  note?: string;
  inputs: DatasetRef[];
  outputs: DatasetRef[];
  details: Record<string, unknown>;
}

export interface StepContext {
  runId: string;
  pipelineName: string;
  spec: PipelineSpec;
  /** Directory relative source and lake paths are resolved against (the spec file's directory). */
  baseDir: string;
  sourceUri: string;
  startedAt: Date;
  lake: LakeStore;
  engine: SqlEngine;
  /** Bound to runId, pipeline and step by runPipeline; steps add only `component` (pino repeats re-bound keys). */
  logger: Logger;
  progress: ProgressReporter;
  enrichment: EnrichmentContext;
  /** AWS_ENDPOINT_URL(_S3) and AWS_REGION from the config module, for s3:// sources and lakes. */
  objectStore: ObjectStoreEnv;
}

/** What the silver step needs to ask the enrichment providers; the values come from the config module and the CLI. */
export interface EnrichmentContext {
  /** Absolute response cache directory: spec.enrichment.cacheDir, or <lake>/_cache/enrichment. */
  cacheDir: string;
  /** The process's one metrics registry. */
  registry: Registry;
  /** MEDALLION_FX_URL and MEDALLION_COUNTRIES_URL: override the spec's base URLs when set. */
  fxUrl?: string | undefined;
  countriesUrl?: string | undefined;
}
