import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_CRD_DIR, CRD_DIR, driftedFiles } from '../../operator/crd-gen/generate.js';
import { CHART_DIR } from './chart.js';
import { README, renderReadme, valueDocs } from './chart-readme.js';

/** The chart's generated and copied files stay in step with their sources. */

interface Schema {
  description?: string;
  properties?: Record<string, Schema>;
}

describe('chart CRDs', () => {
  it('are the files of crds/, byte for byte, and nothing else', () => {
    const names = readdirSync(CRD_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(readdirSync(CHART_CRD_DIR).sort()).toEqual(names);
    for (const name of names)
      expect(readFileSync(join(CHART_CRD_DIR, name), 'utf8'), name).toBe(
        readFileSync(join(CRD_DIR, name), 'utf8'),
      );
  });

  it('are what the generator writes (npm run crds)', () => {
    expect(driftedFiles(CHART_CRD_DIR)).toEqual([]);
  });
});

describe('values documentation', () => {
  it('describes every value in values.schema.json', () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Schema;
    const undocumented: string[] = [];
    const walk = (node: Schema, key: string) => {
      if (key && !node.description?.trim()) undocumented.push(key);
      for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, key ? `${key}.${k}` : k);
    };
    walk(schema, '');
    expect(undocumented).toEqual([]);
  });

  it('lists every value in the chart README (node --import tsx test/chart/chart-readme.ts regenerates it)', () => {
    const current = readFileSync(README, 'utf8');
    expect(renderReadme(current) === current, 'charts/medallion/README.md is stale').toBe(true);
    for (const v of valueDocs()) expect(current).toContain(`| \`${v.key}\` |`);
  });
});
