import fs from 'node:fs/promises';
import path from 'node:path';
import { quoteIdent, quoteLiteral } from '../engine/sql-quote.js';
import type { StepContext } from '../run/step-types.js';
import { NULL_SENTINEL } from './bronze-columns.js';
import type { ScannedMalformed } from './csv-record-scanner.js';
import { readDelimitedFile, type DelimitedFileResult } from './read-delimited-file.js';
import { readJsonlFile } from './read-jsonl-file.js';
import { sha256File } from './plan-ingestion.js';
import type { SourceFile } from './source-files.js';

export interface IngestedFile {
  file: SourceFile;
  header: string[];
  rows: number;
  malformed: ScannedMalformed[];
  size: number;
  sha256: string;
  /** A local file's mtime, when neither it nor its size changed while it was read (see ManifestEntry.mtimeMs). */
  mtimeMs?: number;
  /** Staging file of validated records, `<line><delimiter><record>` per line. */
  stagingPath: string;
}

/** Staging text handed to the engine at a time: big enough for a parallel scan, small enough to overlap. */
const BATCH_BYTES = 64 << 20;

/**
 * Reads each file into the staging directory, reporting progress, and hands over batches of scanned files as it
 * goes. A batch's promise is not awaited before scanning on, so loading overlaps scanning; it is awaited before the
 * next batch is handed over, so at most one batch waits.
 */
export async function ingestFiles(
  ctx: StepContext,
  files: SourceFile[],
  staging: string,
  onBatch: (batch: IngestedFile[]) => Promise<void>,
): Promise<IngestedFile[]> {
  const { source } = ctx.spec;
  const started = performance.now();
  const out: IngestedFile[] = [];
  let rows = 0;
  let batch: IngestedFile[] = [];
  let batchBytes = 0;
  let previous: Promise<void> = Promise.resolve();
  const handOver = async (): Promise<void> => {
    await previous;
    previous = onBatch(batch);
    // A failure surfaces when the next batch is handed over or at the end; avoid an unhandled rejection meanwhile.
    previous.catch(() => undefined);
    batch = [];
    batchBytes = 0;
  };
  for (const [i, file] of files.entries()) {
    const stagingPath = path.join(staging, `${i}.csv`);
    const before = file.remote ? undefined : await fs.stat(file.absPath);
    const result =
      source.format === 'parquet'
        ? await readParquetFile(ctx, file.absPath, stagingPath)
        : source.format === 'jsonl'
          ? await readJsonlFile(file.absPath, file.name, { ...source.options, stagingPath })
          : await readDelimitedFile(file.absPath, file.name, {
              ...source.options,
              gzip: source.format === 'csv.gz',
              stagingPath,
            });
    rows += result.rows + result.malformed.length;
    const after = before && (await fs.stat(file.absPath));
    const steady = before && after && before.mtimeMs === after.mtimeMs && after.size === result.size;
    const ingested: IngestedFile = {
      file,
      stagingPath,
      ...result,
      ...(steady ? { mtimeMs: before.mtimeMs } : {}),
    };
    out.push(ingested);
    batch.push(ingested);
    batchBytes += result.size;
    if (batchBytes >= BATCH_BYTES) await handOver();
    ctx.progress.files('bronze', i + 1, files.length, rows, performance.now() - started);
  }
  if (batch.length > 0) await handOver();
  await previous;
  return out;
}

/** Parquet rows are already structured: the engine writes them, as text, in the staging layout. */
async function readParquetFile(
  ctx: StepContext,
  absPath: string,
  stagingPath: string,
): Promise<DelimitedFileResult> {
  const { engine } = ctx;
  const { delimiter, quote } = ctx.spec.source.options;
  const described = await engine.all(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(absPath)})`);
  const header = described.map((r) => String(r.column_name));
  const select = header.map((h) => `CAST(${quoteIdent(h)} AS VARCHAR)`).join(', ');
  await engine.run(`COPY (SELECT file_row_number + 1 AS l, ${select}
      FROM read_parquet(${quoteLiteral(absPath)}, file_row_number = true) ORDER BY l)
    TO ${quoteLiteral(stagingPath)} (FORMAT csv, HEADER false, DELIMITER ${quoteLiteral(delimiter)}, QUOTE ${quoteLiteral(quote)},
      ESCAPE ${quoteLiteral(quote)}, NULLSTR ${quoteLiteral(NULL_SENTINEL)}, FORCE_QUOTE *)`);
  const [count] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(absPath)})`);
  const { size } = await fs.stat(absPath);
  return {
    header,
    rows: Number(count?.n ?? 0),
    malformed: [],
    blankLines: 0,
    size,
    sha256: await sha256File(absPath),
  };
}
