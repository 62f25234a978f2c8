import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { Role } from '../config.js';
import type { Principal } from './roles.js';

/**
 * API keys look like `mdk_<id>_<secret>`. Only the SHA-256 of the secret is stored: the secret has 256 bits of
 * entropy, so a fast hash is enough (a slow password hash protects low-entropy secrets, which these are not).
 */
const KEY_FORMAT = /^mdk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

interface NewApiKey {
  keyId: string;
  /** Shown once; never stored. */
  key: string;
  secretSha256: string;
}

function generateApiKey(): NewApiKey {
  const keyId = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `mdk_${keyId}_${secret}`, secretSha256: sha256Hex(secret) };
}

const parseApiKey = (key: string): { keyId: string; secret: string } | undefined => {
  const m = KEY_FORMAT.exec(key);
  return m ? { keyId: m[1]!, secret: m[2]! } : undefined;
};

export interface ApiKeyStore {
  create(input: {
    name: string;
    role: Role;
    rateLimitPerMinute?: number | undefined;
  }): Promise<{ keyId: string; key: string }>;
  /** The principal of a valid, unrevoked key; undefined otherwise. */
  verify(key: string): Promise<Principal | undefined>;
  revoke(keyId: string): Promise<boolean>;
}

interface KeyRow {
  secret_sha256: string;
  role: Role;
  rate_limit_per_minute: number | null;
}

/** API keys in `<schema>.api_keys` (migration 0004); lookups are cached briefly so a hot key costs no query. */
export function createApiKeyStore(deps: { pool: pg.Pool; schema: string; cacheMs?: number }): ApiKeyStore {
  const table = `"${deps.schema}".api_keys`;
  const cacheMs = deps.cacheMs ?? 10_000;
  const cache = new Map<string, { row: KeyRow | undefined; at: number }>();
  return {
    async create({ name, role, rateLimitPerMinute }) {
      const k = generateApiKey();
      await deps.pool.query(
        `INSERT INTO ${table} (key_id, name, role, secret_sha256, rate_limit_per_minute) VALUES ($1, $2, $3, $4, $5)`,
        [k.keyId, name, role, k.secretSha256, rateLimitPerMinute ?? null],
      );
      return { keyId: k.keyId, key: k.key };
    },
    async verify(key) {
      const parsed = parseApiKey(key);
      if (!parsed) return undefined;
      const hit = cache.get(parsed.keyId);
      let row = hit && Date.now() - hit.at < cacheMs ? hit.row : undefined;
      if (!hit || Date.now() - hit.at >= cacheMs) {
        const { rows } = await deps.pool.query<KeyRow>(
          `SELECT secret_sha256, role, rate_limit_per_minute FROM ${table} WHERE key_id = $1 AND revoked_at IS NULL`,
          [parsed.keyId],
        );
        row = rows[0];
        cache.set(parsed.keyId, { row, at: Date.now() });
      }
      if (!row) return undefined;
      const a = Buffer.from(sha256Hex(parsed.secret), 'hex');
      const b = Buffer.from(row.secret_sha256, 'hex');
      if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
      return {
        id: `key:${parsed.keyId}`,
        kind: 'api-key',
        role: row.role,
        rateLimitPerMinute: row.rate_limit_per_minute ?? undefined,
      };
    },
    async revoke(keyId) {
      cache.delete(keyId);
      const r = await deps.pool.query(
        `UPDATE ${table} SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL`,
        [keyId],
      );
      return (r.rowCount ?? 0) > 0;
    },
  };
}
