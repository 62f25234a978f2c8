import pg from 'pg';
import type { Logger } from 'pino';
import type { SslMode } from '../spec/warehouse-spec.js';
import { redactUrl, toPoolConfig } from './connection-config.js';

interface WarehousePoolOptions {
  url: string;
  sslmode?: SslMode | undefined;
  sslRootCert?: string | undefined;
  logger: Logger;
  max?: number;
}

/** A pg Pool for the warehouse; idle-client errors (a killed backend, a dropped network) are logged, never thrown. */
export const createWarehousePool = (options: WarehousePoolOptions): pg.Pool => {
  const pool = new pg.Pool(
    toPoolConfig({
      url: options.url,
      sslmode: options.sslmode,
      sslRootCert: options.sslRootCert,
      ...(options.max !== undefined ? { max: options.max } : {}),
    }),
  );
  const target = redactUrl(options.url);
  pool.on('error', (error) =>
    options.logger.warn({ err: error, target }, 'idle warehouse connection failed'),
  );
  return pool;
};

/** Paths a pino logger should redact so warehouse secrets never reach the logs (merge into the runner's config). */
export const WAREHOUSE_REDACT_PATHS = [
  'password',
  '*.password',
  'connectionString',
  '*.connectionString',
  'url',
  '*.url',
  'warehouse.url',
];
