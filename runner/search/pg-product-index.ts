import type pg from 'pg';
import type { Logger } from 'pino';
import { SearchError } from './errors.js';
import { quoteIdent } from '../engine/sql-quote.js';
import type { ProductDocument } from './product-search-types.js';

interface PgIndexOptions {
  pool: pg.Pool;
  schema: string;
  runId: string;
  documents: readonly ProductDocument[];
  batchSize: number;
  logger: Logger;
  /** Called between phases (tests use it to act at a precise moment). */
  onPhase?: (phase: 'loaded' | 'swapped') => void | Promise<void>;
}

interface PgIndexResult {
  indexed: number;
  /** How long the swap transaction held its lock (readers wait at most this long). */
  swapMs: number;
}

const COLUMNS =
  'stock_code, description, category, price_min, price_max, price_avg, countries, revenue, revenue_rank, quantity, run_id';

/**
 * Replaces the PostgreSQL product index: fills a new table `product_search_next` (a copy of product_search's
 * definition, indexes included), checks it holds every document, then renames it into place and drops the old
 * table in one short transaction. Readers block for that instant and then read the new table by name; they never
 * see a half index. On any failure the new table is dropped and the live index is untouched.
 * One indexer per schema at a time (an advisory lock).
 */
export const replacePgProductIndex = async (options: PgIndexOptions): Promise<PgIndexResult> => {
  const s = quoteIdent(options.schema);
  const client = await options.pool.connect().catch((cause: unknown) => {
    throw new SearchError('SEARCH_UNAVAILABLE', 'cannot connect to the warehouse to index products', {
      cause,
    });
  });
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`medallion.search.${options.schema}`]);
    await client.query(`DROP TABLE IF EXISTS ${s}.product_search_next`);
    await client.query(`CREATE TABLE ${s}.product_search_next (LIKE ${s}.product_search INCLUDING ALL)`);
    for (let i = 0; i < options.documents.length; i += options.batchSize) {
      const batch = options.documents.slice(i, i + options.batchSize).map((d) => ({
        stock_code: d.stockCode,
        description: d.description,
        category: d.category,
        price_min: d.priceMin,
        price_max: d.priceMax,
        price_avg: d.priceAvg,
        countries: d.countries,
        revenue: d.revenue,
        revenue_rank: d.revenueRank,
        quantity: d.quantity,
        run_id: options.runId,
      }));
      // One JSON parameter per batch: no SQL is built from values, and a batch is one round trip.
      await client.query(
        `INSERT INTO ${s}.product_search_next (${COLUMNS})
         SELECT ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS d(stock_code text, description text,
           category text, price_min numeric, price_max numeric, price_avg numeric, countries text[],
           revenue numeric, revenue_rank integer, quantity bigint, run_id text)`,
        [JSON.stringify(batch)],
      );
    }
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${s}.product_search_next`,
    );
    if (rows[0]?.n !== options.documents.length)
      throw new SearchError(
        'SEARCH_INDEX',
        `the new product index holds ${rows[0]?.n} documents instead of ${options.documents.length}`,
      );
    await client.query(`ANALYZE ${s}.product_search_next`);
    await options.onPhase?.('loaded');
    const swapStarted = performance.now();
    await client.query('BEGIN');
    try {
      // A bounded wait for running readers: a stuck reader fails the step instead of queueing every new reader.
      await client.query(`SET LOCAL lock_timeout = '10s'`);
      await client.query(`ALTER TABLE ${s}.product_search RENAME TO product_search_old`);
      await client.query(`ALTER TABLE ${s}.product_search_next RENAME TO product_search`);
      await client.query(`DROP TABLE ${s}.product_search_old`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const swapMs = performance.now() - swapStarted;
    await options.onPhase?.('swapped');
    options.logger.info({ documents: options.documents.length, swapMs }, 'product search index swapped');
    return { indexed: options.documents.length, swapMs };
  } catch (error) {
    await client.query(`DROP TABLE IF EXISTS ${s}.product_search_next`).catch(() => {
      broken = true;
    });
    if (error instanceof SearchError) throw error;
    throw new SearchError(
      'SEARCH_INDEX',
      'indexing products into PostgreSQL failed; the previous index stays live',
      {
        cause: error,
      },
    );
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`medallion.search.${options.schema}`])
      .catch(() => {
        broken = true;
      });
    client.release(broken ? true : undefined);
  }
};
