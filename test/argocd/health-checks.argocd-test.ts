import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PipelineResourceSpecSchema, PipelineStatusSchema } from '../../operator/spec/pipeline-resource.js';
import {
  PipelineRunSpecSchema,
  PipelineRunStatusSchema,
  RUN_PHASES,
} from '../../operator/spec/pipeline-run.js';
import {
  PipelineScheduleSpecSchema,
  PipelineScheduleStatusSchema,
} from '../../operator/spec/pipeline-schedule.js';
import { ARGO_HEALTH_STATUSES, runHealthLua } from './lua-health.js';

/**
 * Argo CD's health_test.yaml cases for the Medallion kinds, run with the real Lua 5.1 interpreter. The test objects
 * must match the operator's own schemas, so the scripts are tested against the shapes the operator writes.
 */

const LUA = process.env.MEDALLION_LUA || 'lua5.1';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(ROOT, 'deploy/argocd/resource_customizations/medallion.dev');

const SCHEMAS = {
  Pipeline: { spec: PipelineResourceSpecSchema, status: PipelineStatusSchema },
  PipelineSchedule: { spec: PipelineScheduleSpecSchema, status: PipelineScheduleStatusSchema },
  PipelineRun: { spec: PipelineRunSpecSchema, status: PipelineRunStatusSchema },
} as const;
type Kind = keyof typeof SCHEMAS;

interface HealthTest {
  healthStatus: { status: string; message: string };
  inputPath: string;
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec?: unknown;
  status?: { phase?: string } & Record<string, unknown>;
}

const load = (kind: string) => {
  const tests = (parse(readFileSync(join(DIR, kind, 'health_test.yaml'), 'utf8')) as { tests: HealthTest[] })
    .tests;
  return tests.map((t) => ({
    ...t,
    obj: parse(readFileSync(join(DIR, kind, t.inputPath), 'utf8')) as Resource,
  }));
};

describe('Argo CD health checks (Lua 5.1)', () => {
  it('exist for exactly the three Medallion kinds, each with tests for every file in testdata/', () => {
    expect(readdirSync(DIR).sort()).toEqual(Object.keys(SCHEMAS).sort());
    for (const kind of Object.keys(SCHEMAS)) {
      expect(existsSync(join(DIR, kind, 'health.lua'))).toBe(true);
      const used = load(kind).map((t) => t.inputPath);
      const files = readdirSync(join(DIR, kind, 'testdata')).map((f) => `testdata/${f}`);
      expect(used.sort()).toEqual(files.sort());
    }
  });

  for (const kind of Object.keys(SCHEMAS) as Kind[]) {
    describe(kind, () => {
      const cases = load(kind);
      it.each(cases.map((c) => [c.inputPath, c] as const))('%s', (_, c) => {
        const got = runHealthLua(LUA, join(DIR, kind, 'health.lua'), c.obj);
        expect(got).toEqual(c.healthStatus);
        expect(ARGO_HEALTH_STATUSES).toContain(got.status);
      });

      it.each(cases.map((c) => [c.inputPath, c] as const))('%s matches the operator schemas', (_, c) => {
        expect(c.obj.apiVersion).toBe('medallion.dev/v1alpha1');
        expect(c.obj.kind).toBe(kind);
        const spec = SCHEMAS[kind].spec.safeParse(c.obj.spec);
        expect(spec.success, JSON.stringify(spec.error?.issues)).toBe(true);
        // future-*.yaml objects stand for statuses a newer operator could write: outside today's schema on purpose.
        if (c.obj.status !== undefined && !c.inputPath.startsWith('testdata/future-')) {
          const status = SCHEMAS[kind].status.safeParse(c.obj.status);
          expect(status.success, JSON.stringify(status.error?.issues)).toBe(true);
        }
      });
    });
  }

  it('cover every PipelineRun phase', () => {
    const phases = new Set(load('PipelineRun').map((c) => c.obj.status?.phase));
    for (const phase of RUN_PHASES) expect(phases, phase).toContain(phase);
  });

  it('cover every health status the operator can cause, for each kind as it applies', () => {
    const statuses = (kind: string) => new Set(load(kind).map((c) => c.healthStatus.status));
    expect([...statuses('Pipeline')].sort()).toEqual(['Degraded', 'Healthy', 'Progressing']);
    expect([...statuses('PipelineSchedule')].sort()).toEqual([
      'Degraded',
      'Healthy',
      'Progressing',
      'Suspended',
    ]);
    expect([...statuses('PipelineRun')].sort()).toEqual(['Degraded', 'Healthy', 'Progressing', 'Unknown']);
  });

  it('reports a script error instead of a status (the harness can fail)', () => {
    const broken = join(ROOT, 'test/argocd/testdata/uses-os.lua');
    expect(() => runHealthLua(LUA, broken, { metadata: {} })).toThrow(/os/);
  });
});
