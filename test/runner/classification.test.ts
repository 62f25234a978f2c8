import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { createFixture, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';

const T = '2010-12-01 09:00:00';
// [line content, expected outcome]; line numbers follow from the order (header is line 1).
const ROWS: [string, string][] = [
  // a-day.csv holds the same row and sorts first, so this copy is the duplicate.
  [`536365,85123A,  WHITE  HANGING HEART ,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom`, 'duplicate'],
  [`,85123A,X,6,${T},2.55,17850.0,United Kingdom`, 'missing_required'],
  [`536366,22633,X,6,${T},1.85,17850.0,  `, 'missing_required'],
  [`536367,22633,X,six,${T},1.85,17850.0,United Kingdom`, 'unparseable'],
  [`536368,22633,X,6,01/12/2010 08:28,1.85,,United Kingdom`, 'unparseable'],
  [`536369,22633,X,6,${T},1.8.5,,United Kingdom`, 'unparseable'],
  [`536370,22633,X,0,${T},1.85,,France`, 'zero_quantity'],
  [`C536371,22633,X,3,${T},1.85,,France`, 'cancellation_positive_quantity'],
  [`C536372,22633,X,-3,${T},1.85,,France`, 'cancellation'],
  [`A563185,B,Adjust bad debt,1,${T},11062.06,,United Kingdom`, 'adjustment'],
  [`536373,B,Adjust,1,${T},-5.00,,United Kingdom`, 'adjustment'],
  [`536374,22633,X,1,${T},-1.00,,United Kingdom`, 'negative_price'],
  [`536375,post,POSTAGE,1,${T},18.00,12583.0,France`, 'non_merchandise'],
  [`536376,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,${T},17.02,,United Kingdom`, 'non_merchandise'],
  [`536377,22633,damaged,-5,${T},0,,United Kingdom`, 'stock_adjustment'],
  [`536378,22633,X,5,${T},0.00,,United Kingdom`, 'zero_price'],
  [`536365,85123A,  WHITE  HANGING HEART ,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom`, 'duplicate'],
  [`536365,85123A, WHITE  HANGING HEART ,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom`, 'sale'],
  [`C536379,22633,X,-1,${T},-1.00,,France`, 'cancellation'],
  [`536380,22633,"RECORD FRAME 7"" SINGLE SIZE ",2,${T},2.10,,EIRE`, 'sale'],
];

describe('silver classification (hand-built fixture, one row per rule)', () => {
  let f: Fixture;
  let summary: RunSummary;
  const outcomeByLine = new Map<number, string>();

  beforeAll(async () => {
    f = createFixture('  quality: { minScore: 0.1, maxQuarantineRatio: 1 }');
    f.write('b-day.csv', [HEADER, ...ROWS.map(([r]) => r)].join('\n') + '\n');
    // The same sale as line 2 of b-day.csv, in a file whose name sorts first: this copy is the one kept.
    f.write('a-day.csv', `${HEADER}\n${ROWS[0]![0]}\n`);
    summary = await f.run();
    const lines = await f.query(
      `SELECT source_file, source_line, line_type AS o FROM ${await f.silverTable('sales_lines')}`,
    );
    const q = await f.query(
      `SELECT source_file, source_line, rule_id AS o FROM ${await f.silverTable('quarantine')}`,
    );
    const d = await f.query(
      `SELECT source_file, source_line, 'duplicate' AS o FROM ${await f.silverTable('duplicates')}`,
    );
    for (const r of [...lines, ...q, ...d])
      if (r.source_file === 'b-day.csv') outcomeByLine.set(Number(r.source_line), String(r.o));
  });
  afterAll(() => f.cleanup());

  it.each(ROWS.map(([row, expected], i) => [i + 2, expected, row] as const))(
    'line %i is %s',
    (line, expected) => {
      expect(outcomeByLine.get(line)).toBe(expected);
    },
  );

  it('keeps the first copy of a duplicate by (file name, line) across files', async () => {
    const kept = await f.query(
      `SELECT source_file, source_line FROM ${await f.silverTable('sales_lines')} WHERE invoice_no = '536365' AND description = 'WHITE HANGING HEART' ORDER BY 1, 2`,
    );
    expect(kept).toEqual([
      { source_file: 'a-day.csv', source_line: '2' },
      { source_file: 'b-day.csv', source_line: '19' },
    ]);
    expect(summary.steps.silver!.duplicatesRemoved).toBe(2);
    const dups = await f.query(
      `SELECT source_file, source_line, kept_source_file, kept_source_line FROM ${await f.silverTable('duplicates')} ORDER BY 1, 2`,
    );
    expect(dups).toEqual([
      { source_file: 'b-day.csv', source_line: '2', kept_source_file: 'a-day.csv', kept_source_line: '2' },
      { source_file: 'b-day.csv', source_line: '18', kept_source_file: 'a-day.csv', kept_source_line: '2' },
    ]);
  });

  it('normalises values exactly', async () => {
    const [r] =
      await f.query(`SELECT invoice_no, stock_code, description, quantity, unit_price, line_amount, customer_id, country,
        CAST(business_date AS VARCHAR) AS d, strftime(invoice_ts AT TIME ZONE 'UTC', '%H:%M') AS utc
      FROM ${await f.silverTable('sales_lines')} WHERE source_file = 'a-day.csv'`);
    expect(r).toEqual({
      invoice_no: '536365',
      stock_code: '85123A',
      description: 'WHITE HANGING HEART',
      quantity: '6',
      unit_price: '2.550000',
      line_amount: '15.300000',
      customer_id: '17850',
      country: 'United Kingdom',
      d: '2010-12-01',
      utc: '08:26',
    });
    const [gift] = await f.query(
      `SELECT stock_code FROM ${await f.silverTable('sales_lines')} WHERE invoice_no = '536376'`,
    );
    expect(gift).toEqual({ stock_code: 'GIFT_0001_20' });
    const [frame] = await f.query(
      `SELECT description FROM ${await f.silverTable('sales_lines')} WHERE invoice_no = '536380'`,
    );
    expect(frame).toEqual({ description: 'RECORD FRAME 7" SINGLE SIZE' });
  });

  it('quarantined rows keep their data, rule id and a message naming the problem', async () => {
    const rows = await f.query(
      `SELECT source_line, rule_id, message, quantity, invoice_date FROM ${await f.silverTable('quarantine')} ORDER BY source_line`,
    );
    const byLine = new Map(rows.map((r) => [Number(r.source_line), r]));
    expect(byLine.get(3)?.message).toMatch(/missing required field: invoice_no/);
    expect(byLine.get(4)?.message).toMatch(/country/);
    expect(byLine.get(5)).toMatchObject({
      quantity: 'six',
      message: expect.stringMatching(/quantity "six" is not a whole number/),
    });
    expect(byLine.get(6)).toMatchObject({
      invoice_date: '01/12/2010 08:28',
      message: expect.stringMatching(/does not match %Y-%m-%d %H:%M:%S/),
    });
  });

  it('accounts for every bronze row: silver + quarantine + duplicates', () => {
    const s = summary.steps.silver!;
    const bronze = summary.steps.bronze!.rowsOut;
    expect(bronze).toBe(ROWS.length + 1); // b-day.csv rows + the one row of a-day.csv
    expect(s.rowsOut + (s.quarantined as number) + (s.duplicatesRemoved as number)).toBe(bronze);
    expect(summary.quality!.checks.find((c) => c.name === 'reconciliation')?.status).toBe('pass');
  });

  it('reports line types and quarantine counts by rule', () => {
    const s = summary.steps.silver!;
    expect(s.lineTypes).toEqual({
      sale: 3,
      cancellation: 2,
      adjustment: 2,
      non_merchandise: 2,
      stock_adjustment: 1,
      zero_price: 1,
    });
    expect(s.quarantineByRule).toEqual({
      missing_required: 2,
      unparseable: 3,
      zero_quantity: 1,
      cancellation_positive_quantity: 1,
      negative_price: 1,
    });
  });
});
