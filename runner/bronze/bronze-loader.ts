import fs from 'node:fs/promises';
import path from 'node:path';
import { ident, lit, type SqlEngine } from '../engine/sql-engine.js';
import type { PipelineSpec } from '../spec/pipeline-spec.js';
import { LINEAGE_COLUMNS, NULL_SENTINEL, uniqueHeader } from './bronze-columns.js';
import type { IngestedFile } from './ingest-files.js';

const LINEAGE_TYPES: Record<(typeof LINEAGE_COLUMNS)[number], string> = {
  _source_file: 'VARCHAR',
  _source_line: 'BIGINT',
  _file_sha256: 'VARCHAR',
  _ingested_at: 'TIMESTAMPTZ',
  _run_id: 'VARCHAR',
  _row_hash: 'VARCHAR',
  _malformed_reason: 'VARCHAR',
  _malformed_message: 'VARCHAR',
  _raw_record: 'VARCHAR',
};

export interface BronzeLoader {
  /** Loads a batch of scanned files; source columns not seen before are added to the table first. */
  load(files: IngestedFile[]): Promise<void>;
  loadMalformed(files: IngestedFile[], staging: string): Promise<void>;
  writeParquet(target: string): Promise<number>;
}

/** Loads validated staging text into a DuckDB table with bronze's lineage columns. */
export async function createBronzeLoader(o: {
  engine: SqlEngine;
  spec: PipelineSpec;
  runId: string;
  ingestedAt: Date;
}): Promise<BronzeLoader> {
  const { engine, spec } = o;
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
  const columns = new Set<string>();
  const lineage = Object.entries(LINEAGE_TYPES).map(([n, t]) => `${n} ${t}`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE bronze_new (${lineage.join(', ')})`);
  // The row hash covers the eight mapped fields as read, so exact duplicates share it.
  const hashOf = (expr: (col: string) => string | undefined): string =>
    `md5(concat_ws(chr(31), ${mapped.map((m) => `coalesce(${expr(m) ?? 'NULL'}, chr(0))`).join(', ')}))`;
  const common = `${lit(o.ingestedAt.toISOString())}::TIMESTAMPTZ AS _ingested_at, ${lit(o.runId)} AS _run_id`;
  const { delimiter, quote } = spec.source.options;

  return {
    async load(files) {
      // Files with the same header are read together: one parallel scan instead of one per file.
      const groups = new Map<string, IngestedFile[]>();
      for (const f of files.filter((x) => x.rows > 0)) {
        const key = JSON.stringify(f.header);
        groups.set(key, [...(groups.get(key) ?? []), f]);
      }
      for (const group of groups.values()) {
        const header = uniqueHeader(group[0]!.header);
        for (const h of header.filter((x) => !columns.has(x))) {
          await engine.run(`ALTER TABLE bronze_new ADD COLUMN ${ident(h)} VARCHAR`);
          columns.add(h);
        }
        const types = [`'_source_line': 'BIGINT'`, ...header.map((_, i) => `'c${i}': 'VARCHAR'`)].join(', ');
        const names = group
          .map((f) => `(${lit(f.stagingPath)}, ${lit(f.file.name)}, ${lit(f.sha256)})`)
          .join(', ');
        await engine.run(`INSERT INTO bronze_new BY NAME
          SELECT ${header.map((h, i) => `s.c${i} AS ${ident(h)}`).join(', ')},
                 f.name AS _source_file, s._source_line, f.sha AS _file_sha256, ${common},
                 ${hashOf((m) => (header.includes(m) ? `s.c${header.indexOf(m)}` : undefined))} AS _row_hash
          FROM read_csv([${group.map((f) => lit(f.stagingPath)).join(', ')}], header = false, delim = ${lit(delimiter)},
                        quote = ${lit(quote)}, escape = ${lit(quote)}, columns = {${types}}, filename = true,
                        nullstr = ${lit(NULL_SENTINEL)}, strict_mode = true, auto_detect = false) s
          JOIN (VALUES ${names}) f(path, name, sha) ON f.path = s.filename`);
        // The staging text is no longer needed once loaded; free the disk early on large runs.
        await Promise.all(group.map((f) => fs.rm(f.stagingPath, { force: true })));
      }
    },
    async loadMalformed(files, staging) {
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
      const file = path.join(staging, 'malformed.jsonl');
      await fs.writeFile(file, rows.map((m) => JSON.stringify(m)).join('\n') + '\n');
      await engine.run(`INSERT INTO bronze_new BY NAME
        SELECT f AS _source_file, line AS _source_line, sha AS _file_sha256, ${common}, md5(raw) AS _row_hash,
               reason AS _malformed_reason, message AS _malformed_message, raw AS _raw_record
        FROM read_json(${lit(file)}, format = 'newline_delimited',
                       columns = {f: 'VARCHAR', sha: 'VARCHAR', line: 'BIGINT', reason: 'VARCHAR', message: 'VARCHAR', raw: 'VARCHAR'})`);
    },
    async writeParquet(target) {
      // No ORDER BY: readers never rely on row order, and sorting millions of rows costs more than the write.
      await engine.run(`COPY bronze_new TO ${lit(target)} (FORMAT parquet, COMPRESSION zstd)`);
      const [row] = await engine.all(`SELECT count(*) AS n FROM bronze_new`);
      await engine.run('DROP TABLE bronze_new');
      return Number(row?.n ?? 0);
    },
  };
}
