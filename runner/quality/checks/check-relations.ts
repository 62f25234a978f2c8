import { quoteIdent, quoteLiteral } from '../../engine/sql-quote.js';
import { checkTableColumns, type CheckLayer } from './check-tables.js';

/** A table as the files that hold it; `partition` is the business-date key of a silver partition file. */
export interface TableFiles {
  files: { path: string; partition?: string }[];
}

/**
 * SQL of a check view over a table's files, with `_partition` (the business-date key, or NULL for a whole table).
 * Quarantine and duplicates get the business_date of their partition, which their files do not store.
 */
export function relationSql(layer: CheckLayer, table: string, t: TableFiles): string {
  const columns = checkTableColumns(layer, table) ?? [];
  if (t.files.length === 0) {
    // No rows: typed loosely, since nothing is compared; the columns still bind.
    const cols = [...columns, '_partition'].map((c) => `NULL::VARCHAR AS ${quoteIdent(c)}`).join(', ');
    return `SELECT ${cols} WHERE false`;
  }
  const list = t.files.map((f) => quoteLiteral(f.path)).join(', ');
  const partitioned = t.files.some((f) => f.partition !== undefined);
  if (!partitioned)
    return `SELECT *, NULL::VARCHAR AS _partition FROM read_parquet([${list}], hive_partitioning = false)`;
  const map = t.files.map((f) => `(${quoteLiteral(f.path)}, ${quoteLiteral(f.partition ?? '')})`).join(', ');
  const addDate =
    layer === 'silver' && table !== 'sales_lines' ? `, TRY_CAST(m.p AS DATE) AS business_date` : '';
  return `SELECT r.* EXCLUDE (filename)${addDate}, m.p AS _partition
    FROM read_parquet([${list}], filename = true, hive_partitioning = false) r
    JOIN (VALUES ${map}) m(f, p) ON r.filename = m.f`;
}
