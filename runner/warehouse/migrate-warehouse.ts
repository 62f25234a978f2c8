import type { Logger } from 'pino';
import { WarehouseSpecSchema, type WarehouseSpecInput } from '../spec/warehouse-spec.js';
import { runMigrations, type MigrationResult } from './run-migrations.js';
import { openWarehouseConnection } from './warehouse-connection.js';

export interface MigrateWarehouseOptions {
  /** The spec's `warehouse` section (parsed or raw). */
  warehouse: WarehouseSpecInput | undefined;
  env: Readonly<Record<string, string | undefined>>;
  baseDir: string;
  logger: Logger;
}

/** `medallion db migrate`: opens the configured (or embedded) warehouse, applies pending migrations, closes it. */
export const migrateWarehouse = async (
  options: MigrateWarehouseOptions,
): Promise<MigrationResult & { target: string }> => {
  const spec = WarehouseSpecSchema.parse(options.warehouse ?? {});
  const connection = await openWarehouseConnection({
    spec,
    env: options.env,
    baseDir: options.baseDir,
    logger: options.logger,
  });
  try {
    const result = await runMigrations({
      pool: connection.pool,
      schema: spec.schema,
      logger: options.logger,
    });
    return { ...result, target: connection.target };
  } finally {
    await connection.close();
  }
};
