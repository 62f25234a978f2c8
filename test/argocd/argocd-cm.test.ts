import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CUSTOMIZATIONS, SNIPPET, renderArgocdCm } from './argocd-cm.js';

describe('deploy/argocd/argocd-cm-snippet.yaml', () => {
  it('is what the generator makes from the health.lua files (run `npm run argocd:cm` after editing them)', () => {
    expect(readFileSync(SNIPPET, 'utf8')).toBe(renderArgocdCm());
  });

  it('is a ConfigMap whose keys hold each script byte for byte', () => {
    const cm = parse(readFileSync(SNIPPET, 'utf8')) as { kind: string; data: Record<string, string> };
    expect(cm.kind).toBe('ConfigMap');
    const kinds = ['Pipeline', 'PipelineRun', 'PipelineSchedule'];
    expect(Object.keys(cm.data).sort()).toEqual(
      kinds.map((k) => `resource.customizations.health.medallion.dev_${k}`),
    );
    for (const k of kinds) {
      const lua = readFileSync(join(CUSTOMIZATIONS, 'medallion.dev', k, 'health.lua'), 'utf8');
      expect(cm.data[`resource.customizations.health.medallion.dev_${k}`]).toBe(lua.trimEnd() + '\n');
    }
  });
});
