import type { CheckResult } from '../quality/check-result.js';
import type { DatasetRef } from '../run/step-types.js';
import { lineageRunUuid, LINEAGE_PRODUCER, LINEAGE_SCHEMA_URL, facetUrl } from './openlineage.js';

/**
 * The user-declared checks of a step as OpenLineage data-quality assertions. The spec defines
 * `dataQualityAssertions` as an input dataset facet (a test reads the dataset it asserts on), so the checks are their
 * own job, `<pipeline>.<step>.checks`, a child of the step's run, whose inputs are the checked tables: the same shape
 * a validation tool's integration emits. Checks without a verdict yet (an anomaly check's first runs) are left out.
 */
export function buildChecksEvent(e: {
  time: Date;
  runId: string;
  pipeline: string;
  step: string;
  checks: readonly CheckResult[];
  /** The step's datasets: the checked tables take their namespace (the lake's). */
  datasets: readonly DatasetRef[];
}): Record<string, unknown> | undefined {
  const judged = e.checks.filter((c) => c.status !== 'insufficientHistory');
  if (judged.length === 0) return undefined;
  const namespace = e.datasets[0]?.namespace ?? 'medallion';
  const byTable = new Map<string, CheckResult[]>();
  for (const c of judged) {
    const name = `${c.layer}/${c.table}`;
    byTable.set(name, [...(byTable.get(name) ?? []), c]);
  }
  const inputs = [...byTable].map(([name, checks]) => ({
    namespace: e.datasets.find((d) => d.name === name)?.namespace ?? namespace,
    name,
    facets: {},
    inputFacets: {
      dataQualityAssertions: {
        _producer: LINEAGE_PRODUCER,
        _schemaURL: facetUrl('DataQualityAssertionsDatasetFacet'),
        assertions: checks.map((c) => ({ assertion: c.name, success: c.status === 'passed' })),
      },
    },
  }));
  return {
    eventType: 'COMPLETE',
    eventTime: e.time.toISOString(),
    producer: LINEAGE_PRODUCER,
    schemaURL: LINEAGE_SCHEMA_URL,
    run: {
      runId: lineageRunUuid(e.runId, e.step, 'checks'),
      facets: {
        parent: {
          _producer: LINEAGE_PRODUCER,
          _schemaURL: facetUrl('ParentRunFacet'),
          run: { runId: lineageRunUuid(e.runId, e.step) },
          job: { namespace: 'medallion', name: `${e.pipeline}.${e.step}` },
        },
      },
    },
    job: { namespace: 'medallion', name: `${e.pipeline}.${e.step}.checks` },
    inputs,
    outputs: [],
  };
}
