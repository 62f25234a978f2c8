import { describe, expect, it } from 'vitest';
import { WarehouseSpecSchema } from '../spec/warehouse-spec.js';
import { redactUrl, resolveWarehouseTarget, toPoolConfig } from './connection-config.js';

const spec = (input: Record<string, unknown> = {}) => WarehouseSpecSchema.parse(input);

describe('resolveWarehouseTarget', () => {
  it('defaults to the embedded server under the state folder', () => {
    expect(resolveWarehouseTarget({ spec: spec(), env: {}, baseDir: '/p' })).toEqual({
      kind: 'embedded',
      dataDir: '/p/.medallion/warehouse/pgdata',
      port: 54329,
      database: 'medallion',
    });
  });

  it('prefers the spec URL, then the named env var', () => {
    const env = { DATABASE_URL: 'postgres://a@h/db', WH: 'postgresql://b@h/db' };
    expect(resolveWarehouseTarget({ spec: spec(), env, baseDir: '/' })).toMatchObject({
      url: env.DATABASE_URL,
    });
    expect(resolveWarehouseTarget({ spec: spec({ urlFromEnv: 'WH' }), env, baseDir: '/' })).toMatchObject({
      url: env.WH,
      source: 'env',
    });
    expect(
      resolveWarehouseTarget({ spec: spec({ url: 'postgres://c@h/db' }), env, baseDir: '/' }),
    ).toMatchObject({ url: 'postgres://c@h/db', source: 'spec' });
  });

  it('fails with a coded error when nothing is configured and embedded is off', () => {
    expect(() =>
      resolveWarehouseTarget({ spec: spec({ embedded: { enabled: false } }), env: {}, baseDir: '/' }),
    ).toThrow(expect.objectContaining({ code: 'WAREHOUSE_CONFIG' }));
    expect(() =>
      resolveWarehouseTarget({ spec: spec(), env: { DATABASE_URL: 'mysql://x' }, baseDir: '/' }),
    ).toThrow(expect.objectContaining({ code: 'WAREHOUSE_CONFIG' }));
  });
});

describe('toPoolConfig', () => {
  const url = 'postgres://u:s3cret@db.example.com:6543/postgres';

  it('maps sslmode like libpq and strips TLS parameters from the URL', () => {
    const require = toPoolConfig({ url: `${url}?sslmode=require` });
    expect(require.ssl).toEqual({ rejectUnauthorized: false });
    expect(require.connectionString).not.toContain('sslmode');
    expect(toPoolConfig({ url }).ssl).toBe(false);
    expect(toPoolConfig({ url: `${url}?sslmode=require`, sslmode: 'disable' }).ssl).toBe(false);
    const full = toPoolConfig({ url, sslmode: 'verify-full', sslRootCert: '/ca.pem', readFile: () => 'PEM' });
    expect(full.ssl).toEqual({ rejectUnauthorized: true, ca: 'PEM' });
    const ca = toPoolConfig({
      url: `${url}?sslmode=verify-ca&sslrootcert=/x.pem`,
      readFile: (f) => `PEM:${f}`,
    });
    expect(ca.ssl).toMatchObject({ rejectUnauthorized: true, ca: 'PEM:/x.pem' });
  });

  it('rejects unknown sslmodes', () => {
    expect(() => toPoolConfig({ url: `${url}?sslmode=sometimes` })).toThrow(/unsupported sslmode/);
  });

  it('masks passwords for logs', () => {
    expect(redactUrl(url)).toBe('postgres://u:****@db.example.com:6543/postgres');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactUrl('not a url://u:pw@h')).not.toContain('pw');
  });
});
