import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../runner/errors.js';
import type { Logger } from '../runner/logger.js';
import { EXIT, type CliIo } from './cli-io.js';
import { TOKEN_HELP } from './help-text.js';

const ROLES = ['viewer', 'operator', 'admin'] as const;
type Role = (typeof ROLES)[number];

/** 90s, 30m, 12h, 7d or plain seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`--ttl ${text} is not a duration`, 'Use e.g. 30m, 12h or 7d.');
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  if (seconds < 1 || seconds > 366 * 86400) throw new UsageError('--ttl must be between 1s and 366d');
  return seconds;
}

const role = (value: unknown): Role => {
  if (typeof value !== 'string') throw new UsageError('missing --role', `Roles: ${ROLES.join(', ')}.`);
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new UsageError(`unknown role "${value}"`, `Roles: ${ROLES.join(', ')}.`);
  }
  return value as Role;
};

/**
 * `medallion token create --role R`: prints a signed JWT for local use (HS256 with MEDALLION_JWT_SECRET, or RS256
 * with --private-key). `medallion token create-key` / `revoke-key`: API keys stored hashed in the warehouse.
 */
export async function tokenCommand(argv: string[], deps: { io: CliIo; logger: Logger }): Promise<number> {
  const { io } = deps;
  const sub = argv[0]?.startsWith('-') === false ? argv[0] : undefined;
  let values;
  try {
    ({ values } = parseArgs({
      args: sub ? argv.slice(1) : argv,
      options: {
        role: { type: 'string' },
        subject: { type: 'string' },
        ttl: { type: 'string' },
        'private-key': { type: 'string' },
        name: { type: 'string' },
        'rate-limit': { type: 'string' },
        id: { type: 'string' },
        file: { type: 'string', short: 'f' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(
      (e as Error).message.replace(/\. To specify.*$/s, ''),
      'Run medallion token --help.',
    );
  }
  if (values.help || !sub) {
    io.out(TOKEN_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const { loadApiConfig } = await import('../api/config.js');
  let config;
  try {
    config = loadApiConfig({}, io.env, (file) => readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError((e as Error).message, 'See medallion token --help.');
  }
  if (sub === 'create') {
    const privateKey = values['private-key'] ? readFileSync(values['private-key'], 'utf8') : undefined;
    if (!config.jwt.hs256Secret && !privateKey) {
      throw new UsageError(
        'no signing key: MEDALLION_JWT_SECRET is not set',
        'export MEDALLION_JWT_SECRET=$(openssl rand -hex 32) for both the API and this command, or pass --private-key key.pem (RS256).',
      );
    }
    const { signToken } = await import('../api/auth/jwt.js');
    const token = await signToken({
      role: role(values.role),
      subject: values.subject ?? `local-${role(values.role)}`,
      ttlSeconds: parseDuration(values.ttl ?? '12h'),
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      hs256Secret: privateKey ? undefined : config.jwt.hs256Secret,
      rs256PrivateKeyPem: privateKey,
    });
    io.out(token);
    return EXIT.ok;
  }
  if (sub !== 'create-key' && sub !== 'revoke-key') {
    throw new UsageError(`unknown token command "${sub}"`, 'Commands: create, create-key, revoke-key.');
  }
  const { resolveApiWarehouse } = await import('../api/server.js');
  const { openWarehouseConnection } = await import('../runner/warehouse/warehouse-connection.js');
  const { runMigrations } = await import('../runner/warehouse/run-migrations.js');
  const { createApiKeyStore } = await import('../api/auth/api-keys.js');
  const { spec, baseDir } = await resolveApiWarehouse({
    file: values.file,
    schemaOverride: config.warehouseSchema,
    env: io.env,
  });
  const connection = await openWarehouseConnection({ spec, env: io.env, baseDir, logger: deps.logger });
  try {
    await runMigrations({ pool: connection.pool, schema: spec.schema, logger: deps.logger });
    const store = createApiKeyStore({ pool: connection.pool, schema: spec.schema });
    if (sub === 'revoke-key') {
      if (!values.id) throw new UsageError('missing --id KEY_ID', 'The key id is the part after mdk_.');
      const revoked = await store.revoke(values.id);
      io.out(revoked ? `revoked ${values.id}` : `no active key ${values.id}`);
      return revoked ? EXIT.ok : EXIT.failed;
    }
    if (!values.name) throw new UsageError('missing --name NAME', 'Name the key after who uses it.');
    const limit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new UsageError('--rate-limit must be a positive integer (requests per minute)');
    }
    const created = await store.create({
      name: values.name,
      role: role(values.role),
      rateLimitPerMinute: limit,
    });
    io.out(created.key);
    io.err(
      `API key ${created.keyId} (${values.name}, ${values.role}) stored hashed in ${connection.target} schema ${spec.schema}; it is shown only now.`,
    );
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
