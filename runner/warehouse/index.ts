/** Public API of the warehouse step (wired into the runner and `medallion db migrate` by the CLI). */
export { runWarehouseStep, type WarehouseStepInput, type WarehouseStepResult } from './warehouse-step.js';
export {
  openWarehouseConnection,
  type WarehouseConnection,
  type OpenWarehouseOptions,
} from './warehouse-connection.js';
export { runMigrations, type MigrationResult, type RunMigrationsOptions } from './run-migrations.js';
export { loadWarehouse, type LoadResult, type LoadWarehouseOptions } from './load-warehouse.js';
export { sourceFromDirs, sourceFromLake, type WarehouseSource } from './warehouse-source.js';
export {
  createEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedWarehouse,
} from './embedded-postgres.js';
export { createWarehousePool, WAREHOUSE_REDACT_PATHS } from './pool.js';
export {
  resolveWarehouseTarget,
  redactUrl,
  toPoolConfig,
  type WarehouseTarget,
} from './connection-config.js';
export { WarehouseError, isWarehouseError, type WarehouseErrorCode } from './errors.js';
export { MIGRATIONS } from './migrations/index.js';
export { createWarehouseStepRunner, type WarehouseStepRunnerOptions } from './warehouse-step-runner.js';
export { migrateWarehouse, type MigrateWarehouseOptions } from './migrate-warehouse.js';
