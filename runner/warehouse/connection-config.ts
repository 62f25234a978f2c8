import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PoolConfig } from 'pg';
import type { SslMode, WarehouseSpec } from '../spec/warehouse-spec.js';
import { SSL_MODES } from '../spec/warehouse-spec.js';
import { WarehouseError } from './errors.js';

/** Where the warehouse lives: an external server by URL, or the embedded server under the state folder. */
export type WarehouseTarget =
  | {
      kind: 'url';
      url: string;
      source: 'spec' | 'env';
      sslmode: SslMode | undefined;
      sslRootCert: string | undefined;
    }
  | { kind: 'embedded'; dataDir: string; port: number; database: string };

interface ResolveTargetInput {
  spec: WarehouseSpec;
  /** Environment values (the caller's config module passes process.env). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths of the spec are resolved against (the spec file's folder). */
  baseDir: string;
}

/** Pure: decides the target from the spec and the environment; never touches the network. */
export const resolveWarehouseTarget = ({ spec, env, baseDir }: ResolveTargetInput): WarehouseTarget => {
  const fromEnv = env[spec.urlFromEnv];
  const url = spec.url ?? (fromEnv && fromEnv.trim() !== '' ? fromEnv.trim() : undefined);
  const sslRootCert = spec.sslRootCert ? path.resolve(baseDir, spec.sslRootCert) : undefined;
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new WarehouseError(
        'WAREHOUSE_CONFIG',
        `${spec.urlFromEnv} is not a postgres:// or postgresql:// URL`,
      );
    }
    return { kind: 'url', url, source: spec.url ? 'spec' : 'env', sslmode: spec.sslmode, sslRootCert };
  }
  if (!spec.embedded.enabled) {
    throw new WarehouseError(
      'WAREHOUSE_CONFIG',
      `no warehouse configured: set warehouse.url or ${spec.urlFromEnv}, or enable warehouse.embedded`,
    );
  }
  return {
    kind: 'embedded',
    dataDir: path.resolve(baseDir, spec.embedded.dataDir),
    port: spec.embedded.port,
    database: spec.embedded.database,
  };
};

/** Replaces the password of a connection URL so it can be logged or printed. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:****@');
  }
};

const SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat'];

const isSslMode = (value: string): value is SslMode => (SSL_MODES as readonly string[]).includes(value);

interface PoolConfigInput {
  url: string;
  /** Overrides the URL's sslmode. */
  sslmode?: SslMode | undefined;
  sslRootCert?: string | undefined;
  applicationName?: string;
  max?: number;
  /** Reads a CA file; injectable for tests. */
  readFile?: (file: string) => string;
}

/**
 * Turns a URL into a pg PoolConfig with libpq-like TLS semantics: `require` encrypts without verifying,
 * `verify-ca` verifies the chain, `verify-full` the chain and the host name. The TLS query parameters are removed
 * from the URL because pg would otherwise let them override the explicit `ssl` option.
 */
export const toPoolConfig = (input: PoolConfigInput): PoolConfig => {
  const parsed = new URL(input.url);
  const urlMode = parsed.searchParams.get('sslmode') ?? undefined;
  const urlRootCert = parsed.searchParams.get('sslrootcert') ?? undefined;
  for (const name of SSL_PARAMS) parsed.searchParams.delete(name);
  const mode = input.sslmode ?? (urlMode !== undefined && isSslMode(urlMode) ? urlMode : undefined);
  if (urlMode !== undefined && !isSslMode(urlMode)) {
    throw new WarehouseError(
      'WAREHOUSE_CONFIG',
      `unsupported sslmode "${urlMode}" (use one of ${SSL_MODES.join(', ')})`,
    );
  }
  const rootCert = input.sslRootCert ?? urlRootCert;
  const read = input.readFile ?? ((file: string) => readFileSync(file, 'utf8'));
  const ca = rootCert && rootCert !== 'system' ? read(rootCert) : undefined;
  const ssl: PoolConfig['ssl'] =
    mode === 'require'
      ? { rejectUnauthorized: false }
      : mode === 'verify-ca'
        ? { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined }
        : mode === 'verify-full'
          ? { rejectUnauthorized: true, ca }
          : false;
  return {
    connectionString: parsed.toString(),
    ssl,
    application_name: input.applicationName ?? 'medallion-warehouse',
    max: input.max ?? 4,
    connectionTimeoutMillis: 15_000,
  };
};
