import type pg from 'pg';
import type { Logger } from 'pino';
import type { WarehouseSpec } from '../spec/warehouse-spec.js';
import { redactUrl, resolveWarehouseTarget } from './connection-config.js';
import { createEmbeddedPostgres } from './embedded-postgres.js';
import { createWarehousePool } from './pool.js';

/** An open warehouse: a pool plus what to print, and how to let go of it. */
export interface WarehouseConnection {
  pool: pg.Pool;
  /** Connection URL with the password masked. */
  target: string;
  /** How to open a psql session on it (embedded: reads the password from its file). */
  psqlCommand: string;
  embedded: boolean;
  /** Ends the pool; stops the embedded server if this connection started it. */
  close(): Promise<void>;
}

export interface OpenWarehouseOptions {
  spec: WarehouseSpec;
  /** Environment values (process.env from the caller's config module). */
  env: Readonly<Record<string, string | undefined>>;
  /** The spec file's directory (relative embedded dataDir and sslRootCert resolve against it). */
  baseDir: string;
  logger: Logger;
}

/** Default connection factory: URL from the spec or env, otherwise an embedded PostgreSQL under the state folder. */
export const openWarehouseConnection = async (
  options: OpenWarehouseOptions,
): Promise<WarehouseConnection> => {
  const target = resolveWarehouseTarget(options);
  if (target.kind === 'url') {
    const pool = createWarehousePool({
      url: target.url,
      sslmode: target.sslmode,
      sslRootCert: target.sslRootCert,
      logger: options.logger,
    });
    const redacted = redactUrl(target.url);
    return {
      pool,
      target: redacted,
      psqlCommand: `psql "${redacted.replace(':****@', '@')}"   # password from your ${options.spec.urlFromEnv}/secret`,
      embedded: false,
      close: () => pool.end(),
    };
  }
  const server = createEmbeddedPostgres({
    dataDir: target.dataDir,
    port: target.port,
    database: target.database,
    logger: options.logger,
  });
  const running = await server.start();
  const pool = createWarehousePool({ url: running.url, logger: options.logger });
  return {
    pool,
    target: running.redactedUrl,
    psqlCommand: running.psqlCommand,
    embedded: true,
    close: async () => {
      await pool.end();
      await server.stop();
    },
  };
};
