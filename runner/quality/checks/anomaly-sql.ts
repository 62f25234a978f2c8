import { quoteIdent } from '../../engine/sql-quote.js';
import type { QualityCheck } from '../../spec/quality-checks-spec.js';
import { filteredSql } from './check-sql.js';

/** Aggregate of one metric over the rows of a relation (named `t`), pure. */
function aggregate(c: QualityCheck): string {
  switch (c.metric) {
    case 'rowCount':
      return 'count(*)';
    case 'revenue':
      return `coalesce(sum(t.line_amount) FILTER (WHERE t.line_type = 'sale'), 0)`;
    case 'sum':
      return `coalesce(sum(t.${quoteIdent(c.column!)}), 0)`;
    case 'distinctCount':
      return `count(DISTINCT t.${quoteIdent(c.column!)})`;
    default:
      throw new Error(`no aggregate for metric ${c.metric}`);
  }
}

/**
 * The metric per partition (`byPartition`, over views carrying `_partition`) or over the whole relation, as rows
 * (k, v). quarantineRatio is quarantined rows / (sales lines + quarantined rows) and ignores the filter.
 */
export function anomalyMetricSql(
  c: QualityCheck,
  rel: { lines: string; quarantine: string; table: string },
  byPartition: boolean,
): string {
  const key = byPartition ? 't._partition' : `'table'`;
  if (c.metric === 'quarantineRatio') {
    return `WITH q AS (SELECT ${key} AS k, count(*) AS n FROM ${rel.quarantine} t GROUP BY 1),
      l AS (SELECT ${key} AS k, count(*) AS n FROM ${rel.lines} t GROUP BY 1)
      SELECT coalesce(q.k, l.k) AS k, coalesce(q.n, 0) / (coalesce(q.n, 0) + coalesce(l.n, 0)) AS v
      FROM q FULL JOIN l ON q.k = l.k`;
  }
  return `SELECT ${key} AS k, CAST(${aggregate(c)} AS DOUBLE) AS v FROM (${filteredSql(c, rel.table)}) t GROUP BY 1`;
}
