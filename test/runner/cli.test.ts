import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import type { SilverMeta } from '../../runner/silver/silver-step.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { createFixture, HEADER, type Fixture } from '../helpers/pipeline-fixture.js';
import { startStandInProviders, type StandInProviders } from '../helpers/stand-in-providers.js';

const repo = path.resolve(import.meta.dirname, '../..');
// The CLI reads provider URLs from the environment, like a deployment would: loopback stand-ins here.
let providers: StandInProviders | undefined;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {
      MEDALLION_LOG_LEVEL: 'silent',
      MEDALLION_LOG_FORMAT: 'pretty',
      ...(providers
        ? { MEDALLION_FX_URL: providers.fxUrl, MEDALLION_COUNTRIES_URL: providers.countriesUrl }
        : {}),
    },
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('medallion CLI', () => {
  let f: Fixture;
  beforeAll(async () => {
    providers = await startStandInProviders();
    f = createFixture();
    f.write('2010-12-01.csv', fs.readFileSync(path.join(repo, 'examples/online-retail/data/2010-12-01.csv')));
  });
  afterAll(async () => {
    f.cleanup();
    await providers?.close();
  });

  it.each([[], ['run'], ['validate'], ['inspect'], ['operator'], ['db']])(
    'prints help for %s',
    async (...cmd) => {
      const r = await cli(...cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: medallion/);
    },
  );

  it('exits 2 with usage on no command, an unknown command or an unknown option', async () => {
    expect((await cli()).code).toBe(2);
    const unknown = await cli('frobnicate');
    expect(unknown).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command "frobnicate"/) });
    const badOpt = await cli('run', '-f', f.specFile, '--nope');
    expect(badOpt).toMatchObject({ code: 2, err: expect.stringMatching(/--nope/) });
    expect(await cli('operator', '--port', 'x')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--port/),
    });
  });

  it('validate reports every problem at once with its path and line, exit 2', async () => {
    const bad = path.join(f.dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      [
        'apiVersion: medallion.dev/v1alpha1',
        'kind: Pipeline',
        'metadata: { name: Bad_Name }',
        'spec:',
        '  source:',
        '    uri: ./x',
        '    format: xml',
        '    timezone: Mars/Olympus',
        '  quality: { minScore: 2 }',
        '  steps: [bronze, bronze]',
        '',
      ].join('\n'),
    );
    const r = await cli('validate', '-f', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:3  metadata.name: must be a DNS-1123 label`);
    expect(r.err).toContain(`${bad}:7  spec.source.format: Invalid option`);
    expect(r.err).toContain(`${bad}:8  spec.source.timezone: must be an IANA time zone`);
    expect(r.err).toContain(`${bad}:9  spec.quality.minScore`);
    expect(r.err).toContain(`${bad}:10  spec.steps: steps must not repeat`);
    expect((await cli('validate', '-f', f.specFile)).code).toBe(0);
    expect((await cli('validate', '-f', path.join(f.dir, 'missing.yaml'))).code).toBe(2);
  });

  it('validate reports a YAML syntax error with its line', async () => {
    const bad = path.join(f.dir, 'broken.yaml');
    fs.writeFileSync(bad, 'apiVersion: x\nkind: [Pipeline\n');
    const r = await cli('validate', '-f', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.yaml:\d+ {2}\(yaml\)/);
  });

  it('run succeeds (exit 0), prints a summary table and writes --summary-json with the stable names', async () => {
    const summaryPath = path.join(f.dir, 'out/summary.json');
    const r = await cli('run', '-f', f.specFile, '--summary-json', summaryPath);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^step\s+status\s+rows in\s+rows out/m);
    expect(r.err).toMatch(/\[bronze\] 1\/1 files, 3,108 rows, [\d,]+ rows\/s/);
    const s = JSON.parse(fs.readFileSync(summaryPath, 'utf8'));
    expect(Object.keys(s)).toEqual(
      expect.arrayContaining([
        'runId',
        'pipeline',
        'status',
        'startedAt',
        'finishedAt',
        'steps',
        'quality',
        'kpis',
        'lineage',
      ]),
    );
    expect(Object.keys(s.steps.bronze)).toEqual(
      expect.arrayContaining(['status', 'rowsIn', 'rowsOut', 'durationMs', 'files']),
    );
    expect(Object.keys(s.steps.silver)).toEqual(
      expect.arrayContaining(['duplicatesRemoved', 'quarantined', 'quarantineByRule', 'lineTypes']),
    );
    expect(Object.keys(s.quality)).toEqual(['score', 'dimensions', 'checks']);
    expect(Object.keys(s.quality.checks[0])).toEqual(['name', 'severity', 'status', 'observed', 'threshold']);
    expect(Object.keys(s.kpis)).toEqual([
      'revenue',
      'orders',
      'customers',
      'units',
      'averageOrderValue',
      'cancelledInvoices',
      'cancellationValue',
      'revenueEur',
      'revenueUsd',
    ]);
    expect(typeof s.kpis.revenue).toBe('number');
    expect(s.kpis.revenue).toBe(Math.round(s.kpis.revenue * 100) / 100);
    for (const money of [s.kpis.revenueEur, s.kpis.revenueUsd]) {
      expect(typeof money).toBe('number');
      expect(money).toBe(Math.round(money * 100) / 100);
    }
    expect(s.status).toBe('Succeeded');
    expect(Object.keys(s.enrichment)).toEqual(
      expect.arrayContaining(['currency', 'country', 'product', 'categoryCoverage']),
    );
    for (const provider of ['currency', 'country', 'product']) {
      expect(Object.keys(s.enrichment[provider])).toEqual(
        expect.arrayContaining(['source', 'calls', 'failures', 'breakerState']),
      );
    }
    // The URLs came from MEDALLION_FX_URL / MEDALLION_COUNTRIES_URL: the stand-ins saw the calls.
    expect(s.enrichment.currency).toMatchObject({ source: 'api', calls: 1, failures: 0 });
    expect(s.enrichment.country).toMatchObject({ source: 'api', calls: 1, failures: 0 });
    expect(s.enrichment.product.source).toBe('rules');
    expect(providers!.fx.requests).toHaveLength(1);
    expect(providers!.countries.requests).toHaveLength(1);
    // Without spec.enrichment.cacheDir the response cache lives in the lake.
    expect(fs.readdirSync(path.join(f.lakeDir, '_cache/enrichment/currency'))).toHaveLength(1);
    expect(r.out).toMatch(/^enrichment: currency api \(1 calls, 0 failures, breaker closed\)/m);
    expect(Object.keys(s.lineage)).toEqual(['inputs', 'outputs']);
  });

  it('run --termination-log writes the compact step report the operator reads', async () => {
    const log = path.join(f.dir, 'termination-log');
    const r = await cli('run', '-f', f.specFile, '--steps', 'gold', '--termination-log', log);
    expect(r.code).toBe(0);
    const msg = fs.readFileSync(log, 'utf8');
    expect(Buffer.byteLength(msg)).toBeLessThan(4096);
    expect(JSON.parse(msg)).toMatchObject({
      v: 1,
      step: 'gold',
      status: 'Succeeded',
      kpis: { orders: expect.any(Number) },
    });
  });

  it('run --full-refresh reaches the run: its summary says so, and run --help explains it', async () => {
    const g = createFixture();
    try {
      g.write(
        '2010-12-01.csv',
        fs.readFileSync(path.join(repo, 'examples/online-retail/data/2010-12-01.csv')),
      );
      const summaryPath = path.join(g.dir, 'summary.json');
      const r = await cli(
        'run',
        '-f',
        g.specFile,
        '--steps',
        'bronze',
        '--full-refresh',
        '--summary-json',
        summaryPath,
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(fs.readFileSync(summaryPath, 'utf8')).fullRefresh).toBe(true);
      await cli('run', '-f', g.specFile, '--steps', 'bronze', '--summary-json', summaryPath);
      expect(JSON.parse(fs.readFileSync(summaryPath, 'utf8'))).not.toHaveProperty('fullRefresh');
      expect((await cli('run', '--help')).out).toMatch(/--full-refresh +rebuild every partition/);
    } finally {
      g.cleanup();
    }
  });

  it('run exits 1 on a failed step with the reason and what to do, without a stack trace', async () => {
    const g = createFixture();
    try {
      const r = await cli('run', '-f', g.specFile, '--steps', 'silver');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/silver has no input/);
      expect(r.err).toMatch(/hint: Run the bronze step first/);
      expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      g.cleanup();
    }
  });

  it('--source-uri is relative to the current directory, while the lake stays relative to the spec', async () => {
    const g = createFixture();
    try {
      const rel = path.relative(process.cwd(), path.join(repo, 'examples/online-retail/data'));
      const r = await cli('run', '-f', g.specFile, '--source-uri', rel, '--steps', 'bronze');
      expect(r.code).toBe(0);
      expect(fs.existsSync(path.join(g.lakeDir, 'bronze/online_retail/manifest.json'))).toBe(true);
      const manifest = JSON.parse(
        fs.readFileSync(path.join(g.lakeDir, 'bronze/online_retail/manifest.json'), 'utf8'),
      );
      expect(manifest.files).toHaveLength(5);
    } finally {
      g.cleanup();
    }
  });

  it('run exits 2 on an unknown step or a missing source', async () => {
    expect((await cli('run', '-f', f.specFile, '--steps', 'bronze,platinum')).err).toMatch(
      /unknown step "platinum"/,
    );
    const missing = await cli('run', '-f', f.specFile, '--source-uri', path.join(f.dir, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does not exist/);
  });

  it('inspect lists versions and reads a table from an older version', async () => {
    f.write('2010-12-02.csv', fs.readFileSync(path.join(repo, 'examples/online-retail/data/2010-12-02.csv')));
    expect((await cli('run', '-f', f.specFile)).code).toBe(0);
    const list = await cli('inspect', '-f', f.specFile);
    const versions = [...list.out.matchAll(/^ {2}([* ]) (\S+)$/gm)];
    expect(versions.length).toBeGreaterThanOrEqual(4); // two silver and two gold versions
    const older = versions.find((m) => m[1] === ' ')![2]!;
    const old = await cli(
      'inspect',
      '-f',
      f.specFile,
      '--layer',
      'gold',
      '--table',
      'kpi_daily',
      '--version',
      older,
      '--json',
    );
    const cur = await cli('inspect', '-f', f.specFile, '--layer', 'gold', '--table', 'kpi_daily', '--json');
    expect(JSON.parse(old.out)).toHaveLength(1);
    expect(JSON.parse(cur.out)).toHaveLength(2);
    expect((await cli('inspect', '-f', f.specFile, '--table', 'kpis', '--version', 'nope')).code).toBe(2);
  });

  it('inspect reads the partitioned silver tables of the current and of an older kept version', async () => {
    const lake = createLakeStore({ root: f.lakeDir, dataset: 'online_retail' });
    const [older, current] = (await lake.versions('silver')).slice(-2) as [string, string];
    const rows = async (table: string, version?: string): Promise<Record<string, unknown>[]> => {
      const args = [
        'inspect',
        '-f',
        f.specFile,
        '--layer',
        'silver',
        '--table',
        table,
        '--limit',
        '100000',
        '--json',
      ];
      const r = await cli(...args, ...(version ? ['--version', version] : []));
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as Record<string, unknown>[];
    };
    for (const [version, expected] of [
      [older, (await lake.version<SilverMeta>('silver', older))!.meta],
      [current, (await lake.version<SilverMeta>('silver', current))!.meta],
    ] as const) {
      const lines = await rows('sales_lines', version);
      expect(lines).toHaveLength(expected.counts.silverRows);
      expect(new Set(lines.map((l) => String(l.business_date).slice(0, 10)))).toEqual(
        new Set(Object.keys(expected.partitions)),
      );
      expect(await rows('duplicates', version)).toHaveLength(expected.counts.duplicates);
    }
    expect((await rows('sales_lines')).length).toBeGreaterThan((await rows('sales_lines', older)).length);
    expect((await cli('inspect', '-f', f.specFile, '--layer', 'silver', '--table', 'nope')).code).toBe(2);
  });

  it('the installed bin runs (compiled output)', () => {
    const out = execFileSync(process.execPath, [path.join(repo, 'bin/medallion.js'), 'validate', '--help'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/Usage: medallion validate/);
    expect(HEADER).toContain('InvoiceNo');
  });
});
