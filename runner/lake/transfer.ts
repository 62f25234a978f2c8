import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Storage } from '../storage/storage.js';

/** Files uploaded at a time: enough to hide request latency, few enough to keep memory flat. */
const PARALLEL = 4;

export async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Streams every file of a local directory to `prefix/<relative path>`; `_meta.json` goes last. */
export async function uploadDir(storage: Storage, dir: string, prefix: string): Promise<void> {
  const files = await walk(dir);
  const key = (f: string): string => `${prefix}/${path.relative(dir, f).split(path.sep).join('/')}`;
  const meta = files.filter((f) => path.basename(f) === '_meta.json');
  await inParallel(
    files.filter((f) => !meta.includes(f)),
    async (f) => {
      await storage.put(key(f), createReadStream(f));
    },
  );
  for (const f of meta) await storage.put(key(f), createReadStream(f));
}

/** Streams every object under `prefix` into a local directory (created), keeping the key's relative path. */
export async function downloadPrefix(storage: Storage, prefix: string, dir: string): Promise<void> {
  const objects = await storage.list(prefix);
  await fs.mkdir(dir, { recursive: true });
  await inParallel(objects, async (o) => {
    const file = path.join(dir, ...o.key.slice(prefix.length).split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await pipeline(await storage.createReadStream(o.key), createWriteStream(file));
  });
}

/** Streams one object to a local file (its directory must exist). */
export async function downloadFile(storage: Storage, key: string, file: string): Promise<void> {
  await pipeline(await storage.createReadStream(key), createWriteStream(file));
}
