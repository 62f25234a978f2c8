import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeaweedFs, type SeaweedFs } from './seaweedfs.js';

/** What ADR 0016 relies on: the test server honours S3 conditional writes, also under a race. */
describe('SeaweedFS conditional writes', () => {
  let s3: SeaweedFs;
  beforeAll(async () => {
    s3 = await startSeaweedFs();
    await s3.createBucket('cas');
  }, 90_000);
  afterAll(() => s3?.stop());

  const put = (Key: string, Body: string, cond: { IfNoneMatch?: string; IfMatch?: string }) =>
    s3.client.send(new PutObjectCommand({ Bucket: 'cas', Key, Body, ...cond }));
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
    );

  it('If-None-Match: * creates once, then answers 412', async () => {
    expect(await status(put('a', 'v1', { IfNoneMatch: '*' }))).toBe(200);
    expect(await status(put('a', 'v2', { IfNoneMatch: '*' }))).toBe(412);
  });

  it('If-Match replaces only the named version', async () => {
    const first = await put('b', 'v1', {});
    expect(await status(put('b', 'v2', { IfMatch: first.ETag! }))).toBe(200);
    expect(await status(put('b', 'v3', { IfMatch: first.ETag! }))).toBe(412);
    expect(await status(put('missing', 'v1', { IfMatch: first.ETag! }))).toBe(412);
    const body = await s3.client.send(new GetObjectCommand({ Bucket: 'cas', Key: 'b' }));
    expect(await body.Body!.transformToString()).toBe('v2');
  });

  it('exactly one of 8 racing conditional writers wins, every round', async () => {
    for (let round = 0; round < 5; round++) {
      const base = await put(`race-${round}`, 'base', {});
      const creates = await Promise.all(
        Array.from({ length: 8 }, (_, i) => status(put(`new-${round}`, `w${i}`, { IfNoneMatch: '*' }))),
      );
      const swaps = await Promise.all(
        Array.from({ length: 8 }, (_, i) => status(put(`race-${round}`, `w${i}`, { IfMatch: base.ETag! }))),
      );
      expect(creates.filter((s) => s === 200)).toHaveLength(1);
      expect(swaps.filter((s) => s === 200)).toHaveLength(1);
      expect([...creates, ...swaps].filter((s) => s !== 200).every((s) => s === 412)).toBe(true);
    }
  });
});
