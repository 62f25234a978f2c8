import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Response cache that survives between runs: one JSON file per key in a directory, so a second run over the same
 * data asks the providers nothing. Files are written to a temporary name and renamed, so a crash mid-write never
 * leaves a half file that a later run would trust.
 */

interface CacheEntry {
  key: string;
  storedAtMs: number;
  value: unknown;
}

export interface FileCache {
  /** The entry, or undefined when absent, unreadable or stored under another key. Never throws for bad files. */
  read(key: string): Promise<CacheEntry | undefined>;
  write(key: string, value: unknown): Promise<void>;
}

export function isFresh(entry: CacheEntry, ttlMs: number, nowMs: number): boolean {
  return ttlMs > 0 && nowMs - entry.storedAtMs < ttlMs;
}

export function createFileCache(options: { dir: string; now: () => number }): FileCache {
  const { dir, now } = options;
  const fileOf = (key: string) => join(dir, `${createHash('sha256').update(key).digest('hex')}.json`);

  return {
    async read(key) {
      let text: string;
      try {
        text = await readFile(fileOf(key), 'utf8');
      } catch {
        return undefined;
      }
      try {
        const parsed = JSON.parse(text) as Partial<CacheEntry>;
        if (parsed.key !== key || typeof parsed.storedAtMs !== 'number' || !('value' in parsed))
          return undefined;
        return { key, storedAtMs: parsed.storedAtMs, value: parsed.value };
      } catch {
        return undefined;
      }
    },
    async write(key, value) {
      await mkdir(dir, { recursive: true });
      const file = fileOf(key);
      const tmp = `${file}.${randomUUID()}.tmp`;
      const entry: CacheEntry = { key, storedAtMs: now(), value };
      await writeFile(tmp, JSON.stringify(entry));
      await rename(tmp, file);
    },
  };
}
