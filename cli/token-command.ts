import { readFileSync } from 'node:fs';
import { UsageError } from '../runner/errors.js';
import { EXIT, type CliIo } from './cli-io.js';
import type { CommandContext, OptionValues } from './command.js';

const ROLES = ['viewer', 'operator', 'admin'] as const;
type Role = (typeof ROLES)[number];

/** 90s, 30m, 12h, 7d or plain seconds. */
export function parseDuration(text: string, option = '--ttl'): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`${option} ${text} is not a duration`, 'Use e.g. 30m, 12h or 7d.');
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  if (seconds < 1 || seconds > 366 * 86400) throw new UsageError(`${option} must be between 1s and 366d`);
  return seconds;
}

const role = (value: unknown): Role => {
  if (typeof value !== 'string') throw new UsageError('missing --role', `Roles: ${ROLES.join(', ')}.`);
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new UsageError(`unknown role "${value}"`, `Roles: ${ROLES.join(', ')}.`);
  }
  return value as Role;
};

// The API's modules (jose, the key store) load only for the token commands.
async function apiConfig(io: CliIo) {
  const { loadApiConfig } = await import('../api/config.js');
  try {
    return loadApiConfig({}, io.env, (file) => readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError((e as Error).message, 'See medallion token --help.');
  }
}

/**
 * `medallion token create --role R`: prints a signed JWT for local use (HS256 with MEDALLION_JWT_SECRET, or RS256
 * with --private-key).
 */
export async function tokenCreate(values: OptionValues, { io }: CommandContext): Promise<number> {
  const opt = values as { role?: string; subject?: string; ttl?: string; 'private-key'?: string };
  const config = await apiConfig(io);
  const privateKey = opt['private-key'] ? readFileSync(opt['private-key'], 'utf8') : undefined;
  if (!config.jwt.hs256Secret && !privateKey) {
    throw new UsageError(
      'no signing key: MEDALLION_JWT_SECRET is not set',
      'export MEDALLION_JWT_SECRET=$(openssl rand -hex 32) for both the API and this command, or pass --private-key key.pem (RS256).',
    );
  }
  const { signToken } = await import('../api/auth/jwt.js');
  const token = await signToken({
    role: role(opt.role),
    subject: opt.subject ?? `local-${role(opt.role)}`,
    ttlSeconds: parseDuration(opt.ttl ?? '12h'),
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    hs256Secret: privateKey ? undefined : config.jwt.hs256Secret,
    rs256PrivateKeyPem: privateKey,
  });
  io.out(token);
  return EXIT.ok;
}

type ApiKeyStore = ReturnType<(typeof import('../api/auth/api-keys.js'))['createApiKeyStore']>;

/** Opens the API's warehouse (migrated), hands its key store to `use`, and closes it. */
async function withKeyStore(
  values: OptionValues,
  ctx: CommandContext,
  use: (store: ApiKeyStore, where: string) => Promise<number>,
): Promise<number> {
  const config = await apiConfig(ctx.io);
  const { resolveApiWarehouse } = await import('../api/server.js');
  const { openWarehouseConnection } = await import('../runner/warehouse/warehouse-connection.js');
  const { runMigrations } = await import('../runner/warehouse/run-migrations.js');
  const { createApiKeyStore } = await import('../api/auth/api-keys.js');
  const { spec, baseDir } = await resolveApiWarehouse({
    file: typeof values.file === 'string' ? values.file : undefined,
    schemaOverride: config.warehouseSchema,
    env: ctx.io.env,
  });
  const connection = await openWarehouseConnection({ spec, env: ctx.io.env, baseDir, logger: ctx.logger });
  try {
    await runMigrations({ pool: connection.pool, schema: spec.schema, logger: ctx.logger });
    const store = createApiKeyStore({ pool: connection.pool, schema: spec.schema });
    return await use(store, `${connection.target} schema ${spec.schema}`);
  } finally {
    await connection.close();
  }
}

/** `medallion token create-key --role R --name N`: an API key stored hashed in the warehouse, printed once. */
export async function tokenCreateKey(values: OptionValues, ctx: CommandContext): Promise<number> {
  const opt = values as { role?: string; name?: string; 'rate-limit'?: string };
  return withKeyStore(values, ctx, async (store, where) => {
    if (!opt.name) throw new UsageError('missing --name NAME', 'Name the key after who uses it.');
    const limit = opt['rate-limit'] === undefined ? undefined : Number(opt['rate-limit']);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new UsageError('--rate-limit must be a positive integer (requests per minute)');
    }
    const created = await store.create({ name: opt.name, role: role(opt.role), rateLimitPerMinute: limit });
    ctx.io.out(created.key);
    ctx.io.err(
      `API key ${created.keyId} (${opt.name}, ${opt.role}) stored hashed in ${where}; it is shown only now.`,
    );
    return EXIT.ok;
  });
}

/** `medallion token revoke-key --id KEY_ID`: exit 1 when no active key has that id. */
export async function tokenRevokeKey(values: OptionValues, ctx: CommandContext): Promise<number> {
  const id = typeof values.id === 'string' ? values.id : undefined;
  return withKeyStore(values, ctx, async (store) => {
    if (!id) throw new UsageError('missing --id KEY_ID', 'The key id is the part after mdk_.');
    const revoked = await store.revoke(id);
    ctx.io.out(revoked ? `revoked ${id}` : `no active key ${id}`);
    return revoked ? EXIT.ok : EXIT.failed;
  });
}
