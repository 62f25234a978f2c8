import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * A real S3 server for tests: SeaweedFS `weed mini` (installed by test/s3/setup-seaweedfs.sh), on loopback only,
 * telemetry off, every port chosen free so that parallel test files (and other people on the machine) do not clash.
 */
export interface SeaweedFs {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The standard AWS variables a Medallion process needs to reach this server, and nothing else. */
  env: Record<string, string>;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  /** SIGKILL, as a crash would; `start()` brings it back on the same ports with the same data. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const WEED_BIN = path.join(os.homedir(), '.cache/medallion/seaweedfs-venv/bin/weed');

async function freePort(avoid: Set<number>): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    // weed derives some gRPC ports as http port + 10000: keep both in range and unused by us.
    if (port < 50000 && !avoid.has(port) && !avoid.has(port + 10000)) {
      avoid.add(port);
      return port;
    }
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function startSeaweedFs(
  options: { accessKeyId?: string; secretAccessKey?: string } = {},
): Promise<SeaweedFs> {
  if (!fs.existsSync(WEED_BIN)) throw new Error(`${WEED_BIN} missing: run test/s3/setup-seaweedfs.sh first`);
  const accessKeyId = options.accessKeyId ?? 'medallion-test';
  const secretAccessKey = options.secretAccessKey ?? 'medallion-test-secret';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-seaweedfs-'));
  const used = new Set<number>();
  const ports: Record<string, number> = {};
  for (const name of ['master', 'volume', 'filer', 's3', 'admin']) ports[name] = await freePort(used);
  for (const name of ['master', 'volume', 'filer', 's3', 'admin']) {
    const grpc = ports[name]! + 10000;
    if (!(await portFree(grpc))) throw new Error(`port ${grpc} is busy; retry`);
    ports[`${name}.grpc`] = grpc;
  }
  const args = [
    'mini',
    `-dir=${dir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    '-master.telemetry=false',
    '-webdav=false',
    '-admin.ui=false',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    '-s3.autoCreateBucket=false',
    ...['master', 'volume', 'filer', 's3', 'admin'].flatMap((n) => [
      `-${n}.port=${ports[n]}`,
      `-${n}.port.grpc=${ports[`${n}.grpc`]}`,
    ]),
  ];
  const endpoint = `http://127.0.0.1:${ports.s3}`;
  const region = 'us-east-1';
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  let child: ChildProcess | undefined;
  const log = path.join(dir, 'weed.log');

  const start = async (): Promise<void> => {
    const out = fs.openSync(log, 'a');
    child = spawn(WEED_BIN, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
      },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`weed exited (${child.exitCode}); see ${log}`);
      try {
        await client.send(new ListBucketsCommand({}));
        return;
      } catch (e) {
        if (Date.now() > deadline)
          throw new Error(`SeaweedFS did not serve S3 within 60 s (${log})`, { cause: e });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const exited = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };
  await start();
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    },
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    kill: () => exited('SIGKILL'),
    start,
    async stop() {
      await exited('SIGTERM');
      client.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
