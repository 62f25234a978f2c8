import type { Role } from '../config.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];

/** Roles are ordered: an operator can do what a viewer can, an admin what an operator can. */
export const roleAllows = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Who is calling: a JWT subject or an API key. `id` keys the rate limit and the audit log. */
export interface Principal {
  id: string;
  kind: 'jwt' | 'api-key';
  role: Role;
  /** Requests per minute for this principal (API keys may carry their own). */
  rateLimitPerMinute: number | undefined;
}
