import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../runner/quality/check-result.js';
import { CHECK_TABLES } from '../../runner/quality/checks/check-tables.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * Every check kind on a hand-built day of sales, once passing and once failing (severity warn, so the run
 * publishes and is Degraded), with the failing rows' sample read back from the lake.
 */
const LINES = [
  '536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
  '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom',
  '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047.0,France',
  '536368,22960,JAM MAKING SET WITH JARS,6,2010-12-01 08:34:00,4.25,13047.0,France',
  '536369,21756,BATH BUILDING BLOCK WORD,3,2010-12-01 08:35:00,12.50,13047.0,France',
  // Quarantined: no quantity.
  '536370,22728,ALARM CLOCK BAKELIKE PINK,,2010-12-01 08:45:00,3.75,12583.0,France',
];

const check = (yaml: string): string => `      - { ${yaml} }`;
const CHECKS = [
  // notNull
  check(
    `name: invoice-present, kind: notNull, layer: silver, table: sales_lines, columns: [invoice_no, stock_code], severity: warn`,
  ),
  check(
    `name: customer-present, kind: notNull, layer: silver, table: sales_lines, columns: [customer_id], severity: warn`,
  ),
  // unique
  check(
    `name: line-unique, kind: unique, layer: silver, table: sales_lines, columns: [source_file, source_line], severity: warn`,
  ),
  check(
    `name: invoice-unique, kind: unique, layer: silver, table: sales_lines, columns: [invoice_no], severity: warn`,
  ),
  // acceptedValues
  check(
    `name: known-line-type, kind: acceptedValues, layer: silver, table: sales_lines, column: line_type, values: [sale, cancellation, adjustment, non_merchandise, stock_adjustment, zero_price], severity: warn`,
  ),
  check(
    `name: uk-only, kind: acceptedValues, layer: silver, table: sales_lines, column: country, values: [United Kingdom], severity: warn`,
  ),
  // range
  check(
    `name: quantity-sane, kind: range, layer: silver, table: sales_lines, column: quantity, min: -100000, max: 100000, severity: warn`,
  ),
  check(
    `name: cheap-items, kind: range, layer: silver, table: sales_lines, column: unit_price, max: 5, severity: warn`,
  ),
  // rowCount (with a filter)
  check(
    `name: some-sales, kind: rowCount, layer: silver, table: sales_lines, min: 1, filter: "line_type = 'sale'", severity: warn`,
  ),
  check(`name: many-sales, kind: rowCount, layer: silver, table: sales_lines, min: 1000, severity: warn`),
  // freshness: the run starts in the present, the data is from 2010
  check(
    `name: fresh-enough-for-history, kind: freshness, layer: silver, table: sales_lines, column: business_date, maxAgeHours: 10000000, severity: warn`,
  ),
  check(
    `name: fresh-today, kind: freshness, layer: silver, table: sales_lines, column: invoice_ts, maxAgeHours: 24, severity: warn`,
  ),
  // sql: an expression, and a query returning failing rows
  check(
    `name: positive-amount, kind: sql, layer: silver, table: sales_lines, expression: "line_amount > 0", severity: warn`,
  ),
  // every line of the day is worth 10 or more
  check(
    `name: under-ten-pounds, kind: sql, layer: silver, table: sales_lines, expression: "line_amount < 10", severity: warn`,
  ),
  check(
    `name: no-french-jam, kind: sql, layer: silver, table: sales_lines, query: "SELECT invoice_no, stock_code FROM sales_lines WHERE country = 'France' AND description LIKE '%JAM%'", severity: warn`,
  ),
  // referential: gold customers exist in silver lines; silver lines' stock codes are in quarantine (they are not)
  check(
    `name: rfm-customers-known, kind: referential, layer: gold, table: rfm, column: customer_id, references: { layer: silver, table: sales_lines, column: customer_id }, severity: warn`,
  ),
  check(
    `name: codes-in-quarantine, kind: referential, layer: silver, table: sales_lines, column: stock_code, references: { layer: silver, table: quarantine, column: stock_code }, severity: warn`,
  ),
  // gold tables
  check(
    `name: daily-revenue-positive, kind: range, layer: gold, table: kpi_daily, column: revenue, min: 0, severity: warn`,
  ),
  check(
    `name: daily-revenue-large, kind: range, layer: gold, table: kpi_daily, column: revenue, min: 1000000, severity: warn`,
  ),
  // anomaly: one day of history is not enough to judge
  check(
    `name: daily-lines, kind: anomaly, layer: silver, table: sales_lines, metric: rowCount, severity: warn`,
  ),
];

const PAIRS: [kind: string, passing: string, failing: string, failingRows: number][] = [
  ['notNull', 'invoice-present', 'customer-present', 1],
  ['unique', 'line-unique', 'invoice-unique', 2],
  ['acceptedValues', 'known-line-type', 'uk-only', 3],
  ['range', 'quantity-sane', 'cheap-items', 1],
  ['rowCount', 'some-sales', 'many-sales', 1],
  ['freshness', 'fresh-enough-for-history', 'fresh-today', 1],
  ['sql', 'positive-amount', 'under-ten-pounds', 6],
  ['referential', 'rfm-customers-known', 'codes-in-quarantine', 6],
  ['range (gold)', 'daily-revenue-positive', 'daily-revenue-large', 1],
];

describe('declared quality checks on a hand-built fixture', () => {
  let f: Fixture;
  let summary: RunSummary;
  let results: Map<string, CheckResult>;

  beforeAll(async () => {
    f = createFixture(
      `  quality:\n    minScore: 0.1\n    maxQuarantineRatio: 1\n    checks:\n${CHECKS.join('\n')}`,
    );
    f.write('2010-12-01.csv', `${HEADER}\n${LINES.join('\n')}\n`);
    summary = await f.run({ steps: ['bronze', 'silver', 'gold'] });
    const all = [
      ...((summary.steps.silver?.checks as CheckResult[] | undefined) ?? []),
      ...((summary.steps.gold?.checks as CheckResult[] | undefined) ?? []),
    ];
    results = new Map(all.map((r) => [r.name, r]));
  }, 120_000);
  afterAll(() => f?.cleanup());

  const sample = async (r: CheckResult) =>
    f.query(`SELECT * FROM read_parquet('${path.join(f.lakeDir, r.sampleKey!)}')`);

  it('runs every declared check once; warnings publish and make the run Degraded', () => {
    expect(results.size).toBe(CHECKS.length);
    expect(summary.status).toBe('Degraded');
    expect(summary.steps.silver!.status).toBe('Degraded');
    expect(summary.steps.gold!.status).toBe('Degraded');
    expect(summary.steps.silver!.note).toMatch(/quality check warned: .*customer-present/);
    expect(fs.existsSync(path.join(f.lakeDir, 'gold', 'online_retail', 'CURRENT'))).toBe(true);
  });

  it.each(PAIRS)('%s: %s passes, %s fails with a sample of its rows', async (_k, pass, fail, n) => {
    const ok = results.get(pass)!;
    expect(ok).toMatchObject({ status: 'passed', failingRows: 0 });
    expect(ok.sampleKey).toBeUndefined();
    const bad = results.get(fail)!;
    expect(bad).toMatchObject({ status: 'failed', failingRows: n, severity: 'warn' });
    if (bad.kind === 'rowCount' || bad.kind === 'freshness') {
      expect(bad.observed).toBeDefined();
      expect(bad.sampleKey).toBeUndefined();
    } else {
      expect((await sample(bad)).length).toBe(n);
    }
  });

  it('samples hold the failing rows themselves', async () => {
    const rows = await sample(results.get('customer-present')!);
    expect(rows).toMatchObject([{ invoice_no: '536366', stock_code: '22633', customer_id: null }]);
    const uk = await sample(results.get('uk-only')!);
    expect(new Set(uk.map((r) => r.country))).toEqual(new Set(['France']));
    const jam = await sample(results.get('no-french-jam')!);
    expect(jam).toEqual([{ invoice_no: '536368', stock_code: '22960' }]);
    const dup = await sample(results.get('invoice-unique')!);
    expect(dup.map((r) => r.invoice_no)).toEqual(['536365', '536365']);
  });

  it('rowCount and freshness report what they measured', () => {
    expect(results.get('many-sales')).toMatchObject({ observed: 6, expected: 'at least 1000' });
    expect(results.get('some-sales')).toMatchObject({ observed: 6 });
    expect(results.get('fresh-today')!.observed).toBeGreaterThan(24 * 365 * 10);
  });

  it('an anomaly check without history says so instead of judging', () => {
    expect(results.get('daily-lines')).toMatchObject({ status: 'insufficientHistory', failingRows: 0 });
  });

  it('the column catalogue validate uses is what a run writes', async () => {
    const described = async (relation: string) =>
      (await f.query(`DESCRIBE SELECT * FROM ${relation}`)).map((r) => String(r.column_name));
    // Quarantine's business_date is its partition's (the reader here takes it from the path, the check view from
    // the partition map), not a column of its files.
    expect(await described(await f.silverTable('sales_lines'))).toEqual([...CHECK_TABLES.silver.sales_lines]);
    expect(await described(await f.silverTable('quarantine'))).toEqual([...CHECK_TABLES.silver.quarantine]);
    for (const [table, columns] of Object.entries(CHECK_TABLES.gold))
      expect({ table, columns: await described(`read_parquet('${f.goldFile(table)}')`) }).toEqual({
        table,
        columns: [...columns],
      });
  });

  it('the CLI table lists the checks', async () => {
    const { formatSummaryTable } = await import('../../runner/run/run-summary.js');
    const table = formatSummaryTable(summary);
    expect(table).toMatch(/quality checks: 9 passed, 0 failed, 10 warned, 1 awaiting history/);
    expect(table).toMatch(/FAIL customer-present \(notNull, warn, silver\/sales_lines\)/);
  });
});
