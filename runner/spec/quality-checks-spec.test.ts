import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { parseSpec } from './load-spec.js';

const spec = (checks: string): string => `apiVersion: medallion.dev/v1alpha1
kind: Pipeline
metadata: { name: p }
spec:
  source: { uri: ./data }
  quality:
    checks:
${checks}
`;

const problems = (text: string): { path: string; message: string; line?: number | undefined }[] => {
  try {
    parseSpec(text, 'pipeline.yaml');
  } catch (e) {
    if (e instanceof SpecError) return e.issues;
    throw e;
  }
  return [];
};

describe('spec.quality.checks validation', () => {
  it('accepts every kind with its fields', () => {
    const text =
      spec(`      - { name: a, kind: notNull, layer: silver, table: sales_lines, columns: [invoice_no] }
      - { name: b, kind: unique, layer: silver, table: duplicates, columns: [source_file, source_line] }
      - { name: c, kind: acceptedValues, layer: silver, table: quarantine, column: rule_id, values: [missing_quantity] }
      - { name: d, kind: range, layer: gold, table: kpi_daily, column: revenue, min: 0 }
      - { name: e, kind: rowCount, layer: gold, table: kpis, min: 1, max: 1 }
      - { name: f, kind: freshness, layer: silver, table: sales_lines, column: business_date, maxAgeHours: 48 }
      - { name: g, kind: sql, layer: silver, table: sales_lines, expression: "quantity <> 0" }
      - { name: h, kind: referential, layer: gold, table: rfm, column: customer_id, references: { layer: silver, table: sales_lines, column: customer_id } }
      - { name: i, kind: anomaly, layer: silver, table: quarantine, metric: quarantineRatio }`);
    const p = parseSpec(text, 'pipeline.yaml');
    expect(p.spec.quality.checks.map((c) => [c.name, c.severity, c.scope])).toContainEqual([
      'a',
      'error',
      'touched',
    ]);
    expect(p.spec.quality.checks).toHaveLength(9);
  });

  it('names the unknown column and table with their path and line', () => {
    const issues = problems(
      spec(`      - name: a
        kind: notNull
        layer: silver
        table: sales_lines
        columns: [invoice_no, invoice_nr]
      - { name: b, kind: rowCount, layer: gold, table: kpi_weekly, min: 1 }`),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'spec.quality.checks.0.columns.1',
        line: 12,
        message: expect.stringMatching(/unknown column "invoice_nr" of silver.sales_lines/),
      }),
      expect.objectContaining({
        path: 'spec.quality.checks.1.table',
        line: 13,
        message: expect.stringMatching(/unknown gold table "kpi_weekly"/),
      }),
    ]);
  });

  it('asks for the fields a kind needs, and refuses duplicate names', () => {
    const issues = problems(
      spec(`      - { name: a, kind: range, layer: silver, table: sales_lines, column: quantity }
      - { name: a, kind: sql, layer: silver, table: sales_lines }
      - { name: c, kind: anomaly, layer: gold, table: kpis, metric: quarantineRatio }
      - { name: d, kind: referential, layer: silver, table: sales_lines, column: customer_id, references: { layer: gold, table: rfm, column: customer_id } }`),
    );
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/checks.0.min: range needs min, max or both/),
      expect.stringMatching(/checks.1.expression: sql needs exactly one of expression and query/),
      expect.stringMatching(/checks.2.metric: metric quarantineRatio is measured on silver/),
      expect.stringMatching(/checks.3.references.layer: a silver check can reference only silver tables/),
      expect.stringMatching(/checks.1.name: check name "a" is used twice/),
    ]);
  });
});
