import type { PipelineObject } from '../core/resources.js';

/**
 * The Pipeline's `spec.engine.type` and `spec.engine.spark`, read structurally: the runner's spec (runner/spec) owns
 * the schema, and a Pipeline stored before it had these fields (or an older CRD that pruned them) reads as duckdb.
 */

export interface SparkResources {
  cores?: number;
  memory?: string;
}

export interface SparkEngineSpec {
  driver?: SparkResources;
  executor?: SparkResources & { instances?: number };
  dynamicAllocation?: { enabled?: boolean; minExecutors?: number; maxExecutors?: number };
  image?: string;
  conf?: Record<string, string>;
  /** Local runs only (`local[N]`); on Kubernetes the Spark Operator submits to the cluster. */
  master?: string;
}

/** The steps whose heavy SQL runs on Spark; bronze (streaming scanner) and the rest stay Jobs. */
export const SPARK_STEPS: ReadonlySet<string> = new Set(['silver', 'gold']);

/** The spark block when the Pipeline asks for the Spark engine, else undefined (duckdb, the default). */
export function sparkEngineOf(pipeline: PipelineObject): SparkEngineSpec | undefined {
  const engine = (pipeline.spec as { engine?: { type?: unknown; spark?: unknown } }).engine;
  if (engine?.type !== 'spark') return undefined;
  return typeof engine.spark === 'object' && engine.spark !== null ? (engine.spark as SparkEngineSpec) : {};
}

export const isSparkStep = (pipeline: PipelineObject, step: string): boolean =>
  SPARK_STEPS.has(step) && sparkEngineOf(pipeline) !== undefined;

/**
 * Spark's memory strings are JVM sizes (`512m`, `2g`); Kubernetes-style quantities and the spec's DuckDB-style sizes
 * (`2Gi`, `2GiB`, `512MB`) are turned into them, anything else is passed through for Spark to judge.
 */
export function sparkMemory(size: string): string {
  const m = /^(\d+)\s*(k|m|g|t)(i|ib|b)?$/i.exec(size.trim());
  return m ? `${m[1]}${m[2]!.toLowerCase()}` : size;
}
