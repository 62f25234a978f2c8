import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import worldCountries from 'world-countries';

/**
 * Loopback stand-ins for the two providers, following their documented contracts:
 * - Frankfurter v1: GET /v1/{start}..{end}?base|from=EUR&symbols|to=GBP,USD → {amount, base, start_date, end_date,
 *   rates: {date: {GBP, USD}}}; the series starts at the last ECB day on or before `start`; 404 {message} when empty.
 * - REST Countries v3.1: GET /v3.1/all?fields=a,b → array of countries with only those fields; 400 without fields
 *   or with more than 10.
 * Each server counts the requests it saw and can inject a fault per request.
 */

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed' }
  | { kind: 'reset' };

export interface StandIn {
  baseUrl: string;
  requests: string[];
  /** Decide a fault for the n-th request (0-based); undefined answers normally. */
  setFault(fault: ((n: number) => Fault | undefined) | undefined): void;
  close(): Promise<void>;
}

type Handler = (url: URL) => { status: number; body: unknown };

async function startStandIn(prefix: string, handle: Handler): Promise<StandIn> {
  const requests: string[] = [];
  let fault: ((n: number) => Fault | undefined) | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = requests.length;
    requests.push(req.url ?? '');
    const f = fault?.(n);
    const answer = () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const { status, body } = url.pathname.startsWith(prefix)
        ? handle(url)
        : { status: 404, body: { message: 'not found' } };
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (!f) return answer();
    switch (f.kind) {
      case 'status':
        res.writeHead(f.status, {
          'content-type': 'application/json',
          ...(f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter }),
        });
        res.end(f.body ?? JSON.stringify({ message: `injected ${f.status}` }));
        return;
      case 'slow': {
        const timer = setTimeout(answer, f.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"amount":1.0,"base":"EUR","rates":{"2010-12-01":{"GBP":0.83');
        return;
      case 'reset':
        req.socket.destroy();
        return;
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix}`,
    requests,
    setFault: (f) => {
      fault = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface EcbRow {
  date: string;
  gbp: string;
  usd: string;
}

export function startFrankfurter(table: readonly EcbRow[]): Promise<StandIn> {
  const sorted = [...table].sort((a, b) => a.date.localeCompare(b.date));
  return startStandIn('/v1', (url) => {
    const m = /^\/v1\/(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(url.pathname);
    if (!m) return { status: 404, body: { message: 'not found' } };
    const [start, end] = [m[1]!, m[2]!];
    const base = (url.searchParams.get('from') ?? url.searchParams.get('base') ?? 'EUR').toUpperCase();
    const symbols = (url.searchParams.get('to') ?? url.searchParams.get('symbols') ?? 'GBP,USD')
      .toUpperCase()
      .split(',');
    if (base !== 'EUR' || symbols.some((s) => s !== 'GBP' && s !== 'USD')) {
      return { status: 422, body: { message: 'this stand-in serves EUR→GBP,USD only' } };
    }
    const first = sorted.filter((r) => r.date <= start).at(-1)?.date ?? start;
    const rows = sorted.filter((r) => r.date >= first && r.date <= end);
    if (rows.length === 0) return { status: 404, body: { message: 'not found' } };
    const rates: Record<string, Record<string, number>> = {};
    for (const r of rows) {
      rates[r.date] = Object.fromEntries(symbols.map((s) => [s, Number(s === 'GBP' ? r.gbp : r.usd)]));
    }
    return {
      status: 200,
      body: { amount: 1.0, base: 'EUR', start_date: rows[0]!.date, end_date: rows.at(-1)!.date, rates },
    };
  });
}

export function startRestCountries(): Promise<StandIn> {
  return startStandIn('/v3.1', (url) => {
    if (url.pathname !== '/v3.1/all') return { status: 404, body: { status: 404, message: 'Not Found' } };
    const fields = url.searchParams.get('fields')?.split(',').filter(Boolean) ?? [];
    if (fields.length === 0 || fields.length > 10) {
      return {
        status: 400,
        body: {
          message: "'fields' query not specified or you're requesting more than 10 fields",
          status: 400,
        },
      };
    }
    // The package's typings describe a CommonJS default; at run time the default export is the array itself.
    const all = worldCountries as unknown as Record<string, unknown>[];
    const body = all.map((full) => {
      return Object.fromEntries(fields.filter((f) => f in full).map((f) => [f, full[f]]));
    });
    return { status: 200, body };
  });
}
