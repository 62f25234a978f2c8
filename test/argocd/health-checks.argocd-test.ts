import { execFileSync } from 'node:child_process';
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
import { ARGO_HEALTH_STATUSES, runHealthGopher, runHealthLua } from './lua-health.js';

/**
 * Argo CD's health_test.yaml cases for the Medallion kinds, run with the real Lua 5.1 interpreter and with gopher-lua
 * (what Argo CD embeds). The test objects must match the operator's own schemas, so the scripts are tested against
 * the shapes the operator writes.
 */

const LUA = process.env.MEDALLION_LUA || 'lua5.1';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Built once (about 30 s the first time with Go; then cached in ~/.cache/medallion/gopher-lua).
const GOPHER =
  process.env.MEDALLION_GOPHER_HEALTH ||
  execFileSync('bash', [join(ROOT, 'test/argocd/setup-gopher-lua.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
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
      it.each(cases.map((c) => [c.inputPath, c] as const))('%s (Lua 5.1)', (_, c) => {
        const got = runHealthLua(LUA, join(DIR, kind, 'health.lua'), c.obj);
        expect(got).toEqual(c.healthStatus);
        expect(ARGO_HEALTH_STATUSES).toContain(got.status);
      });

      it.each(cases.map((c) => [c.inputPath, c] as const))('%s (gopher-lua)', (_, c) => {
        expect(runHealthGopher(GOPHER, join(DIR, kind, 'health.lua'), c.obj)).toEqual(c.healthStatus);
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
    // Suspended: spec.suspend (reason Suspended), before or after the run started.
    expect([...statuses('PipelineRun')].sort()).toEqual([
      'Degraded',
      'Healthy',
      'Progressing',
      'Suspended',
      'Unknown',
    ]);
  });

  it.each([
    ['uses-os.lua', /global 'os' \(a nil value\)|object\(nil\) with key 'getenv'/],
    ['uses-string-library.lua', /index a string value|object\(string\) with key 'upper'/],
    ['returns-nothing.lua', /the script returned nil, not a table/],
  ])('refuses %s in both interpreters, as Argo CD would', (script, message) => {
    const path = join(ROOT, 'test/argocd/testdata', script);
    expect(() => runHealthLua(LUA, path, { metadata: {} })).toThrow(message);
    expect(() => runHealthGopher(GOPHER, path, { metadata: {} })).toThrow(message);
  });
});
