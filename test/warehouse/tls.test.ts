import { execFile } from 'node:child_process';
import { chown, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SslMode } from '../../runner/spec/warehouse-spec.js';
import { createEmbeddedPostgres, type EmbeddedPostgres } from '../../runner/warehouse/embedded-postgres.js';
import { createWarehousePool } from '../../runner/warehouse/pool.js';
import { freePort, scratchDir, testLogger } from './helpers/test-postgres.js';

/**
 * TLS against a real PostgreSQL with ssl=on and a self-signed certificate issued to `warehouse.internal`
 * (not to 127.0.0.1), so each sslmode shows its libpq meaning: require encrypts without checking, verify-ca
 * checks the chain only, verify-full also checks the host name.
 */
const exec = promisify(execFile);
let dir: string;
let server: EmbeddedPostgres;
let url: string;
let cert: string;

beforeAll(async () => {
  dir = await scratchDir('medallion-wh-tls-');
  cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=warehouse.internal',
    '-addext',
    'subjectAltName=DNS:warehouse.internal',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  // PostgreSQL refuses a key readable by others; in root containers the server runs as the postgres user.
  if (process.getuid?.() === 0) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    await chown(key, Number(stdout.trim()), 0);
  }
  const port = await freePort();
  server = createEmbeddedPostgres({
    dataDir: path.join(dir, 'pgdata'),
    port,
    logger: testLogger,
    serverFlags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`],
  });
  url = (await server.start()).url;
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const probe = async (sslmode: SslMode, sslRootCert?: string): Promise<boolean> => {
  const pool = createWarehousePool({ url, sslmode, sslRootCert, logger: testLogger, max: 1 });
  try {
    const { rows } = await pool.query<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return rows[0]?.ssl ?? false;
  } finally {
    await pool.end();
  }
};

describe('warehouse TLS modes', () => {
  it('disable connects in clear text, require encrypts without verifying', async () => {
    expect(await probe('disable')).toBe(false);
    expect(await probe('require')).toBe(true);
  });

  it('verify-ca accepts the trusted chain; verify-full also demands the host name', async () => {
    expect(await probe('verify-ca', cert)).toBe(true);
    await expect(probe('verify-full', cert)).rejects.toThrow(/altnames|Hostname/i);
    await expect(probe('verify-full')).rejects.toThrow(/self.signed|certificate/i);
  });

  it('reads sslmode from the URL when the spec does not set it', async () => {
    const pool = createWarehousePool({ url: `${url}?sslmode=require`, logger: testLogger, max: 1 });
    try {
      const { rows } = await pool.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      expect(rows[0]?.ssl).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
