import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import path from 'node:path';
import { LINEAGE_COLUMNS } from '../bronze/bronze-columns.js';
import { ConflictError, StepPreconditionError } from '../errors.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import {
  assessQuality,
  qualityStatus,
  type QualityReport,
  type SilverCounts,
} from '../quality/assess-quality.js';
import type { SilverDetails, StepContext, StepResult } from '../run/step-types.js';
import { enrichSilverLines, type SilverEnrichment } from './enrich-silver.js';
import { countriesSql, dropEnrichmentSql, fxRatesSql } from './enrichment-sql.js';
import { auditWritten, readCounts, result, SILVER_FILES } from './silver-report.js';
import {
  classifiedViewSql,
  classifySql,
  duplicateGroupsSql,
  duplicatesSql,
  normaliseSql,
  quarantineSql,
  rankDuplicatesSql,
  salesLinesSql,
  sourceRowsSql,
} from './silver-sql.js';

export interface SilverMeta {
  runId: string;
  bronzeVersion: number;
  fingerprint: string;
  counts: SilverCounts;
  quality: QualityReport;
  status: 'Succeeded' | 'Degraded';
  /** Sources and counts of the enrichment this version was built with; null when enrichment is disabled. */
  enrichment: SilverEnrichment | null;
}

/** Bumped when silver's output columns change, so that older versions are rebuilt rather than read. */
const SILVER_CONTRACT = 2;

/** Anything in the spec that changes silver's output; a new fingerprint rebuilds silver even without new files. */
function silverFingerprint(ctx: StepContext): string {
  const { source, rules } = ctx.spec;
  const relevant = {
    columns: source.columns,
    options: source.options,
    ts: source.timestampFormat,
    tz: source.timezone,
    rules,
    enrichment: ctx.spec.enrichment.enabled,
    contract: SILVER_CONTRACT,
  };
  return crypto.createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/** Zero rows typed like bronze's lineage columns (bronze-loader.ts), for a lake whose files all had no rows. */
function emptyBronzeSql(): string {
  const types: Record<(typeof LINEAGE_COLUMNS)[number], string> = {
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
  const cols = LINEAGE_COLUMNS.map((c) => `NULL::${types[c]} AS ${c}`).join(', ');
  return `SELECT b.* FROM (SELECT ${cols} WHERE false) b`;
}

/** Silver: rebuilt from all visible bronze rows, audited, then published as a new version (or nothing). */
export async function runSilverStep(ctx: StepContext): Promise<StepResult<SilverDetails>> {
  const started = performance.now();
  const { lake, engine, spec, runId } = ctx;
  const manifest = await lake.readManifest();
  const dataset = spec.source.dataset;
  const inputs = [{ namespace: lake.namespace, name: `bronze/${dataset}` }];
  const outputs = [
    { namespace: lake.namespace, name: `silver/${dataset}/sales_lines` },
    { namespace: lake.namespace, name: `silver/${dataset}/quarantine` },
    { namespace: lake.namespace, name: `silver/${dataset}/countries` },
    { namespace: lake.namespace, name: `silver/${dataset}/fx_rates` },
  ];
  if (manifest.files.length === 0) {
    throw new StepPreconditionError(
      'silver has no input: bronze holds no files yet',
      'Run the bronze step first (or all steps).',
    );
  }
  const fingerprint = silverFingerprint(ctx);
  const current = await lake.head<SilverMeta>('silver');
  if (
    current &&
    current.meta.bronzeVersion === manifest.version &&
    current.meta.fingerprint === fingerprint
  ) {
    ctx.progress.step('silver', `up to date (version ${current.version})`);
    return result(
      'Succeeded',
      current.meta,
      0,
      0,
      started,
      inputs,
      outputs,
      { upToDate: true, version: current.version },
      'up to date',
    );
  }

  const staging = await lake.stagingDir(runId, 'silver');
  try {
    const parts = await lake.bronzePartGlobs([
      ...new Set(manifest.files.filter((f) => f.rows > 0).map((f) => f.part)),
    ]);
    const visible = manifest.files
      .map((f) => `(${quoteLiteral(f.file)}, ${quoteLiteral(f.sha256)})`)
      .join(', ');
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE manifest_files AS SELECT * FROM (VALUES ${visible}) t(file, sha)`,
    );
    // Only rows of files the manifest lists with their current checksum are visible (re-ingested files replace old rows).
    // Header-only files leave no part at all (an empty batch is normal on a daily schedule): bronze is then an empty
    // relation with only the lineage columns, and every mapped field reads as NULL.
    await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_visible AS
    ${parts.length === 0 ? emptyBronzeSql() : `SELECT b.* FROM read_parquet([${parts.map(quoteLiteral).join(', ')}], union_by_name = true) b`}
    SEMI JOIN manifest_files m ON b._source_file = m.file AND b._file_sha256 = m.sha`);
    const described = await engine.all(`DESCRIBE bronze_visible`);
    const available = new Set(described.map((r) => String(r.column_name)));
    ctx.progress.step('silver', `normalising and classifying ${parts.length} bronze part(s)`);
    const classifiedFile = path.join(lake.tempDir(), `${runId}-classified.parquet`);
    // Only the duplicate groups and the classified rows are materialised; the rest are views over them.
    for (const sql of [
      sourceRowsSql(spec, available),
      duplicateGroupsSql(),
      rankDuplicatesSql(),
      normaliseSql(spec),
      classifySql(spec, classifiedFile),
      classifiedViewSql(classifiedFile),
    ]) {
      await engine.run(sql);
    }
    await engine.run(duplicatesSql(path.join(staging, SILVER_FILES[2]!)));
    const counts = await readCounts(ctx);
    const quality = assessQuality(counts, spec.quality);
    const status = qualityStatus(quality);
    if (status === 'Failed') {
      const failed = quality.checks
        .filter((c) => c.status === 'fail' && c.severity === 'error')
        .map((c) => c.name);
      return result(
        'Failed',
        { counts, quality },
        counts.bronzeRows,
        0,
        started,
        inputs,
        outputs,
        {},
        `quality check failed: ${failed.join(', ')}; nothing published`,
      );
    }
    // Once per run, never per row: distinct dates, countries and descriptions in, lookup tables out.
    const enrichment = await enrichSilverLines(ctx);
    await engine.run(salesLinesSql(spec, path.join(staging, SILVER_FILES[0]!)));
    await engine.run(quarantineSql(path.join(staging, SILVER_FILES[1]!)));
    await engine.run(countriesSql(path.join(staging, SILVER_FILES[3]!)));
    await engine.run(fxRatesSql(path.join(staging, SILVER_FILES[4]!)));
    await auditWritten(ctx, staging, counts, enrichment);
    const stepStatus = enrichment?.degraded ? 'Degraded' : status;
    const meta: SilverMeta = {
      runId,
      bronzeVersion: manifest.version,
      fingerprint,
      counts,
      quality,
      status: stepStatus,
      enrichment,
    };
    const outcome = await lake.publishLayer<SilverMeta>('silver', runId, staging, meta, {
      retain: spec.lake.retainVersions,
      expected: current,
      // A concurrent run published first: ours replaces theirs only if built from a newer bronze manifest.
      replace: async (theirs) => {
        if (theirs.meta.bronzeVersion !== manifest.version)
          return theirs.meta.bronzeVersion < manifest.version;
        if (theirs.meta.fingerprint === fingerprint) return false;
        throw new ConflictError(
          `silver: concurrent run ${theirs.meta.runId} published version ${theirs.version} from the same bronze version ${manifest.version} with different silver settings; nothing published`,
        );
      },
    });
    if (!outcome.published) {
      const theirs = outcome.current;
      const note = `superseded: concurrent run ${theirs.meta.runId} published silver version ${theirs.version} from bronze version ${theirs.meta.bronzeVersion} (this run built from ${manifest.version}); this run's version was discarded`;
      ctx.logger.warn({ theirs: theirs.version }, note);
      return result(
        'Succeeded',
        theirs.meta,
        counts.bronzeRows,
        0,
        started,
        inputs,
        outputs,
        { version: theirs.version, superseded: true },
        note,
      );
    }
    const dir = outcome.dir;
    ctx.progress.step(
      'silver',
      `published version ${runId}: ${counts.silverRows.toLocaleString('en-GB')} rows, ${counts.quarantined} quarantined, ${counts.duplicates} duplicates`,
    );
    const note = enrichment?.degraded
      ? `enrichment degraded: ${enrichment.degradedReasons.join('; ')}`
      : undefined;
    return result(
      stepStatus,
      meta,
      counts.bronzeRows,
      counts.silverRows,
      started,
      inputs,
      outputs,
      { version: runId, dir, enrichment },
      note,
    );
  } finally {
    await lake.discardStaging(runId, 'silver');
    for (const sql of ['DROP VIEW IF EXISTS classified', ...dropEnrichmentSql()]) await engine.run(sql);
    await fs.rm(path.join(lake.tempDir(), `${runId}-classified.parquet`), { force: true });
    await engine.run('DROP TABLE IF EXISTS dup_groups');
    for (const v of ['normalised', 'ranked', 'src', 'bronze_visible'])
      await engine.run(`DROP VIEW IF EXISTS ${v}`);
  }
}
