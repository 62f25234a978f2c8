import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openStorage, parseS3Uri } from './open-storage.js';

describe('object store settings', () => {
  it('parses s3://bucket/prefix and rejects what is not one', () => {
    expect(parseS3Uri('s3://retail-lake/medallion/')).toEqual({ bucket: 'retail-lake', prefix: 'medallion' });
    expect(parseS3Uri('s3://retail-lake')).toEqual({ bucket: 'retail-lake', prefix: '' });
    expect(() => parseS3Uri('s3://UPPER/x')).toThrow(/not an s3:\/\/bucket\/prefix URI/);
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL, and the region from AWS_REGION', () => {
    const both = loadConfig(
      {
        AWS_ENDPOINT_URL_S3: 'http://s3.local:8333',
        AWS_ENDPOINT_URL: 'http://all.local',
        AWS_REGION: 'eu-west-2',
      },
      false,
    );
    expect(both.objectStore).toEqual({ endpoint: 'http://s3.local:8333', region: 'eu-west-2' });
    const generic = loadConfig(
      { AWS_ENDPOINT_URL: 'http://all.local', AWS_DEFAULT_REGION: 'us-west-1' },
      false,
    );
    expect(generic.objectStore).toEqual({ endpoint: 'http://all.local', region: 'us-west-1' });
    expect(loadConfig({}, false).objectStore).toEqual({ endpoint: undefined, region: undefined });
  });

  it('never keeps credentials in the config', () => {
    const c = loadConfig({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'very-secret' }, false);
    expect(JSON.stringify(c)).not.toMatch(/AKIDEXAMPLE|very-secret/);
  });

  it('opens a local directory for paths and file:// URIs, S3 for s3://', () => {
    const env = { endpoint: 'http://127.0.0.1:9', region: undefined };
    expect(openStorage('./lake', { baseDir: '/srv/p', env }).uri).toBe('file:///srv/p/lake');
    expect(openStorage('file:///data/lake', { baseDir: '/x', env }).localPath('a/b')).toBe('/data/lake/a/b');
    const s3 = openStorage('s3://retail-lake/medallion', { baseDir: '/x', env });
    expect(s3.uri).toBe('s3://retail-lake/medallion');
    expect(s3.localPath('a')).toBeUndefined();
  });
});
