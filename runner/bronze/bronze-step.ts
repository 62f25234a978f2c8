import path from 'node:path';
import { SourceError } from '../errors.js';
import type { BronzeManifest, ManifestEntry } from '../lake/lake-store.js';
import type { BronzeDetails, StepContext, StepResult } from '../run/step-types.js';
import { createBronzeLoader } from './bronze-loader.js';
import { ingestFiles, type IngestedFile } from './ingest-files.js';
import { planIngestion } from './plan-ingestion.js';
import { listSourceFiles, resolveSourcePath } from './source-files.js';

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
export async function runBronzeStep(ctx: StepContext): Promise<StepResult<BronzeDetails>> {
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
  // Datasets are named like the lake's: namespace = the containing directory, name = the last path segment.
  const source = resolveSourcePath(ctx.sourceUri, ctx.baseDir);
  const inputs = [{ namespace: `file://${path.dirname(source)}`, name: path.basename(source) }];
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
    const partName = `parts/${runId}`;
    const stagedPart = path.join(staging, 'part');
    const loader = createBronzeLoader({
      engine,
      spec,
      runId,
      ingestedAt: ctx.startedAt,
      partDir: stagedPart,
    });
    // The engine writes each scanned batch while the scanner reads the next one.
    const ingested = await ingestFiles(ctx, plan.toIngest, staging, (batch) => {
      checkMappedColumns(ctx, batch);
      return loader.load(batch);
    });
    await loader.loadMalformed(ingested);

    // Audit: every row read (valid or malformed) is in the staged part, per file.
    const byFile = await loader.counts();
    let rowCount = 0;
    for (const f of ingested) {
      const expected = f.rows + f.malformed.length;
      rowCount += expected;
      if ((byFile.get(f.file.name) ?? 0) !== expected) {
        throw new Error(
          `bronze audit failed for ${f.file.name}: expected ${expected} rows, staged ${byFile.get(f.file.name)}`,
        );
      }
    }
    const hasRows = rowCount > 0;

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
    await lake.publishBronze(hasRows ? stagedPart : undefined, partName, next);
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
