import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { quoteIdent } from '../engine/sql-quote.js';
import { WarehouseError } from './errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export interface RunMigrationsOptions {
  pool: pg.Pool;
  schema: string;
  logger: Logger;
  /** Defaults to the bundled migrations; tests pass their own list. */
  migrations?: readonly Migration[];
}

export interface MigrationResult {
  schema: string;
  applied: number[];
  currentVersion: number;
}

const migrationChecksum = (migration: Migration): string =>
  createHash('sha256').update(migration.sql).digest('hex');

/**
 * Creates the schema when missing and applies pending migrations in one transaction, serialised across processes
 * with an advisory lock. Applied migrations whose text changed are refused (their checksum is recorded).
 * This is what `medallion db migrate` calls; the warehouse step calls it before every load.
 */
export const runMigrations = async (options: RunMigrationsOptions): Promise<MigrationResult> => {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  const schema = quoteIdent(options.schema);
  let client: pg.PoolClient;
  try {
    client = await options.pool.connect();
  } catch (cause) {
    throw new WarehouseError('WAREHOUSE_CONNECT', 'cannot connect to the warehouse to migrate it', { cause });
  }
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`medallion.migrate.${options.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      `SELECT version, checksum FROM ${schema}.schema_migrations ORDER BY version`,
    );
    const known = new Map(rows.map((row) => [row.version, row.checksum]));
    for (const migration of migrations) {
      const recorded = known.get(migration.version);
      if (recorded !== undefined && recorded !== migrationChecksum(migration)) {
        throw new WarehouseError(
          'WAREHOUSE_MIGRATION',
          `migration ${migration.version} (${migration.name}) was changed after it was applied to ${options.schema}`,
        );
      }
    }
    const pending = migrations.filter((migration) => !known.has(migration.version));
    for (const migration of pending) {
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await client.query(migration.sql);
      await client.query(
        `INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, migrationChecksum(migration)],
      );
      options.logger.info(
        { schema: options.schema, version: migration.version },
        `applied migration ${migration.name}`,
      );
    }
    await client.query('COMMIT');
    const versions = [...known.keys(), ...pending.map((m) => m.version)];
    return {
      schema: options.schema,
      applied: pending.map((m) => m.version),
      currentVersion: Math.max(0, ...versions),
    };
  } catch (error) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof WarehouseError) throw error;
    throw new WarehouseError('WAREHOUSE_MIGRATION', `migrating schema ${options.schema} failed`, {
      cause: error,
    });
  } finally {
    client.release(failed ? true : undefined);
  }
};
