import { STAR_SCHEMA_SQL } from './0001-star-schema.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration in version order. Append only. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'star schema', sql: STAR_SCHEMA_SQL }];
