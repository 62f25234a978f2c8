import { WarehouseError } from './errors.js';

const SIMPLE: Record<string, string> = {
  BOOLEAN: 'boolean',
  TINYINT: 'smallint',
  SMALLINT: 'smallint',
  INTEGER: 'integer',
  BIGINT: 'bigint',
  HUGEINT: 'numeric(39,0)',
  UTINYINT: 'smallint',
  USMALLINT: 'integer',
  UINTEGER: 'bigint',
  UBIGINT: 'numeric(20,0)',
  FLOAT: 'real',
  DOUBLE: 'double precision',
  VARCHAR: 'text',
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  UUID: 'uuid',
  INTERVAL: 'interval',
};

/** Maps a DuckDB column type (as DESCRIBE prints it) to the PostgreSQL type that holds it exactly. */
export const duckTypeToPg = (duckType: string): string => {
  const type = duckType.trim().toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return `numeric(${decimal[1]},${decimal[2]})`;
  const mapped = SIMPLE[type];
  if (mapped) return mapped;
  throw new WarehouseError('WAREHOUSE_INPUT', `gold column type ${duckType} has no PostgreSQL mapping`);
};
