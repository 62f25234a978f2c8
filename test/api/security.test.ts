import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createJwtVerifier, signToken } from '../../api/auth/jwt.js';
import { createRunRepository } from '../../api/data/run-repository.js';
import { createLocalRunsService } from '../../api/runs/runs-service.js';
import { createProductSearch } from '../../runner/search/create-product-search.js';
import { SCHEMA, startApiFixture, type ApiFixture } from './helpers/api-fixture.js';
import { buildTestApp, JWT, token, type TestApp } from './helpers/api-app.js';

let f: ApiFixture;
let t: TestApp;

beforeAll(async () => {
  f = await startApiFixture({ steps: ['bronze', 'silver', 'gold', 'warehouse', 'search'] });
  t = await buildTestApp({ url: f.pg.url, schema: SCHEMA });
});
afterAll(async () => {
  await t?.close();
  await f?.close();
});

const call = (
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' | 'DELETE' = 'GET',
  payload?: object,
) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

describe('authentication: 401', () => {
  const SUMMARY = '/api/v1/kpis/summary';
  it('accepts a valid token', async () => {
    expect((await call(SUMMARY, bearer(await token('viewer')))).statusCode).toBe(200);
  });

  it.each([
    ['missing credentials', async () => ({})],
    ['a non-Bearer Authorization header', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
    [
      'an expired token',
      async () => bearer(await token('viewer', 'old', 60, new Date(Date.now() - 3_600_000))),
    ],
    [
      'a tampered payload (role raised to admin, signature kept)',
      async () => {
        const [h, p, s] = (await token('viewer')).split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
        payload.role = 'admin';
        return bearer(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`);
      },
    ],
    [
      'a tampered signature',
      async () => {
        const jwt = await token('viewer');
        return bearer(`${jwt.slice(0, -4)}${jwt.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`);
      },
    ],
    [
      'alg: none',
      async () =>
        bearer(
          new UnsecuredJWT({ role: 'admin' })
            .setSubject('attacker')
            .setIssuer(JWT.issuer)
            .setAudience(JWT.audience)
            .setExpirationTime('1h')
            .encode(),
        ),
    ],
    [
      'a token signed with another secret',
      async () =>
        bearer(
          await signToken({
            role: 'viewer',
            subject: 'x',
            ttlSeconds: 600,
            issuer: JWT.issuer,
            audience: JWT.audience,
            hs256Secret: 'another-secret-0123456789abcdef0123',
          }),
        ),
    ],
    [
      'another audience',
      async () =>
        bearer(
          await signToken({
            role: 'viewer',
            subject: 'x',
            ttlSeconds: 600,
            issuer: JWT.issuer,
            audience: 'other',
            hs256Secret: JWT.hs256Secret,
          }),
        ),
    ],
    [
      'no exp claim',
      async () =>
        bearer(
          await new SignJWT({ role: 'viewer' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('x')
            .setIssuer(JWT.issuer)
            .setAudience(JWT.audience)
            .sign(new TextEncoder().encode(JWT.hs256Secret)),
        ),
    ],
    [
      'an unknown role',
      async () =>
        bearer(
          await signToken({
            role: 'root' as 'admin',
            subject: 'x',
            ttlSeconds: 600,
            issuer: JWT.issuer,
            audience: JWT.audience,
            hs256Secret: JWT.hs256Secret,
          }),
        ),
    ],
    ['a malformed API key', async () => ({ 'x-api-key': 'mdk_nope' })],
    ['an unknown API key', async () => ({ 'x-api-key': `mdk_aaaaaaaaaaaa_${'A'.repeat(43)}` })],
  ])('rejects %s with 401 in the envelope', async (_name, headers) => {
    const res = await call(SUMMARY, await headers());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      status: 'error',
      data: null,
      error: { code: 'UNAUTHENTICATED' },
      metadata: { version: 'v1' },
    });
  });

  it('with an RS256 public key configured, accepts RS256 tokens and refuses HS256 ones signed with the public key (alg confusion)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pool = new pg.Pool({ connectionString: f.pg.url, max: 2 });
    const app = await buildApp({
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      pool,
      schema: SCHEMA,
      runs: createLocalRunsService(createRunRepository({ pool, schema: SCHEMA })),
      productSearch: createProductSearch({ pool, schema: SCHEMA, logger: pino({ level: 'silent' }) }),
      jwt: await createJwtVerifier({
        hs256Secret: undefined,
        rs256PublicKeyPem: publicPem,
        issuer: JWT.issuer,
        audience: JWT.audience,
      }),
      apiKeys: undefined,
      rateLimitPerMinute: 1000,
      cacheTtlMs: 0,
    });
    try {
      const base = {
        role: 'viewer' as const,
        subject: 'rs',
        ttlSeconds: 600,
        issuer: JWT.issuer,
        audience: JWT.audience,
      };
      const good = await signToken({ ...base, rs256PrivateKeyPem: privatePem });
      expect((await app.inject({ url: '/api/v1/kpis/summary', headers: bearer(good) })).statusCode).toBe(200);
      const confused = await signToken({ ...base, hs256Secret: publicPem });
      expect((await app.inject({ url: '/api/v1/kpis/summary', headers: bearer(confused) })).statusCode).toBe(
        401,
      );
    } finally {
      await app.close();
      await pool.end();
    }
  });
});

describe('authorisation: 403', () => {
  it('a viewer cannot trigger runs; an operator gets past authorisation', async () => {
    const url = '/api/v1/pipelines/default/fixture/runs';
    const viewer = await call(url, bearer(await token('viewer')), 'POST', {});
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toMatchObject({ status: 'error', error: { code: 'FORBIDDEN' } });
    // No cluster here: the operator is authorised and gets the local-mode answer.
    expect((await call(url, bearer(await token('operator')), 'POST', {})).statusCode).toBe(409);
  });

  it('API keys: admin creates one (shown once, stored hashed), it authenticates with its role, revoked it is refused', async () => {
    const admin = bearer(await token('admin'));
    expect(
      (await call('/api/v1/api-keys', bearer(await token('operator')), 'POST', { name: 'x', role: 'viewer' }))
        .statusCode,
    ).toBe(403);
    const created = await call('/api/v1/api-keys', admin, 'POST', { name: 'dashboards', role: 'viewer' });
    expect(created.statusCode).toBe(201);
    const { key, key_id: keyId } = created.json().data as { key: string; key_id: string };
    const { rows } = await t.pool.query(`SELECT * FROM ${SCHEMA}.api_keys WHERE key_id = $1`, [keyId]);
    expect(JSON.stringify(rows)).not.toContain(key.slice('mdk_'.length + 13));
    expect((await call('/api/v1/kpis/summary', { 'x-api-key': key })).statusCode).toBe(200);
    expect(
      (await call('/api/v1/pipelines/default/fixture/runs', { 'x-api-key': key }, 'POST', {})).statusCode,
    ).toBe(403);
    // The right id with a wrong secret is refused too.
    expect(
      (await call('/api/v1/kpis/summary', { 'x-api-key': `mdk_${keyId}_${'B'.repeat(43)}` })).statusCode,
    ).toBe(401);
    expect((await call(`/api/v1/api-keys/${keyId}`, admin, 'DELETE')).statusCode).toBe(200);
    expect((await call('/api/v1/kpis/summary', { 'x-api-key': key })).statusCode).toBe(401);
  });
});

describe('rate limit', () => {
  it('limits each key separately and answers 429 with Retry-After', async () => {
    const admin = bearer(await token('admin'));
    const a = (
      await call('/api/v1/api-keys', admin, 'POST', { name: 'a', role: 'viewer', rate_limit_per_minute: 3 })
    ).json().data.key as string;
    const b = (
      await call('/api/v1/api-keys', admin, 'POST', { name: 'b', role: 'viewer', rate_limit_per_minute: 3 })
    ).json().data.key as string;
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call('/api/v1/kpis/summary', { 'x-api-key': a })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await call('/api/v1/kpis/summary', { 'x-api-key': a });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ status: 'error', error: { code: 'RATE_LIMITED' } });
    // Another key is not affected.
    expect((await call('/api/v1/kpis/summary', { 'x-api-key': b })).statusCode).toBe(200);
  });
});

describe('SQL metacharacters are inert in every filter', () => {
  const NASTY = [
    `' OR '1'='1`,
    `'; DROP TABLE ${SCHEMA}.fact_sales; --`,
    `1) OR (1=1`,
    `\\'; SELECT pg_sleep(5); --`,
    `%' OR stock_code LIKE '%`,
    `"quoted"`,
    `$1`,
  ];
  const FILTERS = [
    '/api/v1/sales?country=',
    '/api/v1/sales?customer=',
    '/api/v1/sales?stock_code=',
    '/api/v1/products?category=',
    '/api/v1/products/search?category=',
    '/api/v1/products/search?country=',
    '/api/v1/runs?pipeline=',
    '/api/v1/runs?namespace=',
  ];
  it('text filters match nothing (or search as text), never more, and the tables stay', async () => {
    const auth = bearer(await token('viewer'));
    const before = (await t.pool.query(`SELECT count(*) AS n FROM ${SCHEMA}.fact_sales`)).rows[0].n;
    for (const url of FILTERS) {
      for (const value of NASTY) {
        const res = await call(`${url}${encodeURIComponent(value)}`, auth);
        expect(res.statusCode, `${url}${value}: ${res.body}`).toBe(200);
        const data = res.json().data;
        const items = Array.isArray(data) ? data : data.hits;
        expect(items, `${url}${value}`).toEqual([]);
      }
    }
    // The text query is text: it may match words, but never turns into "every product".
    const total = (await call('/api/v1/products/search?q=*', auth)).json().data.found as number;
    for (const value of NASTY) {
      const res = await call(`/api/v1/products/search?q=${encodeURIComponent(value)}`, auth);
      expect(res.statusCode).toBe(200);
      expect(res.json().data.found, value).toBeLessThan(total / 2);
    }
    for (const url of ['/api/v1/products/', '/api/v1/runs/', '/api/v1/runs/x/quality?a=']) {
      for (const value of NASTY) {
        const res = await call(`${url}${encodeURIComponent(value)}`, auth);
        expect([404, 400], `${url}${value}`).toContain(res.statusCode);
      }
    }
    for (const url of [
      '/api/v1/sales?line_type=',
      '/api/v1/sales?from=',
      '/api/v1/kpis/daily?to=',
      '/api/v1/runs?phase=',
      '/api/v1/runs?since=',
      '/api/v1/products/search?min_price=',
    ]) {
      for (const value of NASTY)
        expect((await call(`${url}${encodeURIComponent(value)}`, auth)).statusCode, `${url}${value}`).toBe(
          400,
        );
    }
    expect((await t.pool.query(`SELECT count(*) AS n FROM ${SCHEMA}.fact_sales`)).rows[0].n).toBe(before);
  });
});

describe('audit log and secrets', () => {
  it('writes one audit line per mutating call with the principal, and never the token or key', async () => {
    t.logLines.length = 0;
    const jwt = await token('admin', 'alice');
    const created = await call('/api/v1/api-keys', bearer(jwt), 'POST', { name: 'audit', role: 'viewer' });
    const key = created.json().data.key as string;
    await call('/api/v1/pipelines/default/fixture/runs', { 'x-api-key': key }, 'POST', {});
    await call('/api/v1/pipelines/default/fixture/runs', {}, 'POST', {});
    await call('/api/v1/kpis/summary', bearer(jwt));
    const audit = t.logLines.map((l) => JSON.parse(l)).filter((l) => l.audit === true);
    expect(audit.map((a) => [a.principal, a.method, a.route, a.statusCode])).toEqual([
      ['jwt:alice', 'POST', '/api/v1/api-keys', 201],
      [expect.stringMatching(/^key:[a-z0-9]{12}$/), 'POST', '/api/v1/pipelines/:namespace/:name/runs', 403],
      ['anonymous', 'POST', '/api/v1/pipelines/:namespace/:name/runs', 401],
    ]);
    const all = t.logLines.join('\n');
    expect(all).not.toContain(jwt);
    expect(all).not.toContain(key);
    expect(all).not.toContain(key.slice('mdk_'.length + 13));
  });
});
