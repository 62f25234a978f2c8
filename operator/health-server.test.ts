import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthHandler, type HealthState } from './health-server.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A real HTTP server on loopback with the handler; returns its base URL and the log lines it wrote. */
const serve = async (registry: Registry, state: HealthState = { leading: true, synced: true }) => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  server = createServer(createHealthHandler({ registry, logger, state: () => state }));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, lines };
};

describe('the operator health port', () => {
  it('serves metrics, health and readiness', async () => {
    const registry = new Registry();
    new Gauge({ name: 'medallion_test_value', help: 'a test value', registers: [registry] }).set(3);
    const { url } = await serve(registry, { leading: true, synced: false });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^medallion_test_value 3$/m);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([503, 'syncing']);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('answers 500 and logs the error when collecting metrics fails, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const registry = new Registry();
      new Gauge({
        name: 'medallion_test_broken',
        help: 'a collector that fails',
        registers: [registry],
        collect() {
          throw new Error('the collector broke');
        },
      });
      const { url, lines } = await serve(registry);
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('collecting metrics failed');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 50,
          msg: 'collecting metrics failed',
          err: expect.objectContaining({ message: 'the collector broke' }),
        }),
      );
      // The server keeps serving.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
