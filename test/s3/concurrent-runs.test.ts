import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BronzeManifest } from '../../runner/lake/lake-store.js';
import { createLakeStore } from '../../runner/lake/lake-store.js';
import { createS3Storage } from '../../runner/storage/s3-storage.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

const CLI = path.resolve(import.meta.dirname, 'medallion-cli.ts');
const N = 3;

interface Proc {
  code: number;
  out: string;
  err: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        MEDALLION_LOG_FORMAT: 'json',
        ...env,
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/**
 * N `medallion run` processes start together on one lake, each with its own source directory: every file is in
 * two of them (overlapping) or one (disjoint). Afterwards the lake must equal one run over all the files.
 */
describe.each(['local', 's3'] as const)(`${N} concurrent runs on one %s lake`, (kind) => {
  let single: Fixture;
  let shared: Fixture;
  let s3: SeaweedFs | undefined;
  let procs: Proc[];
  let files: string[];
  let lakeUri: string;
  let env: Record<string, string>;
  let lake: ReturnType<typeof createLakeStore>;

  beforeAll(async () => {
    const data = fullDataDir();
    files = fs
      .readdirSync(data)
      .filter((x) => x.endsWith('.csv'))
      .sort()
      .slice(0, 45);
    single = createFixture();
    shared = createFixture();
    for (const f of files) single.write(f, fs.readFileSync(path.join(data, f)));
    // Run i gets files whose index mod 6 is in its set: {0,1,2}, {2,3,4}, {4,5,0} — pairs overlap, some disjoint.
    const sets = [
      [0, 1, 2],
      [2, 3, 4],
      [4, 5, 0],
    ];
    for (let i = 0; i < N; i++) {
      const dir = path.join(shared.dir, `source-${i}`);
      fs.mkdirSync(dir);
      files.forEach((f, j) => {
        if (sets[i]!.includes(j % 6)) fs.copyFileSync(path.join(data, f), path.join(dir, f));
      });
    }
    const providers = await shared.providers();
    env = { MEDALLION_FX_URL: providers.fxUrl, MEDALLION_COUNTRIES_URL: providers.countriesUrl };
    if (kind === 's3') {
      s3 = await startSeaweedFs();
      await s3.createBucket('lake');
      lakeUri = 's3://lake/concurrent';
      env = { ...env, ...s3.env, MEDALLION_WORK_DIR: path.join(shared.dir, 'work') };
      lake = createLakeStore({
        root: lakeUri,
        dataset: 'online_retail',
        workDir: path.join(shared.dir, 'check'),
        storage: createS3Storage({
          bucket: 'lake',
          prefix: 'concurrent',
          endpoint: s3.endpoint,
          credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        }),
      });
    } else {
      lakeUri = shared.lakeDir;
      lake = createLakeStore({ root: lakeUri, dataset: 'online_retail' });
    }
    await single.run();
    procs = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        runCli(
          [
            'run',
            '-f',
            shared.specFile,
            '--source-uri',
            path.join(shared.dir, `source-${i}`),
            '--lake',
            lakeUri,
          ],
          // Separate scratch directories, as separate pods would have.
          kind === 's3' ? { ...env, MEDALLION_WORK_DIR: path.join(shared.dir, `work-${i}`) } : env,
        ),
      ),
    );
  }, 600_000);
  afterAll(async () => {
    single?.cleanup();
    shared?.cleanup();
    await s3?.stop();
  });

  it('every run succeeds', () => {
    for (const p of procs) expect(p.code, p.err.slice(-2000)).toBe(0);
  });

  it('every file is in the manifest exactly once, each in a part that holds its rows', async () => {
    const manifest: BronzeManifest = await lake.readManifest();
    expect(manifest.files.map((e) => e.file)).toEqual(files);
    const expected = JSON.parse(
      fs.readFileSync(path.join(single.lakeDir, 'bronze/online_retail/manifest.json'), 'utf8'),
    ) as BronzeManifest;
    expect(manifest.files.map((e) => [e.file, e.sha256, e.rows])).toEqual(
      expected.files.map((e) => [e.file, e.sha256, e.rows]),
    );
    // The publishes add up: one manifest version per successful bronze commit, none lost.
    const commits = procs.filter((p) => /"msg":"bronze published"/.test(p.err)).length;
    expect(manifest.version).toBe(commits);
  });

  it('silver and gold equal a single run over all files, and follow the last bronze', async () => {
    const manifest = await lake.readManifest();
    const silver = (await lake.current<{ bronzeVersion: number }>('silver'))!;
    const gold = (await lake.current<{ silverVersion: string }>('gold'))!;
    expect(silver.meta.bronzeVersion).toBe(manifest.version);
    expect(gold.meta.silverVersion).toBe(silver.version);
    for (const [layer, version, table] of [
      ['silver', silver, 'sales_lines'],
      ['silver', silver, 'quarantine'],
      ['silver', silver, 'duplicates'],
      ['gold', gold, 'kpis'],
      ['gold', gold, 'kpi_daily'],
    ] as const) {
      const files = await lake.tableFiles(layer, version, table);
      const theirs =
        files.length === 0
          ? '(SELECT NULL AS no_rows WHERE false)'
          : `read_parquet([${files.map((x) => `'${x}'`).join(', ')}])`;
      const ours = layer === 'silver' ? await single.silverTable(table) : `'${single.goldFile(table)}'`;
      const cols =
        table === 'sales_lines' || table === 'duplicates' || table === 'quarantine'
          ? '* EXCLUDE (ingest_run_id)'
          : '*';
      const has = (await single.query(`DESCRIBE SELECT * FROM ${ours}`)).some(
        (r) => r.column_name === 'ingest_run_id',
      );
      const sel = has ? cols : '*';
      const [r] = await single.query(`SELECT
        (SELECT count(*) FROM (SELECT ${sel} FROM ${ours} EXCEPT ALL SELECT ${sel} FROM ${theirs})) +
        (SELECT count(*) FROM (SELECT ${sel} FROM ${theirs} EXCEPT ALL SELECT ${sel} FROM ${ours})) AS n,
        (SELECT count(*) FROM ${theirs}) AS rows`);
      expect(Number(r!.n), `${layer} ${table}`).toBe(0);
      if (table !== 'quarantine') expect(Number(r!.rows)).toBeGreaterThan(0);
    }
  });

  it('the runs that lost a race say what happened', () => {
    const all = procs.map((p) => p.out + p.err).join('\n');
    // All runs read manifest version 0 before the first commit (ingesting takes seconds), so some must re-plan.
    expect(all).toMatch(/re-planned after concurrent bronze commits|concurrent runs ingested them first/);
    for (const p of procs) {
      if (/changed by a concurrent run/.test(p.err))
        expect(p.out).toMatch(
          /re-planned after concurrent bronze commits|concurrent runs ingested them first/,
        );
    }
  });
});
