import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { startStandInProviders, type StandInProviders } from '../helpers/stand-in-providers.js';

// Defect 3 of issue 11: the Pipeline manifest applied with kubectl must also validate and run locally.
const repo = path.resolve(import.meta.dirname, '../..');
const manifest = path.join(repo, 'examples/kubernetes/pipeline.yaml');
let providers: StandInProviders;
let dir: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {
      MEDALLION_LOG_LEVEL: 'silent',
      MEDALLION_LOG_FORMAT: 'pretty',
      MEDALLION_FX_URL: providers.fxUrl,
      MEDALLION_COUNTRIES_URL: providers.countriesUrl,
    },
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The example manifest with `edit` applied to its text, written to the temporary directory. */
function variant(name: string, edit: (text: string) => string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, edit(fs.readFileSync(manifest, 'utf8')));
  return file;
}

const lineOf = (text: string, needle: string): number =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('a Pipeline manifest for kubectl, used locally', () => {
  beforeAll(async () => {
    providers = await startStandInProviders();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-k8s-manifest-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await providers?.close();
  });

  it('validates, naming the Kubernetes-only field it ignores in one line on stderr', async () => {
    const r = await cli('validate', '-f', manifest);
    expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/valid Pipeline "online-retail"/) });
    const notes = r.err.split('\n').filter((l) => l.startsWith('note:'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/ignoring spec\.job \(Kubernetes only/);
    // --print shows what the local runner uses: the runner spec without the operator's Job settings.
    const printed = JSON.parse((await cli('validate', '-f', manifest, '--print')).out);
    expect(printed.spec.steps).toEqual(['bronze', 'silver', 'gold', 'warehouse']);
    expect(printed.spec).not.toHaveProperty('job');
  });

  it('runs on the sample data with a temporary lake (exit 0)', async () => {
    const source = path.join(dir, 'source');
    fs.mkdirSync(source);
    fs.copyFileSync(
      path.join(repo, 'examples/online-retail/data/2010-12-01.csv'),
      path.join(source, '2010-12-01.csv'),
    );
    const lake = path.join(dir, 'lake');
    const r = await cli(
      'run',
      '-f',
      manifest,
      '--source-uri',
      source,
      '--lake',
      lake,
      '--steps',
      'bronze,silver,gold',
    );
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^note: .*ignoring spec\.job/m);
    expect(r.err).toMatch(/\[bronze\] 1\/1 files, 3,108 rows/);
    expect(fs.existsSync(path.join(lake, 'gold/online_retail/CURRENT'))).toBe(true);
  });

  it('still rejects an unknown key, in spec or in job, with its path and line', async () => {
    const typo = variant('typo.yaml', (t) => t.replace('  job:\n', '  jobs: {}\n  job:\n'));
    const r = await cli('validate', '-f', typo);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${typo}:${lineOf(fs.readFileSync(typo, 'utf8'), 'jobs:')}  spec: Unrecognized key: "jobs"`,
    );

    const inJob = variant('in-job.yaml', (t) =>
      t.replace('    image: medallion:latest', '    imagee: medallion:latest'),
    );
    const j = await cli('run', '-f', inJob, '--steps', 'bronze');
    expect(j.code).toBe(2);
    expect(j.err).toMatch(/spec\.job: Unrecognized key: "imagee"/);
  });

  it('checks the Kubernetes-only fields as the apiserver does', async () => {
    const bad = variant('bad-quantity.yaml', (t) =>
      t.replace('limits: { memory: 2Gi }', 'limits: { memory: lots }'),
    );
    const r = await cli('validate', '-f', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${bad}:${lineOf(fs.readFileSync(bad, 'utf8'), 'memory: lots')}  spec.job.resources.limits.memory`,
    );
  });
});
