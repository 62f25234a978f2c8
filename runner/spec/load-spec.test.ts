import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { parseSpec, parseSpecDocument } from './load-spec.js';

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

describe('parseSpecDocument: the Kubernetes-only fields of a Pipeline manifest', () => {
  const manifest = valid + '  job:\n    image: medallion:1\n    resources: { limits: { memory: 2Gi } }\n';

  it('accepts spec.job, names it as ignored and leaves it out of the runner spec', () => {
    const { pipeline, ignoredFields } = parseSpecDocument(manifest, 'p.yaml');
    expect(ignoredFields).toEqual(['spec.job']);
    expect(pipeline.spec).not.toHaveProperty('job');
    expect(pipeline.spec.source.uri).toBe('./data');
    // A spec without it ignores nothing, although the field has defaults.
    expect(parseSpecDocument(valid, 'p.yaml').ignoredFields).toEqual([]);
  });

  it('still rejects an unknown key, at the line of that key', () => {
    const text = manifest + '  cluster: { name: x }\n';
    try {
      parseSpec(text, 'p.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as SpecError).issues).toEqual([
        expect.objectContaining({ path: 'spec', message: 'Unrecognized key: "cluster"', line: 9 }),
      ]);
    }
  });

  it('validates the Kubernetes-only fields as the CRD does', () => {
    expect(() => parseSpec(manifest.replace('2Gi', 'lots'), 'p.yaml')).toThrow(SpecError);
    expect(() => parseSpec(manifest.replace('image:', 'imagee:'), 'p.yaml')).toThrow(SpecError);
  });
});
