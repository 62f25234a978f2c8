import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { createFixture, type Fixture } from '../helpers/pipeline-fixture.js';

/**
 * `medallion run --files` (what a file-arrival-triggered run's bronze Job gets): bronze ingests exactly the named
 * source files, so a file still being written beside them is left for a later run, and a name the source lacks
 * fails the run with nothing published.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const SAMPLE = fs.readFileSync(path.join(repo, 'examples/online-retail/data/2010-12-01.csv'), 'utf8');
const lines = SAMPLE.trimEnd().split('\n');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { MEDALLION_LOG_LEVEL: 'silent', MEDALLION_LOG_FORMAT: 'pretty' },
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let f: Fixture;
const manifestFiles = (): { file: string; rows: number }[] => {
  const p = path.join(f.lakeDir, 'bronze', 'online_retail', 'manifest.json');
  if (!fs.existsSync(p)) return [];
  return (JSON.parse(fs.readFileSync(p, 'utf8')) as { files: { file: string; rows: number }[] }).files.map(
    (e) => ({ file: e.file, rows: e.rows }),
  );
};

beforeAll(() => {
  f = createFixture();
});
afterAll(() => f.cleanup());

describe('medallion run --files', () => {
  it('ingests only the named files; a half-written file beside them waits for a later run', async () => {
    f.write('day1/settled.csv', SAMPLE);
    // Still being written: the header and a few rows, the last one cut mid-line.
    const half = lines.slice(0, 40).join('\n') + '\n' + lines[40]!.slice(0, 20);
    f.write('growing.csv', half);

    const first = await cli('run', '-f', f.specFile, '--steps', 'bronze', '--files', 'day1/settled.csv');
    expect(first.code, first.err).toBe(0);
    expect(manifestFiles()).toEqual([{ file: 'day1/settled.csv', rows: lines.length - 1 }]);

    // A name the source lacks: the run fails with a coded error and a hint, and publishes nothing.
    const missing = await cli(
      'run',
      '-f',
      f.specFile,
      '--steps',
      'bronze',
      '--files',
      'growing.csv,nope.csv',
    );
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      'error [SOURCE_NOT_FOUND]: 1 file named by --files not in the source: nope.csv',
    );
    expect(missing.err).toMatch(/hint: Name files relative to the source/);
    expect(manifestFiles().map((e) => e.file)).toEqual(['day1/settled.csv']);

    // The writer finishes; a later run takes the file, its list read from a file (how the operator passes long ones).
    f.write('growing.csv', lines.slice(0, 100).join('\n') + '\n');
    const list = path.join(f.dir, 'files.txt');
    fs.writeFileSync(list, 'growing.csv\n');
    const second = await cli('run', '-f', f.specFile, '--steps', 'bronze', '--files', `@${list}`);
    expect(second.code, second.err).toBe(0);
    expect(manifestFiles()).toEqual([
      { file: 'day1/settled.csv', rows: lines.length - 1 },
      { file: 'growing.csv', rows: 99 },
    ]);
  });

  it('rejects an empty or unreadable list as a usage error', async () => {
    expect(await cli('run', '-f', f.specFile, '--files', ' , ')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--files names no file'),
    });
    expect(await cli('run', '-f', f.specFile, '--files', `@${path.join(f.dir, 'absent.txt')}`)).toMatchObject(
      {
        code: 2,
        err: expect.stringContaining('cannot read the list'),
      },
    );
  });

  it('is in the help of run', async () => {
    expect((await cli('run', '--help')).out).toMatch(/--files a\.csv,b\.csv +bronze ingests only these/);
  });
});
