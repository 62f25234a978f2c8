import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HealthState {
  /** This replica holds the lease and runs the controllers. */
  leading: boolean;
  /** The leader's caches are synced. */
  synced: boolean;
}

/** The request handler of the operator's one port: /healthz, /readyz and /metrics. */
export function createHealthHandler(deps: {
  registry: Registry;
  logger: Logger;
  state: () => HealthState;
}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const send = (code: number, body: string, type = 'text/plain') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (req.url === '/healthz') return send(200, 'ok');
    // Ready when leading with synced caches, or when standing by: a standby is healthy and must not be restarted.
    if (req.url === '/readyz') {
      const { leading, synced } = deps.state();
      return send(!leading || synced ? 200 : 503, leading ? (synced ? 'leading' : 'syncing') : 'standby');
    }
    if (req.url === '/metrics') {
      deps.registry.metrics().then(
        (text) => send(200, text, deps.registry.contentType),
        // A failing collector must answer the scrape (and be seen), not become an unhandled rejection.
        (error: unknown) => {
          deps.logger.error({ err: error }, 'collecting metrics failed');
          send(500, 'collecting metrics failed');
        },
      );
      return;
    }
    send(404, 'not found');
  };
}
