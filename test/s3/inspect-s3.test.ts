import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../examples/online-retail/data');

/** `medallion inspect` and `medallion lake gc` on a lake in a real S3 server, compared with the local lake. */
describe('medallion inspect and lake gc on an S3 lake', () => {
  let f: Fixture;
  let s3: SeaweedFs;
  let s3Spec: string;
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {
        MEDALLION_LOG_LEVEL: 'silent',
        MEDALLION_LOG_FORMAT: 'pretty',
        MEDALLION_WORK_DIR: path.join(f.dir, 'work'),
        ...s3.env,
      },
      isTty: false,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    f = createFixture();
    for (const n of fs.readdirSync(SAMPLE).filter((x) => x.endsWith('.csv')))
      f.write(n, fs.readFileSync(path.join(SAMPLE, n)));
    s3 = await startSeaweedFs();
    await s3.createBucket('lake');
    // The AWS SDK's credential chain reads the process environment, as it does in a deployed CLI.
    for (const [k, v] of Object.entries(s3.env)) vi.stubEnv(k, v);
    s3Spec = path.join(f.dir, 's3.yaml');
    fs.writeFileSync(
      s3Spec,
      fs.readFileSync(f.specFile, 'utf8').replace('lake: { uri: ./lake }', 'lake: { uri: s3://lake/retail }'),
    );
    for (const spec of [f.specFile, s3Spec]) {
      const run = await cli('run', '-f', spec, '--steps', 'bronze,silver,gold', '-q');
      expect(run.code, run.err).toBe(0);
    }
  }, 240_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3?.stop();
    f?.cleanup();
  });

  it('lists the versions and reads kpi_daily with the same rows as the local lake', async () => {
    const list = await cli('inspect', '-f', s3Spec);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^lake s3:\/\/lake\/retail/m);
    expect(list.out).toMatch(/^gold: \n {2}\* \S+$/m);
    const read = (spec: string) =>
      cli('inspect', '-f', spec, '--table', 'kpi_daily', '--limit', '1000', '--json');
    const [remote, local] = [await read(s3Spec), await read(f.specFile)];
    expect(remote.code, remote.err).toBe(0);
    const rows = JSON.parse(remote.out) as unknown[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(JSON.parse(local.out));
  });

  it('lake gc runs on the S3 lake: nothing to collect right after a clean run', async () => {
    const r = await cli('lake', 'gc', '-f', s3Spec, '--grace', '0');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/nothing to collect/);
  });
});
