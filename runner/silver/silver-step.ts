import crypto from 'node:crypto';
import path from 'node:path';
import { StepPreconditionError } from '../errors.js';
import { lit } from '../engine/sql-engine.js';
import {
  assessQuality,
  qualityStatus,
  type QualityReport,
  type SilverCounts,
} from '../quality/assess-quality.js';
import type { StepContext, StepResult } from '../run/step-types.js';
import { LINE_TYPES } from './silver-rules.js';
import {
  classifySql,
  duplicatesSql,
  inputCountsSql,
  normaliseSql,
  outcomeCountsSql,
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
}

/** Anything in the spec that changes silver's output; a new fingerprint rebuilds silver even without new files. */
export function silverFingerprint(ctx: StepContext): string {
  const { source, rules } = ctx.spec;
  const relevant = {
    columns: source.columns,
    options: source.options,
    ts: source.timestampFormat,
    tz: source.timezone,
    rules,
  };
  return crypto.createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

const SILVER_FILES = ['sales_lines.parquet', 'quarantine.parquet', 'duplicates.parquet'];

/** Silver: rebuilt from all visible bronze rows, audited, then published as a new version (or nothing). */
export async function runSilverStep(ctx: StepContext): Promise<StepResult> {
  const started = performance.now();
  const { lake, engine, spec, runId } = ctx;
  const manifest = await lake.readManifest();
  const dataset = spec.source.dataset;
  const inputs = [{ namespace: `file://${lake.root}`, name: `bronze/${dataset}` }];
  const outputs = [
    { namespace: `file://${lake.root}`, name: `silver/${dataset}/sales_lines` },
    { namespace: `file://${lake.root}`, name: `silver/${dataset}/quarantine` },
  ];
  if (manifest.files.length === 0) {
    throw new StepPreconditionError(
      'silver has no input: bronze holds no files yet',
      'Run the bronze step first (or all steps).',
    );
  }
  const fingerprint = silverFingerprint(ctx);
  const current = await lake.current<SilverMeta>('silver');
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
    const parts = [
      ...new Set(manifest.files.filter((f) => f.rows > 0).map((f) => path.join(lake.bronzeDir, f.part))),
    ];
    const visible = manifest.files.map((f) => `(${lit(f.file)}, ${lit(f.sha256)})`).join(', ');
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE manifest_files AS SELECT * FROM (VALUES ${visible}) t(file, sha)`,
    );
    // Only rows of files the manifest lists with their current checksum are visible (re-ingested files replace old rows).
    await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_visible AS
    SELECT b.* FROM read_parquet([${parts.map(lit).join(', ')}], union_by_name = true) b
    SEMI JOIN manifest_files m ON b._source_file = m.file AND b._file_sha256 = m.sha`);
    const described = await engine.all(`DESCRIBE bronze_visible`);
    const available = new Set(described.map((r) => String(r.column_name)));
    ctx.progress.step('silver', `normalising and classifying ${parts.length} bronze part(s)`);
    // Only the de-duplication window and the classified rows are materialised; the rest are views over them.
    for (const sql of [
      sourceRowsSql(spec, available),
      rankDuplicatesSql(),
      normaliseSql(spec),
      classifySql(spec),
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
    await engine.run(salesLinesSql(spec, path.join(staging, SILVER_FILES[0]!)));
    await engine.run(quarantineSql(path.join(staging, SILVER_FILES[1]!)));
    await auditWritten(ctx, staging, counts);
    const meta: SilverMeta = { runId, bronzeVersion: manifest.version, fingerprint, counts, quality, status };
    const dir = await lake.publishLayer('silver', runId, staging, meta, spec.lake.retainVersions);
    ctx.progress.step(
      'silver',
      `published version ${runId}: ${counts.silverRows.toLocaleString('en-GB')} rows, ${counts.quarantined} quarantined, ${counts.duplicates} duplicates`,
    );
    return result(status, meta, counts.bronzeRows, counts.silverRows, started, inputs, outputs, {
      version: runId,
      dir,
    });
  } finally {
    await lake.discardStaging(runId, 'silver');
    await engine.run('DROP TABLE IF EXISTS classified');
    for (const v of ['normalised', 'ranked', 'src', 'bronze_visible']) await engine.run(`DROP VIEW IF EXISTS ${v}`);
  }
}

async function readCounts(ctx: StepContext): Promise<SilverCounts> {
  const [input] = await ctx.engine.all(inputCountsSql());
  const rows = await ctx.engine.all(outcomeCountsSql());
  const lineTypes: Record<string, number> = Object.fromEntries(LINE_TYPES.map((t) => [t, 0]));
  const quarantineByRule: Record<string, number> = {};
  let filledFields = 0;
  for (const r of rows) {
    const outcome = String(r.outcome);
    const n = Number(r.n);
    if (outcome === 'duplicate') continue;
    if ((LINE_TYPES as readonly string[]).includes(outcome)) {
      lineTypes[outcome] = n;
      filledFields += Number(r.filled_fields);
    } else quarantineByRule[outcome] = n;
  }
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    bronzeRows: Number(input?.bronze_rows ?? 0),
    duplicates: Number(input?.duplicates ?? 0),
    silverRows: sum(lineTypes),
    quarantined: sum(quarantineByRule),
    quarantineByRule,
    lineTypes,
    filledFields,
  };
}

/** Audit before publishing: the files on disk hold exactly the rows the counts say. */
async function auditWritten(ctx: StepContext, staging: string, c: SilverCounts): Promise<void> {
  const expected = [c.silverRows, c.quarantined, c.duplicates];
  for (const [i, file] of SILVER_FILES.entries()) {
    const [row] = await ctx.engine.all(
      `SELECT count(*) AS n FROM read_parquet(${lit(path.join(staging, file))})`,
    );
    if (Number(row?.n) !== expected[i]) {
      throw new Error(`silver audit failed: ${file} holds ${String(row?.n)} rows, expected ${expected[i]}`);
    }
  }
}

function result(
  status: StepResult['status'],
  meta: { counts: SilverCounts; quality: QualityReport },
  rowsIn: number,
  rowsOut: number,
  started: number,
  inputs: StepResult['inputs'],
  outputs: StepResult['outputs'],
  extra: Record<string, unknown>,
  note?: string,
): StepResult {
  const c = meta.counts;
  return {
    status,
    rowsIn,
    rowsOut,
    durationMs: Math.round(performance.now() - started),
    ...(note === undefined ? {} : { note }),
    inputs,
    outputs: outputs.map((o, i) => ({ ...o, rowCount: i === 0 ? c.silverRows : c.quarantined })),
    details: {
      duplicatesRemoved: c.duplicates,
      quarantined: c.quarantined,
      quarantineByRule: c.quarantineByRule,
      lineTypes: c.lineTypes,
      quality: meta.quality,
      counts: c,
      ...extra,
    },
  };
}
