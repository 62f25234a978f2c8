import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import type { TypedApp } from '../routes/typed-app.js';

/**
 * The console's Content-Security-Policy: everything from this origin, no inline script or style, no framing. Charts
 * set element.style through the CSSOM, which style-src does not restrict.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** The bundle next to the compiled API (dist/console), or dist/console of the checkout when running from source. */
export function defaultConsoleDir(): string {
  const here = import.meta.dirname;
  const candidates = [path.resolve(here, '../../console'), path.resolve(here, '../../dist/console')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? candidates[0]!;
}

/**
 * Serves the web console: the page at `/` and its assets under `/console/`, read once from the build output. These are
 * code, not data: they are public, and every number the page shows comes from /api/v1 with the viewer's credentials.
 */
export function registerConsole(app: TypedApp, options: { dir?: string } = {}) {
  const dir = options.dir ?? defaultConsoleDir();
  const files = new Map<string, { body: Buffer; type: string }>();
  if (fs.existsSync(dir)) {
    for (const name of fs.readdirSync(dir)) {
      const type = TYPES[path.extname(name)];
      if (type) files.set(name, { body: fs.readFileSync(path.join(dir, name)), type });
    }
  }
  const send = (reply: FastifyReply, name: string) => {
    const file = files.get(name);
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin');
    if (!file) {
      return reply
        .code(name === 'index.html' ? 503 : 404)
        .type('text/plain; charset=utf-8')
        .send(
          name === 'index.html'
            ? `The console is not built (${dir} has no index.html): run npm run build.\n`
            : 'not found\n',
        );
    }
    return reply
      .header('cache-control', name === 'index.html' ? 'no-cache' : 'public, max-age=300')
      .type(file.type)
      .send(file.body);
  };
  const hide = { hide: true } as const;
  app.get('/', { config: { role: 'public' }, schema: hide }, (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { file: string } }>(
    '/console/:file',
    { config: { role: 'public' }, schema: hide },
    (request, reply) => send(reply, path.basename(request.params.file)),
  );
}
