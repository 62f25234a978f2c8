import path from 'node:path';
import { ConflictError, SourceError } from '../errors.js';
import { MAX_COMMIT_ATTEMPTS, type BronzeManifest, type ManifestEntry } from '../lake/lake-store.js';
import type { BronzeDetails, StepContext, StepResult } from '../run/step-types.js';
import { createBronzeLoader } from './bronze-loader.js';
import { ingestFiles, type IngestedFile } from './ingest-files.js';
import { planIngestion } from './plan-ingestion.js';
import { downloadSource } from './object-source-files.js';
import { listSources } from './list-sources.js';
import { selectSourceFiles } from './select-source-files.js';
import type { SourceFile } from './source-files.js';

const REQUIRED_FIELDS = [
  'invoiceNo',
  'stockCode',
  'invoiceDate',
  'quantity',
  'unitPrice',
  'country',
] as const;

interface StagedPart {
  partName: string;
  names: Set<string>;
  entries: ManifestEntry[];
  rowCount: number;
  malformed: number;
}

/**
 * Bronze: land every new source row as read (all text) with lineage columns, in one Parquet part per run.
 * Write → audit → publish: the part is stored under a name of its own, then the manifest naming it is published
 * by compare-and-swap. A concurrent run that published first makes this one re-plan against its manifest: files it
 * ingested are dropped (the part is rebuilt without them), the rest are committed on top.
 */
export async function runBronzeStep(ctx: StepContext): Promise<StepResult<BronzeDetails>> {
  const started = performance.now();
  const { spec, lake } = ctx;
  // runPipeline already bound runId and step to ctx.logger.
  const log = ctx.logger;
  const listing = await listSources(ctx);
  const { namespace, name } = listing;
  const files = selectSourceFiles(listing.files, ctx.onlyFiles);
  const inputs = [{ namespace, name }];
  const outputs = [{ namespace: lake.namespace, name: `bronze/${spec.source.dataset}` }];
  let staged: StagedPart | undefined;
  const races: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const { manifest, etag } = await lake.readManifestForUpdate();
    const plan = await planIngestion(files, manifest, spec.source.onChangedFile);
    ctx.progress.step(
      'bronze',
      `${files.length} source files: ${plan.toIngest.length} to ingest, ${plan.unchanged.length} already ingested`,
    );
    if (plan.toIngest.length === 0) {
      if (staged) await lake.deleteBronzePart(staged.partName);
      const note =
        races.length === 0
          ? 'no new files'
          : `no new files left: concurrent runs ingested them first (${races.join('; ')}); this run's part was discarded`;
      if (races.length > 0) log.warn({ races }, note);
      return {
        status: 'Succeeded',
        rowsIn: 0,
        rowsOut: 0,
        durationMs: Math.round(performance.now() - started),
        note,
        inputs,
        outputs,
        details: {
          files: [],
          skippedFiles: plan.unchanged.length,
          manifestVersion: manifest.version,
          ...(races.length ? { concurrentCommits: races } : {}),
        },
      };
    }
    const wanted = new Set(plan.toIngest.map((f) => f.name));
    if (!staged || staged.names.size !== wanted.size || [...wanted].some((n) => !staged!.names.has(n))) {
      if (staged) await lake.deleteBronzePart(staged.partName);
      staged = await stagePart(
        ctx,
        plan.toIngest,
        attempt === 1 ? `parts/${ctx.runId}` : `parts/${ctx.runId}-${attempt}`,
      );
    }
    const replaced = new Set(staged.entries.map((e) => e.file));
    const next: BronzeManifest = {
      dataset: spec.source.dataset,
      version: manifest.version + 1,
      updatedAt: new Date().toISOString(),
      files: [...manifest.files.filter((e) => !replaced.has(e.file)), ...staged.entries].sort((a, b) =>
        a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
      ),
    };
    if (await lake.commitManifest(next, etag)) {
      log.info(
        {
          files: staged.entries.length,
          rows: staged.rowCount,
          manifestVersion: next.version,
          attempts: attempt,
        },
        'bronze published',
      );
      const notes = [
        // Header-only files are a normal empty batch: recorded as ingested, and the later steps publish zero rows.
        ...(staged.rowCount === 0
          ? [`no data rows in ${staged.entries.length} new file${staged.entries.length === 1 ? '' : 's'}`]
          : []),
        ...(races.length > 0
          ? [
              `re-planned after concurrent bronze commits (${races.join('; ')}); published manifest version ${next.version}`,
            ]
          : []),
      ];
      const note = notes.length > 0 ? notes.join('; ') : undefined;
      return {
        status: 'Succeeded',
        rowsIn: staged.rowCount,
        rowsOut: staged.rowCount,
        durationMs: Math.round(performance.now() - started),
        ...(note ? { note } : {}),
        inputs,
        outputs: [{ ...outputs[0]!, rowCount: staged.rowCount }],
        details: {
          files: staged.entries.map((e) => ({
            file: e.file,
            size: e.size,
            sha256: e.sha256,
            rows: e.rows,
            malformed: e.malformed,
          })),
          reingested: plan.changed.map((c) => c.name),
          skippedFiles: plan.unchanged.length,
          malformedRows: staged.malformed,
          manifestVersion: next.version,
          ...(races.length ? { concurrentCommits: races } : {}),
        },
      };
    }
    const theirs = await lake.readManifest();
    const race = `manifest version ${manifest.version} became ${theirs.version}`;
    races.push(race);
    log.warn({ attempt, race }, 'bronze manifest changed by a concurrent run; re-planning');
    if (attempt >= MAX_COMMIT_ATTEMPTS) {
      await lake.deleteBronzePart(staged.partName);
      throw new ConflictError(
        `bronze lost ${attempt} manifest commits in a row to concurrent runs (${races.join('; ')}); nothing published`,
      );
    }
  }
}

/** Reads the files into a staged Parquet part, audits it, and stores it (not yet visible) under `partName`. */
async function stagePart(ctx: StepContext, files: SourceFile[], partName: string): Promise<StagedPart> {
  const { spec, lake, engine, runId } = ctx;
  const staging = await lake.stagingDir(runId, 'bronze');
  try {
    const shas = new Map<string, string>();
    const local = await Promise.all(
      files.map(async (f, i) => {
        if (!f.remote) return f;
        // Objects are streamed to local staging first: the readers and the engine then work on plain files.
        const absPath = path.join(staging, `src-${i}`);
        shas.set(f.name, await downloadSource(f, absPath));
        return { ...f, absPath };
      }),
    );
    const stagedPart = path.join(staging, 'part');
    const loader = createBronzeLoader({
      engine,
      spec,
      runId,
      ingestedAt: ctx.startedAt,
      partDir: stagedPart,
    });
    // The engine writes each scanned batch while the scanner reads the next one.
    const ingested = await ingestFiles(ctx, local, staging, (batch) => {
      checkMappedColumns(ctx, batch);
      return loader.load(batch);
    });
    await loader.loadMalformed(ingested);

    // Audit: every row read (valid or malformed) is in the staged part, per file, with the checksum downloaded.
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
      const downloaded = shas.get(f.file.name);
      if (downloaded !== undefined && downloaded !== f.sha256)
        throw new Error(`bronze audit failed for ${f.file.name}: sha256 changed between download and read`);
    }
    if (rowCount > 0) await lake.storeBronzePart(stagedPart, partName);
    const ingestedAt = ctx.startedAt.toISOString();
    const entries: ManifestEntry[] = ingested.map((f) => ({
      file: f.file.name,
      size: f.size,
      sha256: f.sha256,
      ...(f.file.remote ? { etag: f.file.remote.etag } : {}),
      ...(f.mtimeMs !== undefined ? { mtimeMs: f.mtimeMs } : {}),
      rows: f.rows + f.malformed.length,
      malformed: f.malformed.length,
      runId,
      ingestedAt,
      part: partName,
    }));
    return {
      partName,
      names: new Set(entries.map((e) => e.file)),
      entries,
      rowCount,
      malformed: ingested.reduce((s, f) => s + f.malformed.length, 0),
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
