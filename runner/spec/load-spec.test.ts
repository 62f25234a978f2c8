import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { parseSpec } from './load-spec.js';

const valid = `apiVersion: medallion.dev/v1alpha1
kind: Pipeline
metadata: { name: online-retail }
spec:
  source: { uri: ./data }
`;

describe('parseSpec', () => {
  it('fills the documented defaults', () => {
    const p = parseSpec(valid, 'p.yaml');
    expect(p.spec.steps).toEqual(['bronze', 'silver', 'gold']);
    expect(p.spec.source.columns.customerId).toBe('CustomerID');
    expect(p.spec.source.timezone).toBe('Europe/London');
    expect(p.spec.quality).toMatchObject({ minScore: 0.9, maxQuarantineRatio: 0.01 });
    expect(p.spec.rules.nonMerchandiseStockCodes).toContain('BANK CHARGES');
  });

  it('reports every problem with its path and line', () => {
    const text =
      valid.replace('{ uri: ./data }', '{ uri: ./data, format: xml, colums: {} }') +
      '  lake: { retainVersions: 0 }\n';
    try {
      parseSpec(text, 'p.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      const issues = (e as SpecError).issues.map((i) => `${i.line}:${i.path}`);
      expect(issues).toEqual(
        expect.arrayContaining(['5:spec.source.format', '5:spec.source', '6:spec.lake.retainVersions']),
      );
    }
  });

  it('rejects an unknown time zone and a bad size', () => {
    expect(() => parseSpec(valid + '  engine: { memoryLimit: lots }\n', 'p.yaml')).toThrow(SpecError);
    expect(() => parseSpec(valid.replace('./data }', './data, timezone: Europe/Lodnon }'), 'p.yaml')).toThrow(
      SpecError,
    );
  });
});
