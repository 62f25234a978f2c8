import { z } from 'zod';

/** Request parameter schemas shared by the routes: bounded, and refusing what PostgreSQL would choke on. */

const noNul = (s: string) => !s.includes('\0');

export const text = (max = 200) =>
  z.string().min(1).max(max).refine(noNul, 'must not contain NUL characters');

/** yyyy-mm-dd, a real calendar day between 1900 and 2999. */
export const isoDate = () =>
  z
    .string()
    .regex(/^(19|2\d)\d\d-\d\d-\d\d$/, 'use yyyy-mm-dd')
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
    }, 'not a calendar date');

/** ISO 8601 timestamp with a zone, 1970..2999. */
export const isoTimestamp = () =>
  z
    .string()
    .max(40)
    .regex(
      /^(19[7-9]\d|2\d\d\d)-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)$/,
      'use an ISO 8601 timestamp with a zone, e.g. 2011-12-09T00:00:00Z',
    )
    .refine((s) => !Number.isNaN(Date.parse(s)), 'not a valid timestamp');

export const limit = (max = 500, def = 100) =>
  z.coerce.number().int().min(1).max(max).default(def).describe(`Page size (1..${max}, default ${def}).`);

export const cursor = () =>
  z.string().min(1).max(1024).optional().describe('Opaque cursor: next_cursor of the previous page.');

export const dateRange = {
  from: isoDate().optional().describe('First business date (inclusive), yyyy-mm-dd.'),
  to: isoDate().optional().describe('Last business date (inclusive), yyyy-mm-dd.'),
};

/** Exact decimal amounts are strings (no binary floating point on money). */
export const decimal = () => z.string().describe('Exact decimal number, as a string.');
