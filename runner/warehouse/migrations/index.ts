import { STAR_SCHEMA_SQL } from './0001-star-schema.js';
import { COUNTRY_ATTRIBUTES_SQL } from './0002-country-attributes.js';
import { PRODUCT_SEARCH_SQL } from './0003-product-search.js';
import { RUN_HISTORY_SQL } from './0004-run-history.js';
import { INCREMENTAL_LOAD_SQL } from './0005-incremental-load.js';
import { CHECK_RESULTS_SQL } from './0006-check-results.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration in version order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'star schema', sql: STAR_SCHEMA_SQL },
  { version: 2, name: 'country attributes', sql: COUNTRY_ATTRIBUTES_SQL },
  { version: 3, name: 'product search', sql: PRODUCT_SEARCH_SQL },
  { version: 4, name: 'run history and api keys', sql: RUN_HISTORY_SQL },
  { version: 5, name: 'incremental loads', sql: INCREMENTAL_LOAD_SQL },
  { version: 6, name: 'quality check results', sql: CHECK_RESULTS_SQL },
];
