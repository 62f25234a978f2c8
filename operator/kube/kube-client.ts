import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { KubeConnection } from './kubeconfig.js';

/**
 * The operator's port to the apiserver: plain REST verbs plus a line-delimited watch stream. The controllers depend on
 * this interface only; this implementation uses node:https because @kubernetes/client-node 2.x pulls in undici 8,
 * which does not load on Node 20 (see docs/operator.md).
 */

export interface KubeResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface KubeClient {
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeResponse<T>>;
  /** Streams watch events until the server closes the stream, `signal` aborts, or an error; resolves when it ends. */
  watch(path: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void>;
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function options(conn: KubeConnection, method: string, headers: Record<string, string>): RequestOptions {
  return {
    method,
    ca: conn.ca,
    cert: conn.cert,
    key: conn.key,
    headers: {
      ...(conn.token ? { authorization: `Bearer ${conn.token}` } : {}),
      accept: 'application/json',
      ...headers,
    },
  };
}

export function createKubeClient(conn: KubeConnection, requestTimeoutMs = 30_000): KubeClient {
  return {
    call(method, path, body, contentType = 'application/json') {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      // An explicit length: with chunked bodies the apiserver may answer a DELETE without reading its options, and the
      // unread bytes then corrupt the next request on the kept-alive connection.
      const headers: Record<string, string> =
        payload === undefined
          ? {}
          : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) };
      return new Promise((resolve, reject) => {
        const req = request(`${conn.server}${path}`, options(conn, method, headers), (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
            } catch {
              resolve({ status: res.statusCode ?? 0, body: { message: text } as never });
            }
          });
          res.on('error', reject);
        });
        req.setTimeout(requestTimeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },

    watch(path, onEvent, signal) {
      return new Promise((resolve, reject) => {
        const req = request(
          `${conn.server}${path}`,
          { ...options(conn, 'GET', {}), signal },
          (res: IncomingMessage) => {
            if (res.statusCode !== 200) {
              res.resume();
              reject(new KubeError(res.statusCode ?? 0, `watch ${path}: HTTP ${res.statusCode}`));
              return;
            }
            let buffer = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffer += chunk;
              let nl: number;
              while ((nl = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, nl).trim();
                buffer = buffer.slice(nl + 1);
                if (line) onEvent(JSON.parse(line) as WatchEvent);
              }
            });
            res.on('end', () => resolve());
            res.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
          },
        );
        req.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
        req.end();
      });
    },
  };
}
