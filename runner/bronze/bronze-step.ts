import fs from 'node:fs/promises';
import path from 'node:path';
import { SourceError } from '../errors.js';
import { ident, lit } from '../engine/sql-engine.js';
import type { BronzeManifest, ManifestEntry } from '../lake/lake-store.js';
import type { StepContext, StepResult } from '../run/step-types.js';
import { NULL_SENTINEL, uniqueHeader } from './bronze-columns.js';
import { ingestFiles, type IngestedFile } from './ingest-files.js';
import { planIngestion } from './plan-ingestion.js';
import { listSourceFiles } from './source-files.js';

const REQUIRED_FIELDS = [
  'invoiceNo',
  'stockCode',
  'invoiceDate',
  'quantity',
  'unitPrice',
  'country',
] as const;

/**
 * Bronze: land every new source row as read (all text) with lineage columns, in one Parquet part per run.
 * Write → audit → publish: the part and the manifest become visible together, or not at all.
 */
export async function runBronzeStep(ctx: StepContext): Promise<StepResult> {
  const started = performance.now();
  const { spec, lake, engine, runId } = ctx;
  const log = ctx.logger.child({ step: 'bronze' });
  const files = await listSourceFiles(ctx.sourceUri, ctx.baseDir, spec.source.format);
  const manifest = await lake.readManifest();
  const plan = await planIngestion(files, manifest, spec.source.onChangedFile);
  ctx.progress.step(
    'bronze',
    `${files.length} source files: ${plan.toIngest.length} to ingest, ${plan.unchanged.length} already ingested`,
  );
  const inputs = [{ namespace: `file://${path.resolve(ctx.baseDir)}`, name: ctx.sourceUri }];
  const outputs = [{ namespace: `file://${lake.root}`, name: `bronze/${spec.source.dataset}` }];
  if (plan.toIngest.length === 0) {
    return {
      status: 'Succeeded',
      rowsIn: 0,
      rowsOut: 0,
      durationMs: Math.round(performance.now() - started),
      note: 'no new files',
      inputs,
      outputs,
      details: { files: [], skippedFiles: plan.unchanged.length, manifestVersion: manifest.version },
    };
  }

  const staging = await lake.stagingDir(runId, 'bronze');
  try {
    const ingested = await ingestFiles(ctx, plan.toIngest, staging);
    checkMappedColumns(ctx, ingested);
    const partName = `parts/${runId}.parquet`;
    const stagedPart = path.join(staging, 'part.parquet');
    const rowCount = await writeBronzePart(ctx, ingested, staging, stagedPart);

    // Audit: every row read (valid or malformed) is in the staged part, per file.
    const counted = await engine.all(
      `SELECT _source_file AS f, count(*) AS n FROM read_parquet(${lit(stagedPart)}) GROUP BY 1`,
    );
    const byFile = new Map(counted.map((r) => [String(r.f), Number(r.n)]));
    for (const f of ingested) {
      const expected = f.rows + f.malformed.length;
      if ((byFile.get(f.file.name) ?? 0) !== expected) {
        throw new Error(
          `bronze audit failed for ${f.file.name}: expected ${expected} rows, staged ${byFile.get(f.file.name)}`,
        );
      }
    }

    const ingestedAt = ctx.startedAt.toISOString();
    const replaced = new Set(ingested.map((f) => f.file.name));
    const entries: ManifestEntry[] = ingested.map((f) => ({
      file: f.file.name,
      size: f.size,
      sha256: f.sha256,
      rows: f.rows + f.malformed.length,
      malformed: f.malformed.length,
      runId,
      ingestedAt,
      part: partName,
    }));
    const next: BronzeManifest = {
      dataset: spec.source.dataset,
      version: manifest.version + 1,
      updatedAt: new Date().toISOString(),
      files: [...manifest.files.filter((e) => !replaced.has(e.file)), ...entries].sort((a, b) =>
        a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
      ),
    };
    await lake.publishBronze(stagedPart, partName, next);
    const malformed = ingested.reduce((s, f) => s + f.malformed.length, 0);
    log.info(
      { files: ingested.length, rows: rowCount, malformed, manifestVersion: next.version },
      'bronze published',
    );
    return {
      status: 'Succeeded',
      rowsIn: rowCount,
      rowsOut: rowCount,
      durationMs: Math.round(performance.now() - started),
      inputs,
      outputs: [{ ...outputs[0]!, rowCount }],
      details: {
        files: entries.map((e) => ({
          file: e.file,
          size: e.size,
          sha256: e.sha256,
          rows: e.rows,
          malformed: e.malformed,
        })),
        reingested: plan.changed.map((c) => c.name),
        skippedFiles: plan.unchanged.length,
        malformedRows: malformed,
        manifestVersion: next.version,
      },
    };
  } finally {
    await lake.discardStaging(runId, 'bronze');
  }
}

/** A required mapped column missing from a file's header fails the step and names the column. */
function checkMappedColumns(ctx: StepContext, ingested: IngestedFile[]): void {
  const cols = ctx.spec.source.columns;
  for (const f of ingested) {
    if (f.header.length === 0) continue; // an empty file has no rows to map
    const have = new Set(f.header);
    const missing = REQUIRED_FIELDS.filter((k) => !have.has(cols[k]));
    if (missing.length > 0) {
      const names = missing.map((k) => `"${cols[k]}" (${k})`).join(', ');
      throw new SourceError(
        'SOURCE_SCHEMA',
        `${f.file.name}: required column ${names} not found in the header`,
        {
          file: f.file.name,
          hint: `The header has: ${f.header.join(', ')}. Fix the file or map the field in spec.source.columns.`,
        },
      );
    }
  }
}

async function writeBronzePart(
  ctx: StepContext,
  ingested: IngestedFile[],
  staging: string,
  stagedPart: string,
): Promise<number> {
  const { engine, spec, runId } = ctx;
  const cols = spec.source.columns;
  const mapped = [
    cols.invoiceNo,
    cols.stockCode,
    cols.description,
    cols.quantity,
    cols.invoiceDate,
    cols.unitPrice,
    cols.customerId,
    cols.country,
  ];
  const allColumns = [...new Set(ingested.flatMap((f) => uniqueHeader(f.header)))];
  const sourceCols = allColumns.map((c) => `${ident(c)} VARCHAR`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE bronze_new (
    ${[
      ...sourceCols,
      '_source_file VARCHAR',
      '_source_line BIGINT',
      '_file_sha256 VARCHAR',
      '_ingested_at TIMESTAMPTZ',
      '_run_id VARCHAR',
      '_row_hash VARCHAR',
      '_malformed_reason VARCHAR',
      '_malformed_message VARCHAR',
      '_raw_record VARCHAR',
    ].join(',\n    ')})`);
  const files = ingested.map(
    (f, i) => `(${i}, ${lit(f.stagingPath)}, ${lit(f.file.name)}, ${lit(f.sha256)})`,
  );
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE staged_files AS SELECT * FROM (VALUES ${files.join(',')}) t(idx, path, name, sha)`,
  );
  // The row hash covers the eight mapped fields as read, so exact duplicates share it.
  const hashOf = (expr: (col: string) => string | undefined): string =>
    `md5(concat_ws(chr(31), ${mapped.map((c) => `coalesce(${expr(c) ?? 'NULL'}, chr(0))`).join(', ')}))`;
  const common = `${lit(ctx.startedAt.toISOString())}::TIMESTAMPTZ AS _ingested_at, ${lit(runId)} AS _run_id`;

  // Files with the same header are read together: one parallel scan instead of one per file.
  const groups = new Map<string, IngestedFile[]>();
  for (const f of ingested.filter((x) => x.rows > 0)) {
    const key = JSON.stringify(f.header);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const group of groups.values()) {
    const header = uniqueHeader(group[0]!.header);
    const positional = header.map((_, i) => `c${i}`);
    const columns = [`'_source_line': 'BIGINT'`, ...positional.map((c) => `${lit(c)}: 'VARCHAR'`)].join(', ');
    const paths = group.map((f) => lit(f.stagingPath)).join(', ');
    const { delimiter, quote } = spec.source.options;
    await engine.run(`INSERT INTO bronze_new BY NAME
      SELECT ${header.map((h, i) => `s.c${i} AS ${ident(h)}`).join(', ')},
             f.name AS _source_file, s._source_line, f.sha AS _file_sha256, ${common},
             ${hashOf((c) => (header.includes(c) ? `s.c${header.indexOf(c)}` : undefined))} AS _row_hash
      FROM read_csv([${paths}], header = false, delim = ${lit(delimiter)}, quote = ${lit(quote)}, escape = ${lit(quote)},
                    columns = {${columns}}, filename = true, nullstr = ${lit(NULL_SENTINEL)}, strict_mode = true,
                    auto_detect = false) s
      JOIN staged_files f ON f.path = s.filename`);
  }
  const malformed = ingested.flatMap((f) =>
    f.malformed.map((m) => ({
      f: f.file.name,
      sha: f.sha256,
      line: m.line,
      reason: m.reason,
      message: m.message,
      raw: m.text,
    })),
  );
  if (malformed.length > 0) {
    const mPath = path.join(staging, 'malformed.jsonl');
    await fs.writeFile(mPath, malformed.map((m) => JSON.stringify(m)).join('\n') + '\n');
    await engine.run(`INSERT INTO bronze_new BY NAME
      SELECT f AS _source_file, line AS _source_line, sha AS _file_sha256, ${common}, md5(raw) AS _row_hash,
             reason AS _malformed_reason, message AS _malformed_message, raw AS _raw_record
      FROM read_json(${lit(mPath)}, format = 'newline_delimited',
                     columns = {f: 'VARCHAR', sha: 'VARCHAR', line: 'BIGINT', reason: 'VARCHAR', message: 'VARCHAR', raw: 'VARCHAR'})`);
  }
  // No ORDER BY: readers never rely on row order, and sorting half a million rows costs more than the write.
  await engine.run(`COPY bronze_new TO ${lit(stagedPart)} (FORMAT parquet, COMPRESSION zstd)`);
  const [row] = await engine.all(`SELECT count(*) AS n FROM bronze_new`);
  await engine.run('DROP TABLE bronze_new');
  return Number(row?.n ?? 0);
}
