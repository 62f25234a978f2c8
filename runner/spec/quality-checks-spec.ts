import { z } from 'zod';
import { CHECK_KINDS } from '../quality/check-result.js';
import { checkTableColumns, CHECK_TABLES, type CheckLayer } from '../quality/checks/check-tables.js';

/**
 * `spec.quality.checks`: quality checks users declare on silver and gold tables (docs/quality.md, ADR 0027).
 * One flat object rather than a union per kind, because a CRD's structural schema cannot express unions; the
 * per-kind rules (which fields a kind needs, which columns a table has) are refinements, reported with their path
 * and line by `medallion validate` and by admission.
 */

export const ANOMALY_METRICS = ['rowCount', 'revenue', 'sum', 'distinctCount', 'quarantineRatio'] as const;
export const ANOMALY_DEFAULTS = {
  baseline: 'sameWeekday',
  window: 8,
  minHistory: 4,
  threshold: 3.5,
  direction: 'both',
  maxDrop: 0.4,
} as const;
export const SQL_CHECK_DEFAULT_TIMEOUT_SECONDS = 30;

const layer = z.enum(['silver', 'gold']);
const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case column or table name such as customer_id');

export const QualityCheckSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label such as lines-have-invoice')
      .max(63)
      .describe('Name of the check, unique within the pipeline; results, metrics and samples use it.'),
    kind: z
      .enum(CHECK_KINDS)
      .describe(
        'notNull, unique, acceptedValues, range, rowCount, freshness, sql, referential or anomaly (docs/quality.md).',
      ),
    layer: layer.describe('Layer of the checked table: silver or gold.'),
    table: identifier.describe(
      'Checked table: sales_lines, quarantine or duplicates in silver; any gold table (kpis, kpi_daily, rfm…).',
    ),
    severity: z
      .enum(['error', 'warn'])
      .default('error')
      .describe(
        'error fails the step before it publishes anything; warn publishes and makes the run Degraded.',
      ),
    filter: z
      .string()
      .min(1)
      .optional()
      .describe("SQL condition restricting the rows checked, e.g. line_type = 'sale'."),
    scope: z
      .enum(['touched', 'table'])
      .default('touched')
      .describe(
        'touched: only the partitions this run recomputed (silver); table: the whole table. Gold tables are always checked whole.',
      ),
    columns: z
      .array(identifier)
      .min(1)
      .optional()
      .describe(
        'notNull: columns that must hold a value; unique: the columns whose combination must be unique.',
      ),
    column: identifier
      .optional()
      .describe(
        'The column of acceptedValues, range, freshness and referential, and of the sum and distinctCount metrics.',
      ),
    values: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('acceptedValues: the allowed values (compared as text); nulls are not checked.'),
    min: z.number().optional().describe('range and rowCount: lowest allowed value (inclusive).'),
    max: z.number().optional().describe('range and rowCount: highest allowed value (inclusive).'),
    maxAgeHours: z
      .number()
      .positive()
      .optional()
      .describe(
        'freshness: the newest value of column may be at most this many hours before the run started.',
      ),
    expression: z
      .string()
      .min(1)
      .optional()
      .describe(
        'sql: a boolean SQL expression every row must satisfy (rows where it is false or null fail).',
      ),
    query: z
      .string()
      .min(1)
      .optional()
      .describe('sql: a single SELECT over the table (by its name) returning the failing rows.'),
    timeoutSeconds: z
      .number()
      .positive()
      .max(3600)
      .optional()
      .describe(
        `sql: seconds the check may run before it is interrupted (default ${SQL_CHECK_DEFAULT_TIMEOUT_SECONDS}).`,
      ),
    references: z
      .object({
        layer: layer.describe('Layer of the referenced table.'),
        table: identifier.describe('Referenced table.'),
        column: identifier.describe('Referenced column.'),
      })
      .strict()
      .optional()
      .describe('referential: every non-null value of column must be present in this table column.'),
    metric: z
      .enum(ANOMALY_METRICS)
      .optional()
      .describe(
        'anomaly: rowCount, revenue (Σ line_amount of sales), sum or distinctCount of column, or quarantineRatio.',
      ),
    baseline: z
      .enum(['recent', 'sameWeekday'])
      .optional()
      .describe(
        'anomaly: compare with the same weekday (sameWeekday, default) or with the last values whatever their day (recent).',
      ),
    window: z
      .number()
      .int()
      .min(3)
      .max(1000)
      .optional()
      .describe('anomaly: history values compared (default 8).'),
    minHistory: z
      .number()
      .int()
      .min(3)
      .max(1000)
      .optional()
      .describe('anomaly: history values needed before it judges (default 4); fewer: insufficientHistory.'),
    threshold: z
      .number()
      .positive()
      .optional()
      .describe('anomaly: largest allowed robust z-score |0.6745 (x − median) / MAD| (default 3.5).'),
    direction: z
      .enum(['both', 'low', 'high'])
      .optional()
      .describe('anomaly: flag values that are too low, too high or both (default both).'),
    maxDrop: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        'anomaly: also flag a value more than this fraction below the baseline median (default 0.4; 1 turns it off).',
      ),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (message: string, path: (string | number)[] = []): void =>
      ctx.addIssue({ code: 'custom', message, path });
    const columns = checkTableColumns(c.layer as CheckLayer, c.table);
    if (!columns) {
      issue(
        `unknown ${c.layer} table "${c.table}"; use one of ${Object.keys(CHECK_TABLES[c.layer]).join(', ')}`,
        ['table'],
      );
    } else {
      const known = (col: string, at: (string | number)[]): void => {
        if (!columns.includes(col))
          issue(`unknown column "${col}" of ${c.layer}.${c.table}; it has ${columns.join(', ')}`, at);
      };
      c.columns?.forEach((col, i) => known(col, ['columns', i]));
      if (c.column) known(c.column, ['column']);
    }
    if (c.references) {
      if (c.layer === 'silver' && c.references.layer === 'gold')
        issue('a silver check can reference only silver tables: gold is built after silver', [
          'references',
          'layer',
        ]);
      const ref = checkTableColumns(c.references.layer as CheckLayer, c.references.table);
      if (!ref) issue(`unknown ${c.references.layer} table "${c.references.table}"`, ['references', 'table']);
      else if (!ref.includes(c.references.column))
        issue(`unknown column "${c.references.column}" of ${c.references.layer}.${c.references.table}`, [
          'references',
          'column',
        ]);
    }
    const need = (field: keyof typeof c, why: string): void => {
      if (c[field] === undefined) issue(`${c.kind} needs ${String(field)} (${why})`, [field]);
    };
    switch (c.kind) {
      case 'notNull':
      case 'unique':
        need('columns', 'the checked columns');
        break;
      case 'acceptedValues':
        need('column', 'the checked column');
        need('values', 'the allowed values');
        break;
      case 'range':
        need('column', 'the checked column');
        if (c.min === undefined && c.max === undefined) issue('range needs min, max or both', ['min']);
        break;
      case 'rowCount':
        if (c.min === undefined && c.max === undefined) issue('rowCount needs min, max or both', ['min']);
        break;
      case 'freshness':
        need('column', 'a date or timestamp column');
        need('maxAgeHours', 'the largest allowed age');
        break;
      case 'sql':
        if ((c.expression === undefined) === (c.query === undefined))
          issue('sql needs exactly one of expression and query', ['expression']);
        break;
      case 'referential':
        need('column', 'the checked column');
        need('references', 'the table and column that must hold each value');
        break;
      case 'anomaly':
        need('metric', 'what to measure');
        if ((c.metric === 'sum' || c.metric === 'distinctCount') && c.column === undefined)
          issue(`metric ${c.metric} needs column`, ['column']);
        if (c.metric === 'revenue' && !(c.layer === 'silver' && c.table === 'sales_lines'))
          issue('metric revenue is measured on silver sales_lines', ['metric']);
        if (c.metric === 'quarantineRatio' && c.layer !== 'silver')
          issue('metric quarantineRatio is measured on silver (sales_lines and quarantine)', ['metric']);
        break;
    }
  })
  .describe('One user-declared quality check (docs/quality.md).');

export const QualityChecksSchema = z
  .array(QualityCheckSchema)
  .default([])
  .superRefine((checks, ctx) => {
    const seen = new Set<string>();
    checks.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({ code: 'custom', message: `check name "${c.name}" is used twice`, path: [i, 'name'] });
      seen.add(c.name);
    });
  })
  .describe('Checks users declare on silver and gold tables, run on staged data before publishing.');

export type QualityCheck = z.infer<typeof QualityCheckSchema>;
