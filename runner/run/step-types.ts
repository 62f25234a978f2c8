import type { Registry } from 'prom-client';
import type { ObjectStoreEnv } from '../config.js';
import type { Logger } from '../logger.js';
import type { LakeStore } from '../lake/lake-store.js';
import type { TouchedPartitions } from '../lake/partitions.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { SqlDialect } from '../engine/sql-dialect.js';
import type { GoldKpis } from '../gold/gold-step.js';
import type { QualityReport, SilverCounts } from '../quality/assess-quality.js';
import type { CheckResult } from '../quality/check-result.js';
import type { SilverEnrichment } from '../silver/enrich-silver.js';
import type { PipelineSpec, StepName } from '../spec/pipeline-spec.js';
import type { BackfillSelection, PartitionOutcomes } from './partition-outcomes.js';
import type { ProgressReporter } from './progress.js';

export type StepStatus = 'Succeeded' | 'Degraded' | 'Failed' | 'Skipped';

export interface DatasetRef {
  namespace: string;
  name: string;
  /** Column names and types, for the OpenLineage schema facet. */
  fields?: { name: string; type: string }[];
  rowCount?: number;
}

export interface StepResult<D extends object = object> {
  status: StepStatus;
  rowsIn: number;
  rowsOut: number;
  durationMs: number;
  /** Human sentence for the summary table, e.g. "up to date" or the failure reason. */
  note?: string;
  inputs: DatasetRef[];
  outputs: DatasetRef[];
  /** What the step reports beyond the counts; every field is optional because a failed step reports `{}`. */
  details: D;
}

export interface BronzeDetails {
  files?: { file: string; size: number; sha256: string; rows: number; malformed: number }[];
  reingested?: string[];
  skippedFiles?: number;
  malformedRows?: number;
  manifestVersion?: number;
}

export interface SilverDetails {
  duplicatesRemoved?: number;
  quarantined?: number;
  quarantineByRule?: Record<string, number>;
  lineTypes?: Record<string, number>;
  quality?: QualityReport;
  counts?: SilverCounts;
  upToDate?: boolean;
  /** A concurrent run published a newer version first; this run's version was discarded. */
  superseded?: boolean;
  version?: string;
  dir?: string;
  enrichment?: SilverEnrichment | null;
  /** The business-date partitions this run recomputed (runner/lake/partitions.ts). */
  partitions?: TouchedPartitions;
  /** Results of the user-declared checks on silver tables (spec.quality.checks). */
  checks?: CheckResult[];
  /** A backfill's outcome per requested partition (runner/run/partition-outcomes.ts). */
  partitionOutcomes?: PartitionOutcomes;
}

export interface GoldDetails {
  upToDate?: boolean;
  /** A concurrent run published a newer version first; this run's version was discarded. */
  superseded?: boolean;
  version?: string;
  kpis?: GoldKpis;
  partitions?: TouchedPartitions;
  /** Results of the user-declared checks on gold tables (spec.quality.checks). */
  checks?: CheckResult[];
}

/** The warehouse and search steps report what they touched; only people and logs read it. */
export interface WarehouseDetails {
  schema?: string;
  target?: string | undefined;
  psql?: string | undefined;
  migrations?: unknown;
  load?: unknown;
  error?: { code: string; message: string; cause?: string } | undefined;
  partitions?: TouchedPartitions;
}

export interface SearchDetails {
  engine?: string;
  documents?: number;
  indexed?: number;
  where?: string;
  error?: { code: string; message: string; cause?: string | undefined };
  [more: string]: unknown;
}

export interface StepDetails {
  bronze: BronzeDetails;
  silver: SilverDetails;
  gold: GoldDetails;
  warehouse: WarehouseDetails;
  search: SearchDetails;
}

export type StepRunner<S extends StepName = StepName> = (
  ctx: StepContext,
) => Promise<StepResult<StepDetails[S]>>;

/** One step's result with its name, so the name tells the type of the details. */
export type StepOutcome = { [S in StepName]: { step: S; result: StepResult<StepDetails[S]> } }[StepName];

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
  /**
   * The engine of the silver step's heavy statements when spec.engine.type is spark (one session per run, started
   * by runPipeline); absent for duckdb, where everything runs on `engine`.
   */
  compute?: { engine: SqlEngine; dialect: SqlDialect };
  /** Bound to runId, pipeline and step by runPipeline; steps add only `component` (pino repeats re-bound keys). */
  logger: Logger;
  progress: ProgressReporter;
  enrichment: EnrichmentContext;
  /** AWS_ENDPOINT_URL(_S3) and AWS_REGION from the config module, for s3:// sources and lakes. */
  objectStore: ObjectStoreEnv;
  /** `medallion run --full-refresh`: rebuild every partition from bronze instead of only the ones new data touches. */
  fullRefresh: boolean;
  /** `medallion run --partitions`: recompute only these business dates from the bronze already ingested. */
  backfill?: BackfillSelection;
  /** `medallion run --files`: bronze ingests only these source files (names relative to the source). */
  onlyFiles?: readonly string[];
}

/** What the silver step needs to ask the enrichment providers; the values come from the config module and the CLI. */
interface EnrichmentContext {
  /** Absolute response cache directory: spec.enrichment.cacheDir, or <lake>/_cache/enrichment. */
  cacheDir: string;
  /** The process's one metrics registry. */
  registry: Registry;
  /** MEDALLION_FX_URL and MEDALLION_COUNTRIES_URL: override the spec's base URLs when set. */
  fxUrl?: string | undefined;
  countriesUrl?: string | undefined;
}
