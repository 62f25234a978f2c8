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
import { checksVerdict, commitStepChecks, failingNames } from '../quality/checks/step-checks.js';
import { runSilverChecks } from './silver-checks.js';
import { countriesSql, dropEnrichmentSql, fxRatesSql } from './enrichment-sql.js';
import type { ManifestEntry } from '../lake/lake-store.js';
import { MAX_COMMIT_ATTEMPTS } from '../lake/lake-store.js';
import {
  describePartitions,
  UNKNOWN_PARTITION,
  type SilverPartition,
  type TouchedPartitions,
} from '../lake/partitions.js';
import { partsPrefix, referencedKeys } from '../lake/partition-files.js';
import { copyPartitioned } from './partitioned-copy.js';
import {
  auditWritten,
  expectedRows,
  PARTITIONED_TABLES,
  readPartitionCounts,
  result,
  stagedPartitionFiles,
  type StagedTable,
} from './silver-report.js';
import {
  nextFileIndex,
  nextPartitionMap,
  planIncrement,
  sumCounts,
  type FileIndex,
  type PartitionState,
  type RebuiltPartition,
} from './silver-partition-plan.js';
import {
  classifiedViewSql,
  classifySql,
  duplicateGroupsSql,
  duplicatesTableSql,
  normaliseSql,
  quarantineTableSql,
  rankDuplicatesSql,
  rowStoreSql,
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
  /** The partition map: per business date, the immutable files of sales_lines, quarantine and duplicates. */
  partitions: Record<string, SilverPartition>;
  /** Per partition: its stored source rows, counts and countries (what an incremental run needs). */
  partitionState: Record<string, PartitionState>;
  /** Per bronze file: the checksum it was read with and the partitions its rows fell in. */
  files: FileIndex;
  /** The partitions this version recomputed. */
  touched: TouchedPartitions;
}

/** Bumped when silver's output columns change, so that older versions are rebuilt rather than read. */
const SILVER_CONTRACT = 3;

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

/** A backfill rewrites partitions of an existing version built with the same settings; without one it cannot run. */
function requireBackfillBase(base: SilverMeta | undefined): SilverMeta {
  if (base) return base;
  throw new StepPreconditionError(
    'a backfill recomputes partitions of the current silver version, and there is none built with these settings',
    'Run the pipeline first (or with --full-refresh after changing the silver settings), then backfill.',
  );
}

const indexEntries = (files: FileIndex): FilePair[] =>
  Object.entries(files).map(([file, e]) => ({ file, sha256: e.sha256 }));

/** TEST ONLY fault injection (MEDALLION_TEST_FAIL_PARTITIONS, docs/backfills.md): these partitions fail. */
function failedPartitions(ctx: StepContext, touched: string[]): Map<string, string> {
  const fail = new Set(ctx.backfill?.failPartitions ?? []);
  return new Map(
    touched.filter((k) => fail.has(k)).map((k) => [k, 'injected fault (MEDALLION_TEST_FAIL_PARTITIONS)']),
  );
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

const emptyPairs = `SELECT NULL::VARCHAR AS file, NULL::VARCHAR AS sha WHERE false`;
type FilePair = Pick<ManifestEntry, 'file' | 'sha256'>;
const pairsSql = (files: FilePair[]): string =>
  files.length === 0
    ? emptyPairs
    : `SELECT * FROM (VALUES ${files.map((f) => `(${quoteLiteral(f.file)}, ${quoteLiteral(f.sha256)})`).join(', ')}) t(file, sha)`;

/** The previous version, when this run may build on it (same settings, a partition map, not --full-refresh). */
function baseVersion(ctx: StepContext, current: { meta: SilverMeta } | undefined, fingerprint: string) {
  const m = current?.meta;
  if (
    ctx.fullRefresh ||
    !m ||
    m.fingerprint !== fingerprint ||
    !m.partitions ||
    !m.partitionState ||
    !m.files
  )
    return undefined;
  return m;
}

/**
 * Silver: recomputes the business-date partitions that new or replaced bronze files touch (every partition on a
 * full rebuild), audits them, then publishes a version whose partition map shares the untouched partitions' files
 * with the previous version (or publishes nothing). A concurrent publish that pruned files this version shares
 * sends the step round again on top of it.
 */
export async function runSilverStep(ctx: StepContext): Promise<StepResult<SilverDetails>> {
  for (let attempt = 1; ; attempt++) {
    const r = await silverAttempt(ctx);
    if (r !== 'rebase') return r;
    ctx.logger.warn(
      { attempt },
      'silver: a concurrent run pruned shared partition files; recomputing on its version',
    );
    if (attempt >= MAX_COMMIT_ATTEMPTS)
      throw new ConflictError(
        `silver lost ${attempt} publish races in a row to concurrent runs; nothing published`,
      );
  }
}

async function silverAttempt(ctx: StepContext): Promise<StepResult<SilverDetails> | 'rebase'> {
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
    !ctx.fullRefresh &&
    !ctx.backfill &&
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
      { upToDate: true, version: current.version, partitions: { full: false, keys: [] } },
      'up to date',
    );
  }

  const base = baseVersion(ctx, current, fingerprint);
  const full = base === undefined;
  // A backfill recomputes the requested partitions of the current version from its row store, with the bronze files
  // that version was built from: no new file is taken (the next regular run takes those), nothing else changes.
  const backfill = ctx.backfill && requireBackfillBase(base);
  const visible = backfill ? indexEntries(backfill.files) : manifest.files;
  const builtFrom = backfill ? backfill.bronzeVersion : manifest.version;
  const plan = backfill ? { added: [], removedFrom: [] } : planIncrement(base?.files, manifest.files);
  const staging = await lake.stagingDir(runId, 'silver');
  const partsDir = await lake.stagingDir(runId, 'silver-parts');
  const rowsFile = path.join(lake.tempDir(), `${runId}-rows.parquet`);
  const classifiedFile = path.join(lake.tempDir(), `${runId}-classified.parquet`);
  const uploaded: string[] = [];
  let published = false;
  try {
    await fs.mkdir(lake.tempDir(), { recursive: true });
    const parts = await lake.bronzePartGlobs([
      ...new Set(plan.added.filter((f) => f.rows > 0).map((f) => f.part)),
    ]);
    await engine.run(`CREATE OR REPLACE TEMP TABLE manifest_files AS ${pairsSql(visible)}`);
    await engine.run(`CREATE OR REPLACE TEMP TABLE new_files AS ${pairsSql(plan.added)}`);
    // Only rows of files the manifest lists with their current checksum are visible (re-ingested files replace old
    // rows). Header-only files leave no part at all: bronze is then an empty relation with only the lineage columns.
    await engine.run(`CREATE OR REPLACE TEMP VIEW bronze_new AS
    ${parts.length === 0 ? emptyBronzeSql() : `SELECT b.* FROM read_parquet([${parts.map(quoteLiteral).join(', ')}], union_by_name = true) b`}
    SEMI JOIN new_files m ON b._source_file = m.file AND b._file_sha256 = m.sha`);
    const described = await engine.all(`DESCRIBE bronze_new`);
    const available = new Set(described.map((r) => String(r.column_name)));
    await engine.run(sourceRowsSql(spec, available, 'bronze_new', 'src_new'));
    // Which partitions each new file's rows fall in: the touched partitions, and the next file index.
    const addedPartitions = new Map<string, string[]>();
    for (const r of await engine.all(
      `SELECT source_file AS f, file_sha256 AS s, list(DISTINCT pkey) AS p FROM src_new GROUP BY 1, 2`,
    ))
      addedPartitions.set(`${String(r.f)}\u0000${String(r.s)}`, (r.p as unknown[]).map(String));
    const touched = backfill
      ? ctx.backfill!.dates.filter((k) => backfill.partitionState[k])
      : [...new Set([...plan.removedFrom, ...[...addedPartitions.values()].flat()])].sort();
    // The touched partitions' earlier rows (still visible ones only) plus the new rows: the full run's input,
    // restricted to these partitions, since every copy of a line lies in the partition of its raw date.
    const oldRows = full
      ? []
      : await lake.partitionFiles(
          touched.flatMap((k) => (base.partitionState[k] ? [base.partitionState[k].rows.key] : [])),
        );
    const oldSql =
      oldRows.length === 0
        ? ''
        : `SELECT o.* FROM read_parquet([${oldRows.map(quoteLiteral).join(', ')}]) o
           SEMI JOIN manifest_files m ON o.source_file = m.file AND o.file_sha256 = m.sha UNION ALL BY NAME `;
    ctx.progress.step(
      'silver',
      `${full ? 'full rebuild' : 'incremental'}: ${plan.added.length} new file(s), ${touched.length} partition(s)`,
    );
    await engine.run(
      `COPY (${oldSql}SELECT * FROM src_new) TO ${quoteLiteral(rowsFile)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    await engine.run(
      `CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM read_parquet(${quoteLiteral(rowsFile)})`,
    );
    const dirOf = (t: StagedTable): string => path.join(partsDir, t);
    await engine.run(rowStoreSql(dirOf('_rows')));
    if (ctx.compute) {
      // engine.type spark: the row-by-row work (duplicates, parsing, classification) runs on Spark over the row
      // store just written to local scratch; the embedded engine reads the classified dataset back and writes the
      // lake's partitioned files exactly as it does alone (docs/adr/0031-spark-engine.md).
      const { engine: spark, dialect: d } = ctx.compute;
      await spark.run(`CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM ${d.readParquet(rowsFile)}`);
      for (const sql of [
        duplicateGroupsSql(d),
        rankDuplicatesSql(),
        normaliseSql(spec, d),
        classifySql(spec, classifiedFile, d),
      ])
        await spark.run(sql);
      await engine.run(classifiedViewSql(path.join(classifiedFile, '*.parquet')));
    } else {
      // Only the duplicate groups and the classified rows are materialised; the rest are views over them.
      for (const sql of [
        duplicateGroupsSql(),
        rankDuplicatesSql(),
        normaliseSql(spec),
        classifySql(spec, classifiedFile),
        classifiedViewSql(classifiedFile),
      ]) {
        await engine.run(sql);
      }
    }
    await engine.run(duplicatesTableSql('staged_duplicates'));
    await copyPartitioned(engine, 'staged_duplicates', dirOf('duplicates'), 'source_file, source_line');
    const rebuiltCounts = await readPartitionCounts(ctx);
    // A failed partition keeps its previous content: it stays with the kept ones and publishes nothing of its own.
    const failed = failedPartitions(ctx, touched);
    const done = touched.filter((k) => !failed.has(k));
    const touchedSet = new Set(done);
    const kept = Object.entries(base?.partitionState ?? {}).filter(([k]) => !touchedSet.has(k));
    const counts = sumCounts([
      ...kept.map(([, s]) => s.counts),
      ...[...rebuiltCounts].filter(([k]) => !failed.has(k)).map(([, p]) => p.counts),
    ]);
    const outcomes = (lost?: string) =>
      ctx.backfill
        ? {
            partitionOutcomes: {
              requested: ctx.backfill.dates,
              failed: ctx.backfill.dates.flatMap((date) => {
                const reason = failed.get(date) ?? (lost && touchedSet.has(date) ? lost : undefined);
                return reason ? [{ date, reason }] : [];
              }),
            },
          }
        : {};
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
    // Once per run, never per row: distinct dates, countries and descriptions in, lookup tables out. The lookup
    // tables cover the kept partitions too (their dates and countries are in the meta), so they equal a full run's.
    const enrichment = await enrichSilverLines(ctx, {
      dates: kept.filter(([k, s]) => k !== UNKNOWN_PARTITION && s.counts.silverRows > 0).map(([k]) => k),
      countries: kept.flatMap(([, s]) => s.countries),
    });
    await engine.run(salesLinesSql(spec, dirOf('sales_lines')));
    await engine.run(quarantineTableSql('staged_quarantine'));
    await copyPartitioned(engine, 'staged_quarantine', dirOf('quarantine'), 'source_file, source_line');
    await engine.run(countriesSql(path.join(staging, 'countries.parquet')));
    await engine.run(fxRatesSql(path.join(staging, 'fx_rates.parquet')));
    const staged = new Map<StagedTable, Map<string, string>>();
    for (const t of PARTITIONED_TABLES) staged.set(t, await stagedPartitionFiles(ctx, dirOf(t)));
    await auditWritten(ctx, staged, rebuiltCounts, staging, enrichment);
    if (backfill && done.length === 0) {
      return result(
        'Succeeded',
        backfill,
        counts.bronzeRows,
        0,
        started,
        inputs,
        outputs,
        { version: current!.version, partitions: { full: false, keys: [] }, ...outcomes() },
        'backfill: no partition recomputed; nothing published',
      );
    }
    // User-declared checks on the staged tables, before anything is stored (write–audit–publish).
    const checks = await runSilverChecks(ctx, staged, base?.partitions, touchedSet);
    if (checksVerdict(checks.results) === 'Failed') {
      return result(
        'Failed',
        { counts, quality, enrichment },
        counts.bronzeRows,
        0,
        started,
        inputs,
        outputs,
        { checks: checks.results, ...outcomes('quality check failed') },
        `quality check failed: ${failingNames(checks.results, 'error').join(', ')}; nothing published`,
      );
    }

    const prefix = partsPrefix('silver', dataset);
    const toStore: { local: string; key: string }[] = [];
    const rebuilt: RebuiltPartition[] = [...rebuiltCounts].flatMap(([key, p]) => {
      if (failed.has(key)) return [];
      const tables: RebuiltPartition['tables'] = {};
      for (const t of PARTITIONED_TABLES) {
        const local = staged.get(t)!.get(key);
        if (!local) continue;
        const fileKey = `${prefix}${t}/business_date=${key}/${runId}.parquet`;
        toStore.push({ local, key: fileKey });
        tables[t] = { key: fileKey, rows: expectedRows(t, p.counts) };
      }
      return [{ key, tables, counts: p.counts, countries: p.countries }];
    });
    const map = nextPartitionMap(
      base && { partitions: base.partitions, state: base.partitionState },
      done,
      rebuilt,
      runId,
    );
    const stepStatus =
      enrichment?.degraded || checksVerdict(checks.results) === 'Degraded' ? 'Degraded' : status;
    const meta: SilverMeta = {
      runId,
      bronzeVersion: builtFrom,
      fingerprint,
      counts,
      quality,
      status: stepStatus,
      enrichment,
      partitions: map.partitions,
      partitionState: map.state,
      files: backfill ? backfill.files : nextFileIndex(base?.files, manifest.files, addedPartitions),
      touched: { full, keys: done },
    };
    uploaded.push(...toStore.map((f) => f.key));
    await lake.storePartitionFiles(toStore);
    const own = new Set(uploaded);
    let rebase = false;
    const outcome = await lake.publishLayer<SilverMeta>('silver', runId, staging, meta, {
      retain: spec.lake.retainVersions,
      expected: current,
      // A concurrent run published first: ours replaces theirs only if built from a newer bronze manifest, and
      // only while every file it shares with older versions is still there (their publish may have pruned some).
      replace: async (theirs) => {
        // A backfill is a change to the version it read: on top of another one, it is recomputed on that one.
        if (backfill) {
          rebase = true;
          return false;
        }
        if (theirs.meta.bronzeVersion === manifest.version) {
          if (theirs.meta.fingerprint === fingerprint) return false;
          throw new ConflictError(
            `silver: concurrent run ${theirs.meta.runId} published version ${theirs.version} from the same bronze version ${manifest.version} with different silver settings; nothing published`,
          );
        }
        if (theirs.meta.bronzeVersion > manifest.version) return false;
        const shared = referencedKeys(meta, prefix).filter((k) => !own.has(k));
        if (await lake.partitionFilesExist(shared)) return true;
        rebase = true;
        return false;
      },
    });
    if (!outcome.published) {
      await lake.deletePartitionFiles(uploaded);
      uploaded.length = 0;
      if (rebase) return 'rebase';
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
        { version: theirs.version, superseded: true, partitions: { full: false, keys: [] } },
        note,
      );
    }
    published = true;
    await commitStepChecks(ctx, checks);
    const dir = outcome.dir;
    ctx.progress.step(
      'silver',
      `published version ${runId}: ${counts.silverRows.toLocaleString('en-GB')} rows, ${counts.quarantined} quarantined, ${counts.duplicates} duplicates; ${describePartitions(meta.touched)}`,
    );
    const warned = failingNames(checks.results, 'warn');
    const notes = [
      ...(enrichment?.degraded ? [`enrichment degraded: ${enrichment.degradedReasons.join('; ')}`] : []),
      ...(warned.length > 0 ? [`quality check warned: ${warned.join(', ')}`] : []),
    ];
    const note = notes.length > 0 ? notes.join('; ') : undefined;
    return result(
      stepStatus,
      meta,
      counts.bronzeRows,
      counts.silverRows,
      started,
      inputs,
      outputs,
      {
        version: runId,
        dir,
        enrichment,
        partitions: meta.touched,
        ...outcomes(),
        ...(checks.results.length > 0 ? { checks: checks.results } : {}),
      },
      note,
    );
  } finally {
    // A run that fails after uploading leaves no file behind (only its own, never shared ones).
    if (!published && uploaded.length > 0) await lake.deletePartitionFiles(uploaded).catch(() => undefined);
    await lake.discardStaging(runId, 'silver');
    await lake.discardStaging(runId, 'silver-parts');
    for (const sql of ['DROP VIEW IF EXISTS classified', ...dropEnrichmentSql()]) await engine.run(sql);
    // A file on DuckDB, a directory of part files on Spark.
    await fs.rm(classifiedFile, { force: true, recursive: true });
    if (ctx.compute)
      for (const v of ['normalised', 'ranked', 'dup_groups', 'src'])
        await ctx.compute.engine.run(`DROP VIEW IF EXISTS ${v}`).catch(() => undefined);
    await fs.rm(rowsFile, { force: true });
    await engine.run('DROP TABLE IF EXISTS dup_groups');
    for (const v of ['normalised', 'ranked', 'src', 'src_new', 'bronze_new'])
      await engine.run(`DROP VIEW IF EXISTS ${v}`);
    for (const t of ['manifest_files', 'new_files', 'staged_duplicates', 'staged_quarantine'])
      await engine.run(`DROP TABLE IF EXISTS ${t}`);
  }
}
