import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import pino from 'pino';
import {
  createEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../../runner/warehouse/embedded-postgres.js';
import { createWarehousePool } from '../../../runner/warehouse/pool.js';
import type { WarehouseConnection } from '../../../runner/warehouse/warehouse-connection.js';

export const testLogger = pino({ level: process.env.WAREHOUSE_TEST_LOG ?? 'silent' });

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/** A scratch directory the `postgres` OS user can traverse (tests run as root in CI containers). */
export const scratchDir = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
};

export interface TestPostgres {
  url: string;
  server: EmbeddedPostgres;
  dir: string;
  /** A connection factory for runWarehouseStep: a fresh pool per step, ended by the step. */
  connect: () => Promise<WarehouseConnection>;
  pool: () => pg.Pool;
  stop(): Promise<void>;
}

/** A real PostgreSQL for the tests: DATABASE_URL when WAREHOUSE_TEST_DATABASE_URL is set, else embedded. */
export const startTestPostgres = async (): Promise<TestPostgres> => {
  const dir = await scratchDir('medallion-wh-test-');
  const server = createEmbeddedPostgres({
    dataDir: path.join(dir, 'pgdata'),
    port: await freePort(),
    logger: testLogger,
  });
  const external = process.env.WAREHOUSE_TEST_DATABASE_URL;
  const url = external ?? (await server.start()).url;
  const pools: pg.Pool[] = [];
  const pool = (): pg.Pool => {
    const created = createWarehousePool({ url, logger: testLogger });
    pools.push(created);
    return created;
  };
  return {
    url,
    server,
    dir,
    pool,
    connect: async () => {
      const created = pool();
      return {
        pool: created,
        target: 'test',
        psqlCommand: 'psql',
        embedded: false,
        close: () => created.end(),
      };
    },
    stop: async () => {
      await Promise.all(pools.map((p) => (p.ended ? undefined : p.end())));
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
