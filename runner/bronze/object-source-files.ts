import crypto from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { SourceError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { FORMAT_EXTENSIONS, globToRegExp, hasGlob, type SourceFile } from './source-files.js';

/**
 * Lists source objects under an S3 prefix (`storage` is opened on the bucket root): every object with the
 * format's extension below a prefix, one object, or the objects a glob matches. Names are relative to the prefix
 * (or to the glob's fixed part), as local names are relative to the source directory.
 */
export async function listObjectSourceFiles(
  storage: Storage,
  uri: string,
  keyPattern: string,
  format: string,
): Promise<SourceFile[]> {
  const parts = keyPattern.split('/').filter((p) => p !== '');
  const firstGlob = parts.findIndex(hasGlob);
  let root: string;
  let matches: (key: string) => boolean;
  if (firstGlob >= 0) {
    root = parts.slice(0, firstGlob).join('/');
    const re = globToRegExp(parts.slice(firstGlob).join('/'));
    matches = (rel) => re.test(rel);
  } else {
    root = parts.join('/');
    const exts = FORMAT_EXTENSIONS[format] ?? [];
    matches = (rel) => exts.some((x) => rel.toLowerCase().endsWith(x));
  }
  const prefix = root ? `${root}/` : '';
  let objects = (await storage.list(prefix)).filter((o) => matches(o.key.slice(prefix.length)));
  if (objects.length === 0 && firstGlob < 0 && root) {
    // The URI names one object rather than a prefix.
    const one = await storage.stat(root);
    if (one) {
      const dir = root.includes('/') ? root.slice(0, root.lastIndexOf('/') + 1) : '';
      return [toSource(storage, one, dir)];
    }
    throw new SourceError('SOURCE_NOT_FOUND', `source "${uri}" holds no ${format} objects`, {
      hint: 'Check spec.source.uri (s3://bucket/prefix or a glob such as s3://bucket/data/*.csv) and the format.',
    });
  }
  objects = objects.filter(
    (o) =>
      !o.key
        .slice(prefix.length)
        .split('/')
        .some((s) => s.startsWith('.')),
  );
  return objects.map((o) => toSource(storage, o, prefix));
}

const toSource = (
  storage: Storage,
  o: { key: string; etag: string; size: number },
  prefix: string,
): SourceFile => ({
  absPath: '',
  name: o.key.slice(prefix.length),
  remote: { storage, key: o.key, etag: o.etag, size: o.size },
});

/** Streams a source object to a local file (never whole in memory) and returns its sha256. */
export async function downloadSource(file: SourceFile, dest: string): Promise<string> {
  const { storage, key } = file.remote!;
  const hash = crypto.createHash('sha256');
  const body = await storage.createReadStream(key);
  body.on('data', (c: Buffer) => hash.update(c));
  await pipeline(body, createWriteStream(dest));
  return hash.digest('hex');
}

/** sha256 of a source object, streamed. */
export async function sha256Object(file: SourceFile): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const c of await file.remote!.storage.createReadStream(file.remote!.key))
    hash.update(c as Buffer);
  return hash.digest('hex');
}
