import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TouchedPartitions } from '../lake/partitions.js';
import type { DatasetRef } from '../run/step-types.js';

/** OpenLineage run events (spec 2-0-2), written to the lake; an HTTP transport can implement the same port. */
const PRODUCER = 'https://github.com/medallion-dev/medallion';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export { PRODUCER as LINEAGE_PRODUCER, SCHEMA_URL as LINEAGE_SCHEMA_URL };
export const facetUrl = (name: string): string => `https://openlineage.io/spec/facets/1-0-1/${name}.json`;
/** Medallion's own facets are documented in docs/run-summary.md ("Partitions touched by a run"). */
const PARTITIONS_FACET_URL = `${PRODUCER}/blob/main/docs/run-summary.md#partitions-touched-by-a-run`;

type LineageEventType = 'START' | 'COMPLETE' | 'FAIL';

export interface LineageEmitter {
  emit(event: Record<string, unknown>): Promise<void>;
}

/** Deterministic UUID (RFC 4122 layout, name-based) so that events of one run and step always agree. */
export function lineageRunUuid(...parts: string[]): string {
  const h = crypto.createHash('sha256').update(parts.join('/')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function dataset(
  ref: DatasetRef,
  kind: 'input' | 'output',
  quality?: Record<string, unknown>,
): Record<string, unknown> {
  const facets: Record<string, unknown> = {};
  if (ref.fields) {
    facets.schema = { _producer: PRODUCER, _schemaURL: facetUrl('SchemaDatasetFacet'), fields: ref.fields };
  }
  const out: Record<string, unknown> = { namespace: ref.namespace, name: ref.name, facets };
  if (kind === 'output' && ref.rowCount !== undefined) {
    out.outputFacets = {
      outputStatistics: {
        _producer: PRODUCER,
        _schemaURL: facetUrl('OutputStatisticsOutputDatasetFacet'),
        rowCount: ref.rowCount,
      },
    };
  }
  if (kind === 'input' && quality) {
    out.inputFacets = {
      dataQualityMetrics: {
        _producer: PRODUCER,
        _schemaURL: facetUrl('DataQualityMetricsInputDatasetFacet'),
        ...quality,
      },
    };
  }
  return out;
}

export function buildRunEvent(e: {
  type: LineageEventType;
  time: Date;
  runId: string;
  pipeline: string;
  step: string;
  inputs: DatasetRef[];
  outputs: DatasetRef[];
  quality?: Record<string, unknown>;
  error?: string;
  /** The business-date partitions the step recomputed (silver, gold, warehouse). */
  partitions?: TouchedPartitions;
}): Record<string, unknown> {
  const runFacets: Record<string, unknown> = {
    parent: {
      _producer: PRODUCER,
      _schemaURL: facetUrl('ParentRunFacet'),
      run: { runId: lineageRunUuid(e.runId) },
      job: { namespace: 'medallion', name: e.pipeline },
    },
  };
  if (e.error) {
    runFacets.errorMessage = {
      _producer: PRODUCER,
      _schemaURL: facetUrl('ErrorMessageRunFacet'),
      message: e.error,
      programmingLanguage: 'TypeScript',
    };
  }
  if (e.partitions) {
    runFacets.medallion_partitions = {
      _producer: PRODUCER,
      _schemaURL: PARTITIONS_FACET_URL,
      full: e.partitions.full,
      count: e.partitions.keys.length,
      keys: e.partitions.keys,
    };
  }
  return {
    eventType: e.type,
    eventTime: e.time.toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: { runId: lineageRunUuid(e.runId, e.step), facets: runFacets },
    job: { namespace: 'medallion', name: `${e.pipeline}.${e.step}` },
    inputs: e.inputs.map((r) => dataset(r, 'input', e.quality)),
    outputs: e.outputs.map((r) => dataset(r, 'output')),
  };
}

/** Writes each event as its own JSON file, numbered in emission order. */
export function createFileLineageEmitter(dir: string): LineageEmitter {
  let seq = 0;
  return {
    async emit(event) {
      seq += 1;
      await fs.mkdir(dir, { recursive: true });
      const job = String((event.job as { name: string }).name)
        .split('.')
        .pop();
      const file = path.join(dir, `${String(seq).padStart(3, '0')}-${job}-${String(event.eventType)}.json`);
      await fs.writeFile(file, JSON.stringify(event, null, 2) + '\n');
    },
  };
}
