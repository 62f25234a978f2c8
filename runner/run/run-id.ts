import crypto from 'node:crypto';

/** Sortable, unique run ids: UTC time to the millisecond plus a random suffix. Versions sort by run id. */
export function newRunId(now: Date = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${t}-${crypto.randomBytes(3).toString('hex')}`.toLowerCase();
}
