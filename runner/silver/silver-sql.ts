import { quoteIdent, quoteLiteral } from '../engine/sql-quote.js';
import { duckdbDialect, type SqlDialect } from '../engine/sql-dialect.js';
import type { PipelineSpec } from '../spec/pipeline-spec.js';
import { ENRICHED_COLUMNS_SQL, ENRICHED_JOINS_SQL } from './enrichment-sql.js';
import { UNKNOWN_PARTITION } from '../lake/partitions.js';
import { AMOUNT_TYPE, PRICE_TYPE } from './silver-rules.js';

/**
 * Pure SQL builders of the silver step: normalise, de-duplicate and classify bronze rows. Each function returns
 * one statement; the step runs them in order over the table `bronze_visible`. The rules are written once; a
 * dialect (DuckDB by default, or Spark) supplies the syntax that differs (runner/engine/sql-dialect.ts).
 */

const RAW = [
  ['invoice_no_raw', 'invoiceNo'],
  ['stock_code_raw', 'stockCode'],
  ['description_raw', 'description'],
  ['quantity_raw', 'quantity'],
  ['invoice_date_raw', 'invoiceDate'],
  ['unit_price_raw', 'unitPrice'],
  ['customer_id_raw', 'customerId'],
  ['country_raw', 'country'],
] as const;

const RAW_FIELDS = RAW.map(([raw]) => raw);

/** A raw text field as a value: trimmed, and NULL when empty or listed in the source's nullValues. */
function textValueSql(spec: PipelineSpec, raw: string, d: SqlDialect): string {
  const nulls = spec.source.options.nullValues;
  return nulls.length === 0
    ? `nullif(trim(${raw}), '')`
    : `CASE WHEN trim(${raw}) IN (${nulls.map((n) => d.literal(n)).join(', ')}) THEN NULL ELSE nullif(trim(${raw}), '') END`;
}

/**
 * The business-date partition of a source row (runner/lake/partitions.ts): the day of its invoice date parsed as
 * silver parses it, or UNKNOWN_PARTITION for malformed rows and dates that do not parse. A function of the raw
 * fields only, so every copy of a duplicate line falls in the same partition.
 */
export function partitionKeySql(spec: PipelineSpec, d: SqlDialect = duckdbDialect): string {
  const ts = d.tryParseTimestamp(textValueSql(spec, 'invoice_date_raw', d), spec.source.timestampFormat);
  return `CASE WHEN malformed_reason IS NULL
      THEN coalesce(${d.isoDate(`CAST(${ts} AS DATE)`)}, ${d.literal(UNKNOWN_PARTITION)})
      ELSE ${d.literal(UNKNOWN_PARTITION)} END`;
}

/**
 * Selects the mapped source columns under canonical names (a column absent from every part reads as NULL), with
 * the file checksum (which copy of a re-ingested file a row came from) and the row's partition key `pkey`.
 */
export function sourceRowsSql(
  spec: PipelineSpec,
  available: Set<string>,
  from = 'bronze_visible',
  view = 'src',
  d: SqlDialect = duckdbDialect,
): string {
  const cols = spec.source.columns;
  const mapped = RAW.map(
    ([raw, key]) => `${available.has(cols[key]) ? quoteIdent(cols[key]) : `NULL::${d.text}`} AS ${raw}`,
  );
  return `CREATE OR REPLACE TEMP VIEW ${view} AS
    SELECT *, ${partitionKeySql(spec, d)} AS pkey FROM (
    SELECT _source_file AS source_file, _source_line AS source_line, _row_hash AS row_hash, _run_id AS ingest_run_id,
           _malformed_reason AS malformed_reason, _malformed_message AS malformed_message, _raw_record AS raw_record,
           _file_sha256 AS file_sha256,
           ${mapped.join(',\n           ')}
    FROM ${from})`;
}

/**
 * Rows identical in all eight mapped fields as read are duplicates across everything ingested; the first by
 * (source file, line) is kept. Malformed rows are never duplicates. An aggregation finds the groups with more than
 * one row and the position of their first copy: unlike a window over every row it spills to disk, so it scales
 * past memory, and the groups it keeps are few.
 */
export function duplicateGroupsSql(d: SqlDialect = duckdbDialect): string {
  // A 64-bit hash of the fields first narrows the search to candidate rows cheaply (a fixed-size key aggregates
  // and spills well); grouping the candidates by the fields themselves keeps the result exact despite collisions.
  const h = d.hash64(RAW_FIELDS);
  return `${d.materialize('dup_groups')}
    WITH candidates AS (
      SELECT ${h} AS h FROM src WHERE malformed_reason IS NULL GROUP BY 1 HAVING count(*) > 1)
    SELECT ${RAW_FIELDS.join(', ')}, ${d.minStruct('source_file', 'source_line')} AS kept, true AS is_record
    FROM src WHERE malformed_reason IS NULL AND ${h} IN (SELECT h FROM candidates)
    GROUP BY ALL HAVING count(*) > 1`;
}

/** Each row with dup_rank 1 (kept or unique) or 2 (a later copy), and where its kept copy is. */
export function rankDuplicatesSql(): string {
  const same = RAW_FIELDS.map((f) => `g.${f} IS NOT DISTINCT FROM s.${f}`).join(' AND ');
  return `CREATE OR REPLACE TEMP VIEW ranked AS
    SELECT s.*,
           CASE WHEN g.kept IS NOT NULL AND (g.kept.f <> s.source_file OR g.kept.l <> s.source_line) THEN 2 ELSE 1 END AS dup_rank,
           g.kept.f AS kept_source_file, g.kept.l AS kept_source_line
    FROM src s LEFT JOIN dup_groups g ON g.is_record = (s.malformed_reason IS NULL) AND ${same}`;
  // (Every join condition is an equality so that the engine can hash-join; a one-sided filter here forces a
  // nested-loop plan that is a hundred times slower.)
}

export function normaliseSql(spec: PipelineSpec, d: SqlDialect = duckdbDialect): string {
  // A value listed in nullValues (compared after trimming) is no value at all; so is an empty one.
  const v = (raw: string): string => textValueSql(spec, raw, d);
  // Runs of whitespace, or any whitespace other than a space, collapse to one space.
  const irregularSpace = `${d.space}${d.space}|[\\t\\n\\r\\f${d.vtab}]`;
  // Three levels so that each field is trimmed and null-checked once, then parsed once.
  return `CREATE OR REPLACE TEMP VIEW normalised AS
    SELECT *,
      CASE WHEN ${d.regexFullMatch('quantity_txt', '[+-]?[0-9]{1,18}')} THEN ${d.guardedCast('quantity_txt', 'BIGINT')} END AS quantity,
      CASE WHEN ${d.regexFullMatch('unit_price_txt', '[+-]?([0-9]{1,12}([.][0-9]{0,6})?|[.][0-9]{1,6})')}
           THEN ${d.guardedCast('unit_price_txt', PRICE_TYPE)} END AS unit_price,
      ${d.tryParseTimestamp('invoice_date_txt', spec.source.timestampFormat)} AS invoice_local_ts
    FROM (
      SELECT ${d.starExcept(['description_txt', 'customer_id_txt'])},
             CASE WHEN ${d.regexContains('description_txt', irregularSpace)}
                  THEN ${d.regexReplaceAll('description_txt', `${d.space}+`, ' ')}
                  ELSE description_txt END AS description,
             CASE WHEN ${d.regexFullMatch('customer_id_txt', '[0-9]+[.]0*')}
                  THEN ${d.regexPrefix('customer_id_txt', '[0-9]+')}
                  ELSE customer_id_txt END AS customer_id
      FROM (
        SELECT source_file, source_line, row_hash, ingest_run_id, malformed_reason, malformed_message, raw_record,
               dup_rank, kept_source_file, kept_source_line, pkey, ${RAW_FIELDS.join(', ')},
               upper(${v('invoice_no_raw')}) AS invoice_no,
               upper(${v('stock_code_raw')}) AS stock_code,
               ${v('description_raw')} AS description_txt,
               ${v('quantity_raw')} AS quantity_txt,
               ${v('unit_price_raw')} AS unit_price_txt,
               ${v('invoice_date_raw')} AS invoice_date_txt,
               ${v('customer_id_raw')} AS customer_id_txt,
               ${v('country_raw')} AS country
        FROM ranked))`;
}

/**
 * The classification: the first matching rule wins (docs/silver.md lists them in this order). The result is
 * written once to a compressed Parquet file (`target`) rather than an in-memory table: it streams, so a hundred
 * million rows never have to fit in (or spill uncompressed from) memory, and the outputs re-read it cheaply.
 */
export function classifySql(spec: PipelineSpec, target: string, d: SqlDialect = duckdbDialect): string {
  const codes = spec.rules.nonMerchandiseStockCodes.map((c) => d.literal(c.toUpperCase()));
  const prefixes = spec.rules.nonMerchandisePrefixes.map((p) =>
    d.startsWith('stock_code', d.literal(p.toUpperCase())),
  );
  const nonMerch = [codes.length ? `stock_code IN (${codes.join(', ')})` : 'false', ...prefixes].join(' OR ');
  const startsC = d.startsWith('invoice_no', `'C'`);
  const startsA = d.startsWith('invoice_no', `'A'`);
  return d.writeParquet(
    `
    SELECT *,
      CASE
        WHEN dup_rank > 1 THEN 'duplicate'
        WHEN malformed_reason IS NOT NULL THEN malformed_reason
        WHEN invoice_no IS NULL OR stock_code IS NULL OR invoice_date_txt IS NULL OR quantity_txt IS NULL
             OR unit_price_txt IS NULL OR country IS NULL THEN 'missing_required'
        WHEN quantity IS NULL OR unit_price IS NULL OR invoice_local_ts IS NULL THEN 'unparseable'
        WHEN quantity = 0 THEN 'zero_quantity'
        WHEN ${startsC} AND quantity > 0 THEN 'cancellation_positive_quantity'
        WHEN ${startsC} THEN 'cancellation'
        WHEN ${startsA} OR stock_code = 'B' THEN 'adjustment'
        WHEN unit_price < 0 THEN 'negative_price'
        WHEN ${nonMerch} THEN 'non_merchandise'
        WHEN quantity < 0 THEN 'stock_adjustment'
        WHEN unit_price = 0 THEN 'zero_price'
        ELSE 'sale'
      END AS outcome,
      CASE
        WHEN malformed_reason IS NOT NULL THEN malformed_message
        WHEN invoice_no IS NULL OR stock_code IS NULL OR invoice_date_txt IS NULL OR quantity_txt IS NULL
             OR unit_price_txt IS NULL OR country IS NULL
          THEN 'missing required field: ' || concat_ws(', ',
            CASE WHEN invoice_no IS NULL THEN 'invoice_no' END, CASE WHEN stock_code IS NULL THEN 'stock_code' END,
            CASE WHEN invoice_date_txt IS NULL THEN 'invoice_date' END, CASE WHEN quantity_txt IS NULL THEN 'quantity' END,
            CASE WHEN unit_price_txt IS NULL THEN 'unit_price' END, CASE WHEN country IS NULL THEN 'country' END)
        WHEN quantity IS NULL OR unit_price IS NULL OR invoice_local_ts IS NULL
          THEN concat_ws('; ',
            CASE WHEN quantity IS NULL THEN 'quantity "' || quantity_txt || '" is not a whole number' END,
            CASE WHEN unit_price IS NULL THEN 'unit_price "' || unit_price_txt || '" is not a decimal with at most 6 places' END,
            CASE WHEN invoice_local_ts IS NULL THEN 'invoice_date "' || invoice_date_txt || '" does not match ' || ${d.literal(spec.source.timestampFormat)} END)
        WHEN quantity = 0 THEN 'quantity is 0'
        WHEN ${startsC} AND quantity > 0 THEN 'cancellation invoice with a positive quantity'
        WHEN NOT ${startsA} AND stock_code <> 'B' AND unit_price < 0 THEN 'unit_price is negative'
      END AS message
    FROM normalised
  `,
    target,
  );
}

export function classifiedViewSql(file: string, d: SqlDialect = duckdbDialect): string {
  return `CREATE OR REPLACE TEMP VIEW classified AS SELECT * FROM ${d.readParquet(file)}`;
}

/**
 * Options of a COPY that writes one file per partition under `<dir>/pkey=<key>/`, without the `pkey` column (the
 * step moves each file to its key in the lake). `keepKey` keeps the column in the files (the bronze-row store).
 */
export const partitionedCopy = (keepKey = false): string =>
  `(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (pkey)${keepKey ? ', WRITE_PARTITION_COLUMNS true' : ''}, FILENAME_PATTERN 'part_{i}')`;

/** The rows of the recomputed partitions, written back partitioned: the next run rereads only the ones it touches. */
export function rowStoreSql(dir: string): string {
  return `COPY (SELECT * FROM src) TO ${quoteLiteral(dir)} ${partitionedCopy(true)}`;
}

/** Partitioned by `pkey` into `dir` (one file per business date). */
export function salesLinesSql(spec: PipelineSpec, dir: string): string {
  // Time-zone conversion is costly per row and invoices share timestamps: convert each distinct one once.
  // Columns up to ingest_run_id are the original contract; enriched columns are appended (enrichment-sql.ts).
  return `COPY (
    WITH s AS (
      SELECT * FROM classified
      WHERE outcome IN ('cancellation', 'adjustment', 'non_merchandise', 'stock_adjustment', 'zero_price', 'sale')),
    tz AS (SELECT local_ts, timezone(${quoteLiteral(spec.source.timezone)}, local_ts) AS utc_ts
           FROM (SELECT DISTINCT invoice_local_ts AS local_ts FROM s))
    SELECT s.invoice_no, s.stock_code, s.description, s.quantity, s.unit_price,
           CAST(s.quantity * s.unit_price AS ${AMOUNT_TYPE}) AS line_amount,
           tz.utc_ts AS invoice_ts, s.invoice_local_ts, CAST(s.invoice_local_ts AS DATE) AS business_date,
           s.customer_id, s.country, s.outcome AS line_type,
           s.source_file, s.source_line, s.row_hash, s.ingest_run_id,${ENRICHED_COLUMNS_SQL}, s.pkey
    FROM s JOIN tz ON tz.local_ts = s.invoice_local_ts${ENRICHED_JOINS_SQL}
  ) TO ${quoteLiteral(dir)} ${partitionedCopy()}`;
}

/** The quarantined rows, materialised (small) so that copyPartitioned can write them in batches of partitions. */
export function quarantineTableSql(table: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${table} AS
    SELECT outcome AS rule_id, message, source_file, source_line, row_hash, ingest_run_id,
           invoice_no_raw AS invoice_no, stock_code_raw AS stock_code, description_raw AS description,
           quantity_raw AS quantity, invoice_date_raw AS invoice_date, unit_price_raw AS unit_price,
           customer_id_raw AS customer_id, country_raw AS country, raw_record, pkey
    FROM classified
    WHERE outcome NOT IN ('duplicate', 'cancellation', 'adjustment', 'non_merchandise', 'stock_adjustment', 'zero_price', 'sale')`;
}

/** Each removed duplicate with the position of the copy that was kept, materialised like the quarantine. */
export function duplicatesTableSql(table: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${table} AS
    SELECT source_file, source_line, row_hash, kept_source_file, kept_source_line, pkey
    FROM classified WHERE outcome = 'duplicate'`;
}

/** Rows per partition and outcome and, for silver rows, how many of the eight canonical fields hold a value. */
export function outcomeCountsSql(): string {
  return `SELECT pkey, outcome, count(*) AS n, sum(
      (invoice_no IS NOT NULL)::INT + (stock_code IS NOT NULL)::INT + (description IS NOT NULL)::INT +
      (quantity IS NOT NULL)::INT + (invoice_local_ts IS NOT NULL)::INT + (unit_price IS NOT NULL)::INT +
      (customer_id IS NOT NULL)::INT + (country IS NOT NULL)::INT) AS filled_fields
    FROM classified GROUP BY pkey, outcome ORDER BY pkey, outcome`;
}

/** Per partition: source rows, duplicates, and the distinct countries of its silver lines (for the enrichment). */
export function inputCountsSql(): string {
  // A sorted DISTINCT list over every line buffers the lines in memory (it cannot spill): with 10M lines it ran out
  // of a 1 GiB limit. Grouping first (a hash aggregate, which spills) leaves a few rows per partition to list.
  return `SELECT pkey, sum(n) AS bronze_rows, coalesce(sum(n) FILTER (WHERE outcome = 'duplicate'), 0) AS duplicates,
      list(DISTINCT country ORDER BY country) FILTER (WHERE outcome IN ('cancellation', 'adjustment', 'non_merchandise', 'stock_adjustment', 'zero_price', 'sale') AND country IS NOT NULL) AS countries
    FROM (SELECT pkey, outcome, country, count(*) AS n FROM classified GROUP BY ALL)
    GROUP BY pkey ORDER BY pkey`;
}
