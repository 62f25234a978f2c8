import type { Readable } from 'node:stream';

/**
 * One interface for the lake and the sources, whether a local directory or an S3 bucket. Keys are relative,
 * '/'-separated paths under the storage's root (a directory, or a bucket plus prefix).
 */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Changes with every write of the key; the token the compare-and-swap methods take. */
  etag: string;
  lastModified: Date;
}

export type CasResult = { ok: true; etag: string } | { ok: false };

export interface Storage {
  /** Where it is, for messages and lineage: file:///abs/dir or s3://bucket/prefix. Never holds credentials. */
  readonly uri: string;
  /** The key's path on this machine when the storage is a local directory (DuckDB can read it in place). */
  localPath(key: string): string | undefined;
  /** Every object whose key starts with `prefix`, recursively, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Streams an object with the etag of exactly the content streamed; undefined when it does not exist. */
  open(key: string): Promise<{ stream: Readable; info: ObjectInfo } | undefined>;
  createReadStream(key: string): Promise<Readable>;
  /** Writes (streams, in parts when large) an object; readers see the old or the new content, never a mix. */
  put(key: string, body: Readable | Buffer | string): Promise<{ etag: string }>;
  /** Creates the object only if no object has the key: one of any number of racing writers wins. */
  putIfAbsent(key: string, body: Buffer | string): Promise<CasResult>;
  /** Replaces the object only if its etag is still `etag`: one of any number of racing writers wins. */
  putIfMatch(key: string, body: Buffer | string, etag: string): Promise<CasResult>;
  delete(key: string): Promise<void>;
}

/** Reads a small object (metadata such as a manifest or a pointer) with its etag. */
export async function readText(
  storage: Storage,
  key: string,
): Promise<{ text: string; etag: string } | undefined> {
  const opened = await storage.open(key);
  if (!opened) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of opened.stream) chunks.push(c as Buffer);
  return { text: Buffer.concat(chunks).toString('utf8'), etag: opened.info.etag };
}

/** Joins key segments with '/', dropping empty ones. */
export const joinKey = (...parts: string[]): string =>
  parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
