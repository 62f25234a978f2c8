import fs from 'node:fs/promises';
import path from 'node:path';
import { type SqlEngine } from '../engine/sql-engine.js';
import { quoteIdent, quoteLiteral } from '../engine/sql-quote.js';
import type { PipelineSpec } from '../spec/pipeline-spec.js';
import { NULL_SENTINEL, uniqueHeader } from './bronze-columns.js';
import type { IngestedFile } from './ingest-files.js';

interface BronzeLoader {
  /** Writes a batch of scanned files as one Parquet file of the run's part directory. */
  load(files: IngestedFile[]): Promise<void>;
  loadMalformed(files: IngestedFile[]): Promise<void>;
  /** Rows written, per source file. */
  counts(): Promise<Map<string, number>>;
}

/**
 * Turns validated staging text into bronze Parquet with the lineage columns. Each batch streams straight to its own
 * file (`partDir/batch-N.parquet`): nothing accumulates in the engine, so ingestion runs in constant memory however
 * many rows arrive. Files with different headers simply have different columns; readers use union_by_name.
 */
export function createBronzeLoader(o: {
  engine: SqlEngine;
  spec: PipelineSpec;
  runId: string;
  ingestedAt: Date;
  partDir: string;
}): BronzeLoader {
  const { engine, spec, partDir } = o;
  const c = spec.source.columns;
  const mapped = [
    c.invoiceNo,
    c.stockCode,
    c.description,
    c.quantity,
    c.invoiceDate,
    c.unitPrice,
    c.customerId,
    c.country,
  ];
  // The row hash covers the eight mapped fields as read, so exact duplicates share it.
  const hashOf = (expr: (col: string) => string | undefined): string =>
    `md5(concat_ws(chr(31), ${mapped.map((m) => `coalesce(${expr(m) ?? 'NULL'}, chr(0))`).join(', ')}))`;
  const lineage = (
    file: string,
    line: string,
    sha: string,
    hash: string,
    malformed: [string, string, string],
  ): string =>
    [
      `${file}::VARCHAR AS _source_file`,
      `${line}::BIGINT AS _source_line`,
      `${sha}::VARCHAR AS _file_sha256`,
      `${quoteLiteral(o.ingestedAt.toISOString())}::TIMESTAMPTZ AS _ingested_at`,
      `${quoteLiteral(o.runId)}::VARCHAR AS _run_id`,
      `${hash}::VARCHAR AS _row_hash`,
      `${malformed[0]}::VARCHAR AS _malformed_reason`,
      `${malformed[1]}::VARCHAR AS _malformed_message`,
      `${malformed[2]}::VARCHAR AS _raw_record`,
    ].join(', ');
  const { delimiter, quote } = spec.source.options;
  const parquet = '(FORMAT parquet, COMPRESSION zstd)';
  let batch = 0;
  const written: string[] = [];
  const target = (name: string): string => {
    const file = path.join(partDir, name);
    written.push(file);
    return quoteLiteral(file);
  };

  return {
    async load(files) {
      await fs.mkdir(partDir, { recursive: true });
      // Files with the same header are read together: one parallel scan instead of one per file.
      const groups = new Map<string, IngestedFile[]>();
      for (const f of files.filter((x) => x.rows > 0)) {
        const key = JSON.stringify(f.header);
        groups.set(key, [...(groups.get(key) ?? []), f]);
      }
      for (const group of groups.values()) {
        const header = uniqueHeader(group[0]!.header);
        const types = [`'_source_line': 'BIGINT'`, ...header.map((_, i) => `'c${i}': 'VARCHAR'`)].join(', ');
        const names = group
          .map(
            (f) =>
              `(${quoteLiteral(f.stagingPath)}, ${quoteLiteral(f.file.name)}, ${quoteLiteral(f.sha256)})`,
          )
          .join(', ');
        const hash = hashOf((m) => (header.includes(m) ? `s.c${header.indexOf(m)}` : undefined));
        batch += 1;
        await engine.run(`COPY (
          SELECT ${header.map((h, i) => `s.c${i} AS ${quoteIdent(h)}`).join(', ')},
                 ${lineage('f.name', 's._source_line', 'f.sha', hash, ['NULL', 'NULL', 'NULL'])}
          FROM read_csv([${group.map((f) => quoteLiteral(f.stagingPath)).join(', ')}], header = false, delim = ${quoteLiteral(delimiter)},
                        quote = ${quoteLiteral(quote)}, escape = ${quoteLiteral(quote)}, columns = {${types}}, filename = true,
                        nullstr = ${quoteLiteral(NULL_SENTINEL)}, strict_mode = true, auto_detect = false) s
          JOIN (VALUES ${names}) f(path, name, sha) ON f.path = s.filename
        ) TO ${target(`batch-${String(batch).padStart(5, '0')}.parquet`)} ${parquet}`);
        // The staging text is no longer needed once written; free the disk early on large runs.
        await Promise.all(group.map((f) => fs.rm(f.stagingPath, { force: true })));
      }
    },
    async loadMalformed(files) {
      const rows = files.flatMap((f) =>
        f.malformed.map((m) => ({
          f: f.file.name,
          sha: f.sha256,
          line: m.line,
          reason: m.reason,
          message: m.message,
          raw: m.text,
        })),
      );
      if (rows.length === 0) return;
      await fs.mkdir(partDir, { recursive: true });
      const json = path.join(partDir, '..', 'malformed.jsonl');
      await fs.writeFile(json, rows.map((m) => JSON.stringify(m)).join('\n') + '\n');
      await engine.run(`COPY (
        SELECT ${lineage('f', 'line', 'sha', 'md5(raw)', ['reason', 'message', 'raw'])}
        FROM read_json(${quoteLiteral(json)}, format = 'newline_delimited',
                       columns = {f: 'VARCHAR', sha: 'VARCHAR', line: 'BIGINT', reason: 'VARCHAR', message: 'VARCHAR', raw: 'VARCHAR'})
      ) TO ${target('malformed.parquet')} ${parquet}`);
    },
    async counts() {
      if (written.length === 0) return new Map();
      const rows = await engine.all(
        `SELECT _source_file AS f, count(*) AS n FROM read_parquet([${written.map(quoteLiteral).join(', ')}], union_by_name = true) GROUP BY 1`,
      );
      return new Map(rows.map((r) => [String(r.f), Number(r.n)]));
    },
  };
}
