import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../runner/storage/local-storage.js';
import { createS3Storage } from '../../runner/storage/s3-storage.js';
import { readText, type Storage } from '../../runner/storage/storage.js';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

/** One contract, two adapters: a local directory and a real S3 server (SeaweedFS). */
let s3: SeaweedFs;
const dirs: string[] = [];
beforeAll(async () => {
  s3 = await startSeaweedFs();
  await s3.createBucket('contract');
}, 90_000);
afterAll(async () => {
  await s3?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const adapters: [string, () => Storage][] = [
  [
    'local',
    () => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-storage-'));
      dirs.push(d);
      return createLocalStorage({ root: path.join(d, 'root') });
    },
  ],
  [
    's3',
    () =>
      createS3Storage({
        bucket: 'contract',
        prefix: `p-${crypto.randomBytes(4).toString('hex')}/lake`,
        endpoint: s3.endpoint,
        region: s3.region,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      }),
  ],
];

describe.each(adapters)('%s storage', (_name, make) => {
  let st: Storage;
  beforeAll(() => {
    st = make();
  });

  it('puts, stats, reads and lists under a prefix, recursively and sorted', async () => {
    await st.put('a/x.txt', 'one');
    await st.put('a/b/y.txt', Buffer.from('two'));
    await st.put('ab.txt', 'three');
    expect((await st.list('a/')).map((o) => o.key)).toEqual(['a/b/y.txt', 'a/x.txt']);
    expect((await st.list('a')).map((o) => o.key)).toEqual(['a/b/y.txt', 'a/x.txt', 'ab.txt']);
    expect((await st.list('')).length).toBe(3);
    expect(await st.list('nothing/')).toEqual([]);
    const info = await st.stat('a/x.txt');
    expect(info?.size).toBe(3);
    expect((await readText(st, 'a/b/y.txt'))?.text).toBe('two');
    expect(await st.stat('a/missing')).toBeUndefined();
    expect(await st.open('a/missing')).toBeUndefined();
  });

  it('streams a large object in and out without holding it whole', async () => {
    const chunk = crypto.randomBytes(1 << 20);
    const expected = crypto.createHash('sha256');
    for (let i = 0; i < 20; i++) expected.update(chunk);
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 20; i++) yield chunk;
      })(),
    );
    await st.put('big/blob.bin', body);
    expect((await st.stat('big/blob.bin'))?.size).toBe(20 << 20);
    const got = crypto.createHash('sha256');
    for await (const c of await st.createReadStream('big/blob.bin')) got.update(c as Buffer);
    expect(got.digest('hex')).toBe(expected.digest('hex'));
  });

  it('putIfAbsent creates once; putIfMatch replaces only the version it names', async () => {
    const first = await st.putIfAbsent('cas/CURRENT', 'v1');
    expect(first.ok).toBe(true);
    expect((await st.putIfAbsent('cas/CURRENT', 'v1-again')).ok).toBe(false);
    const etag1 = (await readText(st, 'cas/CURRENT'))!.etag;
    expect(first.ok && first.etag).toBe(etag1);
    const second = await st.putIfMatch('cas/CURRENT', 'v2', etag1);
    expect(second.ok).toBe(true);
    expect((await st.putIfMatch('cas/CURRENT', 'v3', etag1)).ok).toBe(false);
    expect((await st.putIfMatch('cas/none', 'v1', etag1)).ok).toBe(false);
    expect((await readText(st, 'cas/CURRENT'))?.text).toBe('v2');
    // A plain put also moves the etag on, so a stale compare-and-swap after it fails.
    const etag2 = (await st.stat('cas/CURRENT'))!.etag;
    await st.put('cas/CURRENT', 'v2b');
    expect((await st.putIfMatch('cas/CURRENT', 'v4', etag2)).ok).toBe(false);
  });

  it('exactly one of 12 racing writers wins a compare-and-swap', async () => {
    for (let round = 0; round < 3; round++) {
      const key = `race/${round}`;
      const creates = await Promise.all(Array.from({ length: 12 }, (_, i) => st.putIfAbsent(key, `c${i}`)));
      expect(creates.filter((r) => r.ok)).toHaveLength(1);
      const { etag } = (await readText(st, key))!;
      const swaps = await Promise.all(
        Array.from({ length: 12 }, (_, i) => st.putIfMatch(key, `s${i}`, etag)),
      );
      const winners = swaps.flatMap((r, i) => (r.ok ? [i] : []));
      expect(winners).toHaveLength(1);
      expect((await readText(st, key))?.text).toBe(`s${winners[0]}`);
    }
  });

  it('deletes, and deleting a missing key is not an error', async () => {
    await st.put('del/k', 'x');
    await st.delete('del/k');
    await st.delete('del/k');
    expect(await st.stat('del/k')).toBeUndefined();
  });
});
