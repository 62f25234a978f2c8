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

async function walk(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Lists the source files of a directory, file or glob, sorted by name so every run sees the same order. */
export async function listSourceFiles(uri: string, baseDir: string, format: string): Promise<SourceFile[]> {
  const resolved = resolveSourcePath(uri, baseDir);
  let root: string;
  let candidates: string[];
  if (hasGlob(resolved)) {
    const parts = resolved.split(path.sep);
    const firstGlob = parts.findIndex(hasGlob);
    root = parts.slice(0, firstGlob).join(path.sep) || path.sep;
    const matcher = globToRegExp(parts.slice(firstGlob).join('/'));
    const all = await walk(root).catch(() => []);
    candidates = all.filter((p) => matcher.test(path.relative(root, p).split(path.sep).join('/')));
  } else {
    const stat = await fs.stat(resolved).catch(() => undefined);
    if (!stat) {
      throw new SourceError('SOURCE_NOT_FOUND', `source "${uri}" does not exist (resolved to ${resolved})`, {
        hint: 'Check spec.source.uri or pass --source-uri; relative paths are resolved against the spec file.',
      });
    }
    if (stat.isDirectory()) {
      root = resolved;
      const exts = FORMAT_EXTENSIONS[format] ?? [];
      candidates = (await walk(resolved)).filter((p) => exts.some((x) => p.toLowerCase().endsWith(x)));
    } else {
      root = path.dirname(resolved);
      candidates = [resolved];
    }
  }
  return candidates
    .map((absPath) => ({ absPath, name: path.relative(root, absPath).split(path.sep).join('/') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
