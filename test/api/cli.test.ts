import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';

const SECRET = 'cli-secret-0123456789abcdef0123456789';

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { MEDALLION_LOG_LEVEL: 'silent', ...env },
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('medallion api and token commands', () => {
  it.each([['api'], ['token']])('%s --help explains the command', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: medallion ${command}`));
  });

  it('token create prints a JWT the API accepts: role, subject, expiry, issuer and audience', async () => {
    const r = await cli(['token', 'create', '--role', 'operator', '--subject', 'ci', '--ttl', '30m'], {
      MEDALLION_JWT_SECRET: SECRET,
    });
    expect(r.code).toBe(0);
    const { payload, protectedHeader } = await jwtVerify(r.out.trim(), new TextEncoder().encode(SECRET), {
      issuer: 'medallion',
      audience: 'medallion-api',
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ role: 'operator', sub: 'ci' });
    expect(payload.exp! - payload.iat!).toBe(1800);
  });

  it('says what to do without a secret, with an unknown role or a bad ttl', async () => {
    const none = await cli(['token', 'create', '--role', 'viewer']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/MEDALLION_JWT_SECRET/);
    expect(none.err).toMatch(/hint: .*openssl rand/);
    const role = await cli(['token', 'create', '--role', 'root'], { MEDALLION_JWT_SECRET: SECRET });
    expect([role.code, role.err]).toEqual([
      2,
      expect.stringMatching(/unknown role "root"[\s\S]*viewer, operator, admin/),
    ]);
    const ttl = await cli(['token', 'create', '--role', 'viewer', '--ttl', 'soon'], {
      MEDALLION_JWT_SECRET: SECRET,
    });
    expect([ttl.code, ttl.err]).toEqual([2, expect.stringMatching(/--ttl soon is not a duration/)]);
    expect((await cli(['api', '--port', 'x'])).err).toMatch(/--port x is not a port number/);
  });
});
