import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceError } from '../errors.js';
import type { Storage } from '../storage/storage.js';

export interface SourceFile {
  /** Absolute path on this machine. */
  absPath: string;
  /**
   * Name relative to the source root. It identifies the file in the manifest and lineage, so the same data
   * mounted at another path (another pod, another laptop) is recognised as already ingested.
   */
  name: string;
  /** Set for an object in object storage: `absPath` is empty until bronze downloads it. */
  remote?: { storage: Storage; key: string; etag: string; size: number };
}

export const FORMAT_EXTENSIONS: Record<string, string[]> = {
  csv: ['.csv'],
  'csv.gz': ['.csv.gz', '.gz'],
  jsonl: ['.jsonl', '.ndjson', '.json'],
  parquet: ['.parquet'],
};

/** Resolves `file://` URIs and relative paths (against `baseDir`). Only local files are supported for now. */
export function resolveSourcePath(uri: string, baseDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    if (!uri.startsWith('file://')) {
      throw new SourceError('SOURCE_NOT_FOUND', `unsupported source URI scheme in "${uri}"`, {
        hint: 'Use a local path or a file:// URI; object stores are not supported yet.',
      });
    }
    return fileURLToPath(uri);
  }
  return path.resolve(baseDir, uri);
}

export const hasGlob = (s: string): boolean => /[*?[]/.test(s);

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i += glob[i + 2] === '/' ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The file-system calls the listing makes; injectable so tests can produce EACCES or EIO as root. */
export interface SourceFs {
  readdir(dir: string): Promise<{ name: string; isDirectory(): boolean; isFile(): boolean }[]>;
  stat(p: string): Promise<{ isDirectory(): boolean }>;
  /** Resolves when the file can be opened for reading. */
  access(p: string): Promise<void>;
}

export const nodeSourceFs: SourceFs = {
  readdir: (dir) => fs.readdir(dir, { withFileTypes: true }),
  stat: (p) => fs.stat(p),
  access: (p) => fs.access(p, fsConstants.R_OK),
};

const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
/** Only these mean "nothing there"; anything else (EACCES, EIO, ELOOP …) is a fault the user must see. */
const isMissing = (e: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes(errnoOf(e));

const HINTS: Record<string, string> = {
  EACCES:
    'The user running medallion lacks permission: grant it read access to the files and read+execute to the directories (in Kubernetes, check the volume owner and the pod fsGroup).',
  EPERM:
    'The operation is not permitted for the user running medallion: check the file ownership, mount options and security policy.',
  EIO: 'The storage returned an I/O error: check the disk or network mount (dmesg, the storage provider), then run again.',
};

/** A listing or stat failure other than "does not exist", with the path and errno in the message. */
export function sourceUnreadable(p: string, cause: unknown): SourceError {
  const errno = errnoOf(cause);
  const detail = (cause as Error | undefined)?.message ?? String(cause);
  return new SourceError('SOURCE_UNREADABLE', `cannot read source path ${p}: ${errno} (${detail})`, {
    file: p,
    cause,
    hint:
      HINTS[errno] ??
      'An unexpected file-system error: check the path and the storage it is on, then run again.',
  });
}

async function walk(sfs: SourceFs, dir: string): Promise<string[]> {
  const entries = await sfs.readdir(dir).catch((e: unknown) => {
    if (isMissing(e)) return []; // removed while listing, or a glob whose root does not exist: no files
    throw sourceUnreadable(dir, e);
  });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(sfs, p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Keeps the files that can be read; one that cannot is an error here, not a half-ingested run later. */
async function readable(sfs: SourceFs, files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of files) {
    try {
      await sfs.access(p);
      out.push(p);
    } catch (e) {
      if (!isMissing(e)) throw sourceUnreadable(p, e);
    }
  }
  return out;
}

/** Lists the source files of a directory, file or glob, sorted by name so every run sees the same order. */
export async function listSourceFiles(
  uri: string,
  baseDir: string,
  format: string,
  sfs: SourceFs = nodeSourceFs,
): Promise<SourceFile[]> {
  const resolved = resolveSourcePath(uri, baseDir);
  let root: string;
  let candidates: string[];
  if (hasGlob(resolved)) {
    const parts = resolved.split(path.sep);
    const firstGlob = parts.findIndex(hasGlob);
    root = parts.slice(0, firstGlob).join(path.sep) || path.sep;
    const matcher = globToRegExp(parts.slice(firstGlob).join('/'));
    const all = await walk(sfs, root);
    candidates = all.filter((p) => matcher.test(path.relative(root, p).split(path.sep).join('/')));
  } else {
    const stat = await sfs.stat(resolved).catch((e: unknown) => {
      if (isMissing(e)) return undefined;
      throw sourceUnreadable(resolved, e);
    });
    if (!stat) {
      throw new SourceError('SOURCE_NOT_FOUND', `source "${uri}" does not exist (resolved to ${resolved})`, {
        hint: 'Check spec.source.uri or pass --source-uri; relative paths are resolved against the spec file.',
      });
    }
    if (stat.isDirectory()) {
      root = resolved;
      const exts = FORMAT_EXTENSIONS[format] ?? [];
      candidates = (await walk(sfs, resolved)).filter((p) => exts.some((x) => p.toLowerCase().endsWith(x)));
    } else {
      root = path.dirname(resolved);
      candidates = [resolved];
    }
  }
  return (await readable(sfs, candidates))
    .map((absPath) => ({ absPath, name: path.relative(root, absPath).split(path.sep).join('/') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
