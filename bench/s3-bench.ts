/**
 * Side by side in one run: the full Online Retail data bronze → gold with source and lake on local disk, and with
 * source and lake on a loopback S3 server (SeaweedFS, test/s3/setup-seaweedfs.sh). Each job runs in a fresh process
 * (bench/measure.ts) so peak RSS includes DuckDB; jobs alternate; every S3 round uses a new lake prefix and an empty
 * work directory (no cached versions). Usage: npx tsx bench/s3-bench.ts [--rounds N]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createS3Storage } from '../runner/storage/s3-storage.js';
import { startSeaweedFs } from '../test/s3/seaweedfs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const source = path.resolve(repo, '../shared/data/online-retail/online-retail-by-day');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-s3-bench-'));
const spec = path.join(work, 'pipeline.yaml');
fs.writeFileSync(
  spec,
  'apiVersion: medallion.dev/v1alpha1\nkind: Pipeline\nmetadata: { name: bench }\nspec:\n  source: { uri: ./unused }\n  enrichment: { enabled: false }\n',
);
const s3 = await startSeaweedFs();
await s3.createBucket('raw');
await s3.createBucket('lake');
const raw = createS3Storage({
  bucket: 'raw',
  prefix: 'by-day',
  endpoint: s3.endpoint,
  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
});
for (const n of fs.readdirSync(source).filter((x) => x.endsWith('.csv')))
  await raw.put(n, fs.createReadStream(path.join(source, n)));

interface Sample {
  wallMs: number;
  maxRssBytes: number;
}
const measure = (job: 'local' | 's3', round: number): Sample => {
  const lake = job === 'local' ? path.join(work, `lake-${round}`) : `s3://lake/bench-${round}`;
  const env = {
    ...process.env,
    ...(job === 's3'
      ? {
          ...s3.env,
          MEDALLION_WORK_DIR: path.join(work, `s3work-${round}`),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        }
      : {}),
  };
  const src = job === 'local' ? source : 's3://raw/by-day';
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'measure.ts'), 'runner', src, lake, spec],
    { cwd: repo, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Sample;
};

const samples: Record<'local' | 's3', Sample[]> = { local: [], s3: [] };
try {
  for (let i = 0; i < rounds; i++) {
    for (const job of (i % 2 === 0 ? ['local', 's3'] : ['s3', 'local']) as ('local' | 's3')[]) {
      const s = measure(job, i);
      samples[job].push(s);
      console.error(
        `round ${i + 1}/${rounds} ${job}: ${(s.wallMs / 1000).toFixed(2)} s, ${(s.maxRssBytes / 2 ** 30).toFixed(2)} GiB`,
      );
    }
  }
} finally {
  await s3.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const local = median(samples.local.map((x) => x.wallMs));
const remote = median(samples.s3.map((x) => x.wallMs));
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      rounds,
      local: { wallMs: local, maxRssBytes: Math.max(...samples.local.map((x) => x.maxRssBytes)) },
      s3: { wallMs: remote, maxRssBytes: Math.max(...samples.s3.map((x) => x.maxRssBytes)) },
      ratio: Number((remote / local).toFixed(2)),
    },
    null,
    2,
  ),
);
