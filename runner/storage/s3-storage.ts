import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { StorageError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CasResult, ObjectInfo, Storage } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' for the whole bucket). */
  prefix?: string;
  /** A custom endpoint (SeaweedFS, MinIO, Ceph); AWS's regional endpoint when absent. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing; defaults to true for a custom endpoint, false for AWS. */
  forcePathStyle?: boolean;
  /** Static credentials (from a Secret); the standard AWS chain (env, web identity, profiles) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request, with the SDK's standard backoff (throttling, 5xx, dropped connections). */
  maxAttempts?: number;
  logger?: Logger;
}

/** Part size of multipart uploads: memory held per upload is partSize × queueSize. */
const PART_SIZE = 8 << 20;
const QUEUE_SIZE = 4;

const statusOf = (e: unknown): number | undefined =>
  (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (e: unknown): string => (e as { name?: string }).name ?? '';
const attemptsOf = (e: unknown): number =>
  (e as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
/** S3's throttling answers (503 SlowDown and kin): the SDK retries them with its longer throttling backoff. */
const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** S3 (or an S3-compatible server): conditional writes make putIfAbsent and putIfMatch atomic on the server. */
export function createS3Storage(o: S3StorageOptions): Storage {
  const prefix = (o.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const base = prefix ? `${prefix}/` : '';
  const client = new S3Client({
    region: o.region ?? 'us-east-1',
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    maxAttempts: o.maxAttempts ?? 5,
    retryMode: 'standard',
  });
  const uri = `s3://${o.bucket}${prefix ? `/${prefix}` : ''}`;
  o.logger?.debug(
    {
      uri,
      endpoint: o.endpoint ?? 'aws',
      region: o.region ?? 'us-east-1',
      credentials: o.credentials ? 'static' : 'chain',
    },
    'object storage',
  );
  const Key = (key: string): string => `${base}${key}`;

  const fault = (op: string, key: string, e: unknown): StorageError => {
    const name = nameOf(e);
    const status = statusOf(e);
    const where = `s3://${o.bucket}/${Key(key)}`;
    const hint =
      name === 'NoSuchBucket'
        ? `Create the bucket "${o.bucket}" or fix the bucket in the URI.`
        : name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403
          ? 'The credentials were refused: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the credentials Secret, the profile, the IRSA role) and the bucket policy.'
          : name === 'CredentialsProviderError'
            ? 'No credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or web identity (IRSA).'
            : THROTTLING.has(name) || status === 429
              ? `The object store kept throttling (${name || status}) and the request was retried ${attemptsOf(e) - 1} times with backoff: raise spec.lake.s3.maxAttempts, lower the request rate (fewer concurrent runs on the bucket or prefix), or run again later.`
              : status === undefined
                ? `The object store did not answer: check the endpoint (${o.endpoint ?? 'AWS'}) and the network.`
                : 'The object store refused the request; it was retried where retrying helps.';
    const msg = e instanceof S3ServiceException || status ? `${name} (HTTP ${status})` : (e as Error).message;
    return new StorageError(`cannot ${op} ${where}: ${msg}`, { cause: e, hint });
  };

  const lost = (e: unknown): boolean =>
    // 412: the condition failed; 409: a concurrent conditional write is in progress; 404: If-Match on no object.
    statusOf(e) === 412 || statusOf(e) === 409 || nameOf(e) === 'NoSuchKey' || statusOf(e) === 404;

  const conditional = async (
    key: string,
    body: Buffer | string,
    cond: { IfNoneMatch?: string; IfMatch?: string },
  ): Promise<CasResult> => {
    try {
      const r = await client.send(
        new PutObjectCommand({ Bucket: o.bucket, Key: Key(key), Body: body, ...cond }),
      );
      return { ok: true, etag: r.ETag ?? '' };
    } catch (e) {
      if (lost(e)) return { ok: false };
      throw fault('write', key, e);
    }
  };

  return {
    uri,
    localPath: () => undefined,
    async list(p) {
      const out: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const r = await client
          .send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: Key(p), ContinuationToken: token }))
          .catch((e: unknown) => {
            throw fault('list', p, e);
          });
        for (const c of r.Contents ?? []) {
          if (!c.Key || c.Key.endsWith('/')) continue;
          out.push({
            key: c.Key.slice(base.length),
            size: c.Size ?? 0,
            etag: c.ETag ?? '',
            lastModified: c.LastModified ?? new Date(0),
          });
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async stat(key) {
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: Key(key) }));
        return {
          key,
          size: r.ContentLength ?? 0,
          etag: r.ETag ?? '',
          lastModified: r.LastModified ?? new Date(0),
        };
      } catch (e) {
        if (statusOf(e) === 404) return undefined;
        throw fault('stat', key, e);
      }
    },
    async open(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: Key(key) }));
        return {
          stream: r.Body as Readable,
          info: {
            key,
            size: r.ContentLength ?? 0,
            etag: r.ETag ?? '',
            lastModified: r.LastModified ?? new Date(0),
          },
        };
      } catch (e) {
        if (nameOf(e) === 'NoSuchKey' || statusOf(e) === 404) return undefined;
        throw fault('read', key, e);
      }
    },
    async createReadStream(key) {
      const opened = await this.open(key);
      if (!opened) throw new StorageError(`s3://${o.bucket}/${Key(key)} does not exist`);
      return opened.stream;
    },
    async put(key, body) {
      try {
        const upload = new Upload({
          client,
          params: { Bucket: o.bucket, Key: Key(key), Body: body },
          partSize: PART_SIZE,
          queueSize: QUEUE_SIZE,
          // A failed multipart upload is aborted, so no parts are left behind to pay for.
          leavePartsOnError: false,
        });
        const r = await upload.done();
        return { etag: r.ETag ?? '' };
      } catch (e) {
        throw fault('write', key, e);
      }
    },
    putIfAbsent: (key, body) => conditional(key, body, { IfNoneMatch: '*' }),
    putIfMatch: (key, body, etag) => conditional(key, body, { IfMatch: etag }),
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: Key(key) })).catch((e: unknown) => {
        throw fault('delete', key, e);
      });
    },
  };
}
