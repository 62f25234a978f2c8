import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileCache, isFresh } from './file-cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medallion-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createFileCache', () => {
  it('persists values across cache instances (i.e. across runs)', async () => {
    const first = createFileCache({ dir: join(dir, 'nested'), now: () => 42 });
    await first.write('fx:/2010-12-01..2011-12-09', { rates: { '2010-12-01': { GBP: 0.8393 } } });
    const second = createFileCache({ dir: join(dir, 'nested'), now: () => 99 });
    expect(await second.read('fx:/2010-12-01..2011-12-09')).toEqual({
      key: 'fx:/2010-12-01..2011-12-09',
      storedAtMs: 42,
      value: { rates: { '2010-12-01': { GBP: 0.8393 } } },
    });
  });

  it('misses on absent keys and leaves no temporary files behind', async () => {
    const cache = createFileCache({ dir, now: () => 1 });
    expect(await cache.read('nope')).toBeUndefined();
    await cache.write('a', 1);
    await cache.write('a', 2);
    expect((await cache.read('a'))?.value).toBe(2);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
  });

  it('treats a corrupted file as a miss instead of throwing', async () => {
    const cache = createFileCache({ dir, now: () => 1 });
    await cache.write('k', { ok: true });
    const [file] = await readdir(dir);
    await writeFile(join(dir, file!), '{"key":"k", "storedAtMs": 1, "val');
    expect(await cache.read('k')).toBeUndefined();
  });
});

describe('isFresh', () => {
  const entry = { key: 'k', storedAtMs: 1000, value: null };
  it('is fresh strictly within the TTL', () => {
    expect(isFresh(entry, 500, 1499)).toBe(true);
    expect(isFresh(entry, 500, 1500)).toBe(false);
  });
  it('is never fresh with a TTL of 0 (cache reads disabled)', () => {
    expect(isFresh(entry, 0, 1000)).toBe(false);
  });
});
