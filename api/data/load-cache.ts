import type pg from 'pg';
import { quoteIdent } from '../../runner/engine/sql-quote.js';

/**
 * Caches answers per warehouse load. Gold marts and facts change only when the warehouse step loads, and every
 * load writes a row to warehouse_loads; so an answer stays valid until that table's latest load changes. The latest
 * load is looked up at most once per `ttlMs`, so a new load is seen within ttlMs (default 5 s).
 */
export function createLoadCache(deps: { pool: pg.Pool; schema: string; ttlMs: number; maxEntries?: number }) {
  const max = deps.maxEntries ?? 2_000;
  let stamp: { value: string; checkedAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const entries = new Map<string, { stamp: string; value: Promise<unknown> }>();

  const currentStamp = async (): Promise<string> => {
    const now = Date.now();
    if (stamp && now - stamp.checkedAt < deps.ttlMs) return stamp.value;
    pending ??= deps.pool
      .query<{ s: string | null }>(
        `SELECT max(loaded_at)::text || '/' || count(*) AS s FROM ${quoteIdent(deps.schema)}.warehouse_loads`,
      )
      .then((r) => {
        stamp = { value: r.rows[0]?.s ?? 'none', checkedAt: Date.now() };
        return stamp.value;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  return {
    async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const s = deps.ttlMs === 0 ? `${Date.now()}-${Math.random()}` : await currentStamp();
      const hit = entries.get(key);
      if (hit && hit.stamp === s) return hit.value as Promise<T>;
      const value = compute();
      // A failed computation is not cached.
      value.catch(() => entries.delete(key));
      if (entries.size >= max) entries.delete(entries.keys().next().value as string);
      entries.set(key, { stamp: s, value });
      return value;
    },
  };
}

export type LoadCache = ReturnType<typeof createLoadCache>;
