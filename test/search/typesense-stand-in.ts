import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchDocument, parseFilter, type StoredDocument } from './typesense-stand-in-search.js';

/**
 * A loopback stand-in for Typesense, for the faults a real server cannot be made to show on demand (5xx answers,
 * connection resets, a rejected document in a step run): typesense-faults.test.ts. Everything else runs against a
 * real Typesense 0.24.1 (typesense-server.ts). Written to Typesense's documented API
 * (v27/v28: https://typesense.org/docs/28.0/api/): /health; /collections (POST, GET), /collections/:name (GET,
 * DELETE); /collections/:name/documents/import (JSONL in, one JSON result per line out, always HTTP 200);
 * /collections/:name/documents/search; /collections/:name/documents/:id; /aliases/:name (PUT, GET, DELETE).
 * Collection paths resolve aliases, as Typesense does. Every request needs X-TYPESENSE-API-KEY (401 otherwise);
 * errors are `{ message }` bodies. Only the parts Medallion uses are implemented; faults can be injected.
 */

interface Field {
  name: string;
  type: string;
  facet?: boolean;
  sort?: boolean;
  optional?: boolean;
}

interface Collection {
  name: string;
  fields: Field[];
  created_at: number;
  docs: Map<string, StoredDocument>;
}

export interface StandInFaults {
  /** Import answers `{success:false}` for documents with these ids (and does not store them). */
  rejectIds: Set<string>;
  /** The next this-many requests matching `failPath` answer 503. */
  serverErrors: number;
  failPath: RegExp;
  /** The next this-many requests matching `resetPath` get their connection destroyed without an answer. */
  resets: number;
  resetPath: RegExp;
  /** Requests matching `delayPath` wait this long before answering (to provoke client timeouts). */
  delayMs: number;
  delayPath: RegExp;
}

export interface TypesenseStandIn {
  url: string;
  apiKey: string;
  faults: StandInFaults;
  /** Method and path of every request, in order. */
  requests: string[];
  collectionNames(): string[];
  alias(name: string): string | undefined;
  close(): Promise<void>;
}

const TYPES = new Set([
  'string',
  'string[]',
  'int32',
  'int64',
  'float',
  'bool',
  'float[]',
  'int32[]',
  'int64[]',
]);

const validType = (type: string, value: unknown): boolean => {
  if (type.endsWith('[]')) return Array.isArray(value) && value.every((v) => validType(type.slice(0, -2), v));
  if (type === 'string') return typeof value === 'string';
  if (type === 'bool') return typeof value === 'boolean';
  if (type === 'float') return typeof value === 'number';
  return typeof value === 'number' && Number.isInteger(value);
};

export const startTypesenseStandIn = async (apiKey = 'test-admin-key'): Promise<TypesenseStandIn> => {
  const collections = new Map<string, Collection>();
  const aliases = new Map<string, string>();
  const requests: string[] = [];
  const faults: StandInFaults = {
    rejectIds: new Set(),
    serverErrors: 0,
    failPath: /./,
    resets: 0,
    resetPath: /./,
    delayMs: 0,
    delayPath: /$^/,
  };
  const resolve = (name: string): Collection | undefined => collections.get(aliases.get(name) ?? name);
  const summary = (c: Collection) => ({
    name: c.name,
    fields: c.fields,
    created_at: c.created_at,
    num_documents: c.docs.size,
  });

  const handle = async (
    method: string,
    url: URL,
    body: string,
  ): Promise<{ status: number; body: unknown; jsonl?: string }> => {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const notFound = { status: 404, body: { message: 'Not Found' } };
    if (parts[0] === 'health' && method === 'GET') return { status: 200, body: { ok: true } };
    if (parts[0] === 'aliases' && parts.length === 2) {
      const name = parts[1]!;
      if (method === 'PUT') {
        const target = (JSON.parse(body || '{}') as { collection_name?: string }).collection_name;
        if (!target) return { status: 400, body: { message: 'Parameter `collection_name` is required.' } };
        if (!collections.has(target))
          return { status: 404, body: { message: `Collection \`${target}\` not found.` } };
        aliases.set(name, target);
        return { status: 200, body: { name, collection_name: target } };
      }
      const target = aliases.get(name);
      if (!target) return notFound;
      if (method === 'DELETE') aliases.delete(name);
      return { status: 200, body: { name, collection_name: target } };
    }
    if (parts[0] !== 'collections') return notFound;
    if (parts.length === 1) {
      if (method === 'GET') return { status: 200, body: [...collections.values()].map(summary) };
      if (method !== 'POST') return notFound;
      const schema = JSON.parse(body || '{}') as { name?: string; fields?: Field[] };
      if (!schema.name || !Array.isArray(schema.fields))
        return { status: 400, body: { message: 'Parameter `name` and `fields` are required.' } };
      if (collections.has(schema.name))
        return {
          status: 409,
          body: { message: `A collection with name \`${schema.name}\` already exists.` },
        };
      const bad = schema.fields.find((f) => !TYPES.has(f.type));
      if (bad) return { status: 400, body: { message: `Field \`${bad.name}\` has an invalid data type.` } };
      const c: Collection = {
        name: schema.name,
        fields: schema.fields,
        created_at: Math.floor(Date.now() / 1000),
        docs: new Map(),
      };
      collections.set(c.name, c);
      return { status: 201, body: summary(c) };
    }
    const c = resolve(parts[1]!);
    if (!c) return { status: 404, body: { message: `Collection \`${parts[1]}\` not found.` } };
    if (parts.length === 2) {
      if (method === 'DELETE') collections.delete(c.name);
      return method === 'GET' || method === 'DELETE' ? { status: 200, body: summary(c) } : notFound;
    }
    if (parts[2] !== 'documents') return notFound;
    if (parts[3] === 'import' && method === 'POST')
      return { status: 200, body: null, jsonl: importDocs(c, body, url) };
    if (parts[3] === 'search' && method === 'GET') return search(c, url.searchParams);
    if (parts.length === 4 && method === 'GET') {
      const doc = c.docs.get(parts[3]!);
      return doc
        ? { status: 200, body: doc }
        : { status: 404, body: { message: `Could not find a document with id: ${parts[3]}` } };
    }
    return notFound;
  };

  const importDocs = (c: Collection, body: string, url: URL): string => {
    const action = url.searchParams.get('action') ?? 'create';
    return body
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        let doc: StoredDocument;
        try {
          doc = JSON.parse(line) as StoredDocument;
        } catch {
          return { success: false, error: 'Bad JSON.', document: line };
        }
        const id = String(doc.id);
        const fail = (error: string) => ({ success: false, error, document: line });
        if (faults.rejectIds.has(id)) return fail(`Injected rejection of document ${id}.`);
        if (action === 'create' && c.docs.has(id)) return fail(`A document with id ${id} already exists.`);
        for (const f of c.fields) {
          if (!(f.name in doc)) {
            if (!f.optional)
              return fail(
                `Field \`${f.name}\` has been declared in the schema, but is not found in the document.`,
              );
          } else if (!validType(f.type, doc[f.name]))
            return fail(
              `Field \`${f.name}\` must be ${f.type === 'string[]' ? 'an array of strings' : `a ${f.type}`}.`,
            );
        }
        c.docs.set(id, doc);
        return { success: true };
      })
      .map((r) => JSON.stringify(r))
      .join('\n');
  };

  const search = (c: Collection, p: URLSearchParams): { status: number; body: unknown } => {
    const q = p.get('q');
    if (q === null) return { status: 400, body: { message: 'Parameter `q` is required.' } };
    const queryBy = (p.get('query_by') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (q !== '*' && queryBy.length === 0)
      return { status: 400, body: { message: 'Parameter `query_by` is required.' } };
    const unknown = queryBy.find((f) => !c.fields.some((x) => x.name === f));
    if (unknown)
      return { status: 404, body: { message: `Could not find a field named \`${unknown}\` in the schema.` } };
    const filter = parseFilter(
      p.get('filter_by') ?? '',
      c.fields.map((f) => f.name),
    );
    if (typeof filter === 'string') return { status: 400, body: { message: filter } };
    const numTypos = Number(p.get('num_typos') ?? 2);
    const candidates = [...c.docs.values()].filter(filter);
    // Typesense drops query tokens from the right when the full query finds nothing (drop_tokens_threshold 1).
    let tokens = q === '*' ? [] : q.toLowerCase().split(/\s+/).filter(Boolean);
    let hits = candidates.map((d) => ({ d, score: matchDocument(d, tokens, queryBy, numTypos) }));
    while (tokens.length > 1 && !hits.some((h) => h.score !== undefined)) {
      tokens = tokens.slice(0, -1);
      hits = candidates.map((d) => ({ d, score: matchDocument(d, tokens, queryBy, numTypos) }));
    }
    const matched = hits.filter((h): h is { d: StoredDocument; score: number } => h.score !== undefined);
    const sortBy = (p.get('sort_by') ?? '_text_match:desc')
      .split(',')
      .map((s) => s.trim().split(':') as [string, string]);
    matched.sort((a, b) => {
      for (const [field, dir] of sortBy) {
        const x = field === '_text_match' ? a.score : a.d[field];
        const y = field === '_text_match' ? b.score : b.d[field];
        const cmp =
          (x as number | string) < (y as number | string)
            ? -1
            : (x as number | string) > (y as number | string)
              ? 1
              : 0;
        if (cmp !== 0) return dir === 'desc' ? -cmp : cmp;
      }
      return 0;
    });
    const perPage = Number(p.get('limit') ?? p.get('per_page') ?? 10);
    const offset = p.has('offset') ? Number(p.get('offset')) : (Number(p.get('page') ?? 1) - 1) * perPage;
    if (perPage > 250)
      return { status: 422, body: { message: 'Only upto 250 hits can be fetched per page.' } };
    const maxFacets = Number(p.get('max_facet_values') ?? 10);
    const facetCounts = (p.get('facet_by') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((field) => {
        const counts = new Map<string, number>();
        for (const { d } of matched)
          for (const v of [d[field]].flat()) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
        const sorted = [...counts].sort((a, b) => b[1] - a[1]).slice(0, maxFacets);
        return {
          field_name: field,
          counts: sorted.map(([value, count]) => ({ count, highlighted: value, value })),
          stats: { total_values: counts.size },
        };
      });
    return {
      status: 200,
      body: {
        facet_counts: facetCounts,
        found: matched.length,
        out_of: c.docs.size,
        page: Math.floor(offset / perPage) + 1,
        request_params: { collection_name: c.name, per_page: perPage, q },
        search_time_ms: 0,
        hits: matched
          .slice(offset, offset + perPage)
          .map((h) => ({ document: h.d, highlights: [], text_match: h.score })),
      },
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://stand-in');
        const line = `${req.method} ${url.pathname}`;
        requests.push(line);
        const send = (status: number, body: string, type = 'application/json') => {
          res.writeHead(status, { 'content-type': type }).end(body);
        };
        if (faults.delayMs > 0 && faults.delayPath.test(line))
          await new Promise((r) => setTimeout(r, faults.delayMs));
        if (url.pathname !== '/health' && req.headers['x-typesense-api-key'] !== apiKey)
          return send(
            401,
            JSON.stringify({ message: 'Forbidden - a valid `x-typesense-api-key` header must be sent.' }),
          );
        if (faults.resets > 0 && faults.resetPath.test(line)) {
          faults.resets -= 1;
          return req.socket.destroy();
        }
        if (faults.serverErrors > 0 && faults.failPath.test(line)) {
          faults.serverErrors -= 1;
          return send(503, JSON.stringify({ message: 'Not Ready or Lagging' }));
        }
        const r = await handle(req.method ?? 'GET', url, Buffer.concat(chunks).toString('utf8'));
        if (r.jsonl !== undefined) return send(r.status, r.jsonl, 'text/plain');
        send(r.status, JSON.stringify(r.body));
      })();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    faults,
    requests,
    collectionNames: () => [...collections.keys()].sort(),
    alias: (name) => aliases.get(name),
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
};
