import fs from 'node:fs/promises';
import path from 'node:path';
import { createSqlSandbox, type SqlSandbox } from '../../engine/sql-sandbox.js';
import { quoteLiteral } from '../../engine/sql-quote.js';
import type { Logger } from '../../logger.js';
import type { Storage } from '../../storage/storage.js';
import {
  ANOMALY_DEFAULTS,
  SQL_CHECK_DEFAULT_TIMEOUT_SECONDS,
  type QualityCheck,
} from '../../spec/quality-checks-spec.js';
import type { CheckResult } from '../check-result.js';
import { judgeAnomaly, type AnomalyJudgement, type HistoryPoint } from './anomaly.js';
import { anomalyMetricSql } from './anomaly-sql.js';
import { judgeValue, renderCheck } from './check-sql.js';
import { relationSql, type TableFiles } from './check-relations.js';
import type { CheckLayer } from './check-tables.js';
import type { MetricPoints } from './metric-history.js';
import { sampleKey, storeSample } from './check-samples.js';

export const SAMPLE_ROWS = 20;

type Scope = 'touched' | 'table';

export interface RunChecksInput {
  /** The checks of this step's layer. */
  checks: QualityCheck[];
  layer: CheckLayer;
  /** Files of a table as this run would publish it: the touched partitions, or the whole table. */
  tableFiles(layer: CheckLayer, table: string, scope: Scope): Promise<TableFiles>;
  /** Whether a layer's table is partitioned (silver); gold tables are always checked whole. */
  partitioned: boolean;
  runId: string;
  dataset: string;
  now: Date;
  storage: Storage;
  /** Local scratch directory for samples before they are stored. */
  scratchDir: string;
  history: MetricPoints;
  memoryLimit: string;
  logger: Logger;
}

export interface ChecksOutcome {
  results: CheckResult[];
  /** New anomaly metric points, committed with the run once it publishes. */
  points: MetricPoints;
}

const viewName = (layer: string, table: string, scope: Scope): string => `${layer}__${table}__${scope}`;
const timeoutMs = (c: QualityCheck): number =>
  (c.timeoutSeconds ?? (c.kind === 'sql' ? SQL_CHECK_DEFAULT_TIMEOUT_SECONDS : 600)) * 1000;

/** The thin runner: views over the staged files in a locked sandbox, one query (plus a sample) per check. */
export async function runChecks(o: RunChecksInput): Promise<ChecksOutcome> {
  const results: CheckResult[] = [];
  const points: MetricPoints = {};
  if (o.checks.length === 0) return { results, points };
  await fs.mkdir(o.scratchDir, { recursive: true });
  const scopeOf = (c: QualityCheck): Scope => (o.partitioned ? c.scope : 'table');
  // Every relation the built-in kinds read: the checked table, a referenced one, both silver tables of a ratio.
  const needs = new Map<string, { layer: CheckLayer; table: string; scope: Scope }>();
  const need = (layer: CheckLayer, table: string, scope: Scope): string => {
    const s = layer === o.layer ? (o.partitioned ? scope : 'table') : 'table';
    const name = viewName(layer, table, s);
    needs.set(name, { layer, table, scope: s });
    return name;
  };
  for (const c of o.checks.filter((x) => x.kind !== 'sql')) {
    need(o.layer, c.table, scopeOf(c));
    if (c.references) need(c.references.layer as CheckLayer, c.references.table, 'table');
    if (c.metric === 'quarantineRatio') {
      need('silver', 'sales_lines', scopeOf(c));
      need('silver', 'quarantine', scopeOf(c));
    }
  }
  const views: Record<string, string> = {};
  const readable: string[] = [];
  for (const [name, t] of needs) {
    const files = await o.tableFiles(t.layer, t.table, t.scope);
    readable.push(...files.files.map((f) => f.path));
    views[`${name}__p`] = relationSql(t.layer, t.table, files);
    views[name] = `SELECT * EXCLUDE (_partition) FROM "${name}__p"`;
  }
  const shared =
    needs.size === 0
      ? undefined
      : await createSqlSandbox({ views, readable, writableDir: o.scratchDir, memoryLimit: o.memoryLimit });
  try {
    for (const c of o.checks) {
      const started = performance.now();
      const base = {
        name: c.name,
        kind: c.kind,
        severity: c.severity,
        layer: o.layer,
        table: c.table,
        scope: scopeOf(c),
      } as const;
      try {
        const r =
          c.kind === 'sql'
            ? await sqlCheck(o, c, scopeOf(c))
            : c.kind === 'anomaly'
              ? await anomalyCheck(o, c, shared!, scopeOf(c), points)
              : await builtInCheck(o, c, shared!, need(o.layer, c.table, scopeOf(c)));
        results.push({ ...base, ...r, durationSeconds: seconds(started) });
      } catch (e) {
        const message = `could not evaluate: ${(e as Error).message}`;
        o.logger.warn({ check: c.name, err: (e as Error).message }, 'quality check errored');
        results.push({
          ...base,
          status: 'errored',
          failingRows: 0,
          message,
          durationSeconds: seconds(started),
        });
      }
    }
  } finally {
    shared?.close();
  }
  return { results, points };
}

const seconds = (started: number): number => Math.round(performance.now() - started) / 1000;

type Judged = Omit<
  CheckResult,
  'name' | 'kind' | 'severity' | 'layer' | 'table' | 'scope' | 'durationSeconds'
>;

async function rowsVerdict(
  o: RunChecksInput,
  c: QualityCheck,
  box: SqlSandbox,
  failingSql: string,
): Promise<Judged> {
  const why = await box.whyNotSelect(failingSql);
  if (why) throw new Error(`the check's SQL must be one SELECT (${why})`);
  const [row] = await box.all(`SELECT count(*) AS n FROM (${failingSql}) f`, timeoutMs(c));
  const n = Number(row?.n ?? 0);
  if (n === 0) return { status: 'passed', failingRows: 0, message: 'no failing rows' };
  const local = path.join(o.scratchDir, `${o.layer}-${c.name}.parquet`);
  await box.run(
    `COPY (SELECT * FROM (${failingSql}) f LIMIT ${SAMPLE_ROWS}) TO ${quoteLiteral(local)} (FORMAT parquet)`,
    timeoutMs(c),
  );
  const key = sampleKey(o.dataset, o.runId, o.layer, c.name);
  await storeSample(o.storage, key, local);
  return {
    status: 'failed',
    failingRows: n,
    observed: n,
    message: `${n} failing row${n === 1 ? '' : 's'}; a sample of up to ${SAMPLE_ROWS} is at ${key}`,
    sampleKey: key,
  };
}

async function builtInCheck(
  o: RunChecksInput,
  c: QualityCheck,
  box: SqlSandbox,
  rel: string,
): Promise<Judged> {
  const reference = c.references && `"${viewName(c.references.layer, c.references.table, 'table')}"`;
  const r = renderCheck(c, `"${rel}"`, reference);
  if (r.level === 'rows') return rowsVerdict(o, c, box, r.failingSql);
  const why = await box.whyNotSelect(r.valueSql);
  if (why) throw new Error(`the check's SQL must be one SELECT (${why})`);
  const [row] = await box.all(r.valueSql, timeoutMs(c));
  const v = row?.v === null || row?.v === undefined ? null : Number(row.v);
  const j = judgeValue(c, v, o.now);
  return {
    status: j.passed ? 'passed' : 'failed',
    failingRows: j.passed ? 0 : 1,
    ...(j.observed === undefined ? {} : { observed: j.observed }),
    expected: j.expected,
    message: j.message,
  };
}

/** A sql check gets a sandbox of its own that holds its one table, under the table's own name. */
async function sqlCheck(o: RunChecksInput, c: QualityCheck, scope: Scope): Promise<Judged> {
  const files = await o.tableFiles(o.layer, c.table, scope);
  const box = await createSqlSandbox({
    views: {
      [`${c.table}__p`]: relationSql(o.layer, c.table, files),
      [c.table]: `SELECT * EXCLUDE (_partition) FROM "${c.table}__p"`,
    },
    readable: files.files.map((f) => f.path),
    writableDir: o.scratchDir,
    memoryLimit: o.memoryLimit,
  });
  try {
    if (c.query !== undefined) {
      const why = await box.whyNotSelect(c.query);
      if (why) throw new Error(`query must be one SELECT (${why})`);
    }
    const r = renderCheck(c, `"${c.table}"`);
    if (r.level !== 'rows') throw new Error('unreachable');
    return await rowsVerdict(o, c, box, r.failingSql);
  } finally {
    box.close();
  }
}

async function anomalyCheck(
  o: RunChecksInput,
  c: QualityCheck,
  box: SqlSandbox,
  scope: Scope,
  points: MetricPoints,
): Promise<Judged> {
  const byPartition = o.partitioned && scope === 'touched';
  const v = (table: string): string => `"${viewName(o.layer, table, scope)}__p"`;
  const sql = anomalyMetricSql(
    c,
    { lines: v('sales_lines'), quarantine: v('quarantine'), table: v(c.table) },
    byPartition,
  );
  const rows = await box.all(sql, timeoutMs(c));
  const today = o.now.toISOString().slice(0, 10);
  const measured: HistoryPoint[] = rows
    .filter((r) => !byPartition || /^\d{4}-\d{2}-\d{2}$/.test(String(r.k)))
    .map((r) =>
      byPartition
        ? { key: String(r.k), date: String(r.k), value: Number(r.v ?? 0) }
        : { key: o.runId, date: today, value: Number(r.v ?? 0) },
    );
  if (!byPartition && measured.length === 0) measured.push({ key: o.runId, date: today, value: 0 });
  measured.sort((a, b) => a.key.localeCompare(b.key));
  points[c.name] = measured;
  const all = [
    ...(o.history[c.name] ?? []).filter((p) => !measured.some((m) => m.key === p.key)),
    ...measured,
  ];
  const judged = measured.map((p) => judgeAnomaly(c, p, all));
  const flagged = judged.filter((j) => j.flagged);
  const rated = judged.filter((j) => j.z !== null);
  const describe = (j: AnomalyJudgement): string =>
    `${j.key}: ${round(j.value)} vs median ${round(j.median)} (${j.change === null ? '' : `${Math.round(j.change * 100)} %, `}MAD ${round(j.mad)}, z ${round(j.z!)}${j.reason ? `, by ${j.reason}` : ''})`;
  const d: AnomalySettings = { ...ANOMALY_DEFAULTS, ...definedOnly(c) };
  if (rated.length === 0)
    return {
      status: 'insufficientHistory',
      failingRows: 0,
      ...(measured.length > 0 ? { observed: measured.at(-1)!.value } : {}),
      expected: `at least ${d.minHistory} earlier values`,
      message: `${c.metric}: ${judged.length === 0 ? 'nothing measured' : `only ${Math.max(...judged.map((j) => j.history))} earlier values`}; not judged yet`,
    };
  const worst = [...rated].sort((a, b) => Math.abs(b.z!) - Math.abs(a.z!))[0]!;
  const expected = `|robust z| ≤ ${d.threshold}${d.direction === 'high' ? '' : ` and at most ${Math.round(d.maxDrop * 100)} % below the median`} (${d.baseline}, last ${d.window})`;
  if (flagged.length === 0)
    return {
      status: 'passed',
      failingRows: 0,
      observed: worst.value,
      expected,
      message: `${c.metric} within history; largest ${describe(worst)}`,
    };
  const local = path.join(o.scratchDir, `${o.layer}-${c.name}.parquet`);
  const values = flagged
    .map(
      (j) =>
        `(${quoteLiteral(j.key)}, ${j.value}, ${j.median}, ${j.mad}, ${Number.isFinite(j.z!) ? j.z : 'NULL'}, ${j.change ?? 'NULL'}, ${quoteLiteral(j.reason ?? '')}, ${j.history})`,
    )
    .join(', ');
  await box.run(
    `COPY (SELECT * FROM (VALUES ${values}) t(key, value, median, mad, z, change, reason, history) LIMIT ${SAMPLE_ROWS}) TO ${quoteLiteral(local)} (FORMAT parquet)`,
    timeoutMs(c),
  );
  const key = sampleKey(o.dataset, o.runId, o.layer, c.name);
  await storeSample(o.storage, key, local);
  return {
    status: 'failed',
    failingRows: flagged.length,
    observed: flagged[0]!.value,
    expected,
    message: `${c.metric} anomalous on ${flagged.length} of ${rated.length} judged: ${flagged.slice(0, 3).map(describe).join('; ')}${flagged.length > 3 ? '; …' : ''}`,
    sampleKey: key,
  };
}

const round = (x: number): string => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : String(x));

/** The anomaly settings a check wrote, so that spreading them over the defaults keeps the defaults of the rest. */
type AnomalySettings = Required<
  Pick<QualityCheck, 'baseline' | 'window' | 'minHistory' | 'threshold' | 'direction' | 'maxDrop'>
>;
const definedOnly = (c: QualityCheck): Partial<AnomalySettings> =>
  Object.fromEntries(
    (['baseline', 'window', 'minHistory', 'threshold', 'direction', 'maxDrop'] as const)
      .filter((k) => c[k] !== undefined)
      .map((k) => [k, c[k]]),
  );
