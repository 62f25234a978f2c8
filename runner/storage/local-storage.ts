import crypto from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { StorageError } from '../errors.js';
import type { CasResult, ObjectInfo, Storage } from './storage.js';

/** How long a compare-and-swap lock stays valid: its critical section is one stat and one small rename. */
const LOCK_TTL_MS = 10_000;
const LOCK_WAIT_MS = 60_000;

const isCode = (e: unknown, ...codes: string[]): boolean =>
  codes.includes((e as NodeJS.ErrnoException).code ?? '');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The lake or a source as a local (or mounted) directory. Writes go to a hidden temporary file renamed into place,
 * so the etag (inode, size, mtime) changes with every write. putIfAbsent is link(2), which fails if the name exists;
 * putIfMatch holds a lock file (owner and expiry) around compare and rename. Hidden names are never listed.
 */
export function createLocalStorage(options: { root: string }): Storage {
  const root = path.resolve(options.root);
  const abs = (key: string): string => path.join(root, ...key.split('/'));

  const info = async (key: string, file: string): Promise<ObjectInfo | undefined> => {
    const s = await fs.stat(file, { bigint: true }).catch((e: unknown) => {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) return undefined;
      throw fault('stat', key, e);
    });
    if (!s || !s.isFile()) return undefined;
    return {
      key,
      size: Number(s.size),
      etag: `${s.ino}-${s.size}-${s.mtimeNs}`,
      lastModified: new Date(Number(s.mtimeMs)),
    };
  };

  const fault = (op: string, key: string, e: unknown): StorageError =>
    new StorageError(`cannot ${op} ${abs(key)}: ${(e as Error).message}`, {
      cause: e,
      hint: isCode(e, 'EACCES', 'EPERM')
        ? 'The lake directory is not writable by this user; fix its permissions or choose another spec.lake.uri.'
        : isCode(e, 'ENOSPC')
          ? 'The disk is full; free space and run again.'
          : 'Check the lake directory (spec.lake.uri).',
    });

  const writeTemp = async (key: string, body: Readable | Buffer | string): Promise<string> => {
    const file = abs(key);
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomUUID()}.tmp`);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const src =
        typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
      await pipeline(src, createWriteStream(tmp));
      return tmp;
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw fault('write', key, e);
    }
  };

  const withLock = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const file = abs(key);
    const lock = path.join(path.dirname(file), `.${path.basename(file)}.lock`);
    const owner = `${os.hostname()}:${process.pid}:${crypto.randomUUID()}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    await fs.mkdir(path.dirname(file), { recursive: true });
    for (;;) {
      try {
        await fs.writeFile(lock, JSON.stringify({ owner, expiresAt: Date.now() + LOCK_TTL_MS }), {
          flag: 'wx',
        });
        break;
      } catch (e) {
        if (!isCode(e, 'EEXIST')) throw fault('lock', key, e);
      }
      const held = await readLock(lock);
      if (held && held.expiresAt < Date.now()) await breakLock(lock, held.owner);
      else if (Date.now() > deadline)
        throw new StorageError(`${lock} is held by ${held?.owner ?? 'another process'}`, {
          hint: 'Another process holds the commit lock; if none runs, delete the lock file.',
        });
      else await sleep(5 + Math.random() * 20);
    }
    try {
      return await fn();
    } finally {
      if ((await readLock(lock))?.owner === owner) await fs.rm(lock, { force: true });
    }
  };

  return {
    uri: pathToFileURL(root).href,
    localPath: abs,
    async list(prefix) {
      const slash = prefix.lastIndexOf('/');
      const base = slash < 0 ? '' : prefix.slice(0, slash);
      const out: ObjectInfo[] = [];
      const walk = async (dirKey: string): Promise<void> => {
        const entries = await fs.readdir(abs(dirKey), { withFileTypes: true }).catch((e: unknown) => {
          if (isCode(e, 'ENOENT', 'ENOTDIR')) return [];
          throw fault('list', dirKey, e);
        });
        for (const e of entries) {
          if (e.name.startsWith('.')) continue;
          const key = dirKey ? `${dirKey}/${e.name}` : e.name;
          if (e.isDirectory()) {
            if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
          } else if (e.isFile() && key.startsWith(prefix)) {
            const i = await info(key, abs(key));
            if (i) out.push(i);
          }
        }
      };
      await walk(base);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    stat: (key) => info(key, abs(key)),
    async open(key) {
      const handle = await fs.open(abs(key), 'r').catch((e: unknown) => {
        if (isCode(e, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
        throw fault('read', key, e);
      });
      if (!handle) return undefined;
      // The etag of the open file, not of the name: a concurrent rename cannot pair new content with an old etag.
      const s = await handle.stat({ bigint: true });
      const stream = handle.createReadStream({ highWaterMark: 1 << 20 });
      return {
        stream,
        info: {
          key,
          size: Number(s.size),
          etag: `${s.ino}-${s.size}-${s.mtimeNs}`,
          lastModified: new Date(Number(s.mtimeMs)),
        },
      };
    },
    async createReadStream(key) {
      const opened = await this.open(key);
      if (!opened) throw new StorageError(`${abs(key)} does not exist`);
      return opened.stream;
    },
    async put(key, body) {
      const tmp = await writeTemp(key, body);
      await fs.rename(tmp, abs(key)).catch((e: unknown) => {
        throw fault('write', key, e);
      });
      return { etag: (await info(key, abs(key)))!.etag };
    },
    async putIfAbsent(key, body): Promise<CasResult> {
      const tmp = await writeTemp(key, body);
      try {
        await fs.link(tmp, abs(key));
      } catch (e) {
        if (isCode(e, 'EEXIST')) return { ok: false };
        throw fault('create', key, e);
      } finally {
        await fs.rm(tmp, { force: true });
      }
      return { ok: true, etag: (await info(key, abs(key)))!.etag };
    },
    async putIfMatch(key, body, etag): Promise<CasResult> {
      const tmp = await writeTemp(key, body);
      try {
        return await withLock(key, async () => {
          if ((await info(key, abs(key)))?.etag !== etag) return { ok: false };
          await fs.rename(tmp, abs(key));
          return { ok: true, etag: (await info(key, abs(key)))!.etag };
        });
      } finally {
        await fs.rm(tmp, { force: true });
      }
    },
    async delete(key) {
      await fs.rm(abs(key), { force: true }).catch((e: unknown) => {
        throw fault('delete', key, e);
      });
    },
  };
}

async function readLock(lock: string): Promise<{ owner: string; expiresAt: number } | undefined> {
  try {
    return JSON.parse(await fs.readFile(lock, 'utf8')) as { owner: string; expiresAt: number };
  } catch {
    // Missing, or caught between create and write: a half-written lock is fresh, not expired.
    return undefined;
  }
}

/**
 * Removes an expired lock. Renaming first makes the removal atomic; if what was renamed is not the expired lock
 * (another process broke it and took a fresh one meanwhile), it is linked back unless yet another lock exists.
 */
async function breakLock(lock: string, expiredOwner: string): Promise<void> {
  const aside = `${lock}.${crypto.randomUUID()}.stale`;
  try {
    await fs.rename(lock, aside);
  } catch {
    return;
  }
  const moved = await readLock(aside);
  if (moved && moved.owner !== expiredOwner) await fs.link(aside, lock).catch(() => undefined);
  await fs.rm(aside, { force: true });
}
