import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectStoreEnv } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ObjectStoreSpec } from '../spec/object-store-spec.js';
import { createLocalStorage } from './local-storage.js';
import { createS3Storage } from './s3-storage.js';
import type { Storage } from './storage.js';

export const isS3Uri = (uri: string): boolean => uri.startsWith('s3://');

/** Splits s3://bucket/prefix into its bucket and key prefix (without leading or trailing '/'). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1]!)) {
    throw new UsageError(
      `"${uri}" is not an s3://bucket/prefix URI`,
      'Write it as s3://my-bucket/some/prefix.',
    );
  }
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, '') };
}

/**
 * The storage a lake URI names: s3://bucket/prefix, a file:// URI or a directory (relative to `baseDir`).
 * Spec settings win over the standard AWS variables (passed in from the config module).
 */
export function openStorage(
  uri: string,
  o: { baseDir: string; spec?: ObjectStoreSpec | undefined; env: ObjectStoreEnv; logger?: Logger },
): Storage {
  if (isS3Uri(uri)) {
    const { bucket, prefix } = parseS3Uri(uri);
    const endpoint = o.spec?.endpoint ?? o.env.endpoint;
    const region = o.spec?.region ?? o.env.region;
    return createS3Storage({
      bucket,
      prefix,
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      ...(o.spec?.forcePathStyle !== undefined ? { forcePathStyle: o.spec.forcePathStyle } : {}),
      ...(o.spec?.maxAttempts ? { maxAttempts: o.spec.maxAttempts } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
    });
  }
  const dir = uri.startsWith('file://') ? fileURLToPath(uri) : path.resolve(o.baseDir, uri);
  return createLocalStorage({ root: dir });
}
