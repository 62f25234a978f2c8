import { SignJWT, errors as joseErrors, importPKCS8, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import type { ApiConfig, Role } from '../config.js';
import { ApiError } from '../errors.js';
import { isRole, type Principal } from './roles.js';

export interface JwtVerifier {
  verify(token: string): Promise<Principal>;
}

type Key = CryptoKey | Uint8Array;

/**
 * Verifies bearer tokens with exactly one algorithm (HS256 with a shared secret, or RS256 with a public key):
 * `alg: none`, the other algorithm and tokens without `exp` are refused; issuer and audience must match.
 */
export async function createJwtVerifier(jwt: ApiConfig['jwt']): Promise<JwtVerifier | undefined> {
  let key: Key;
  let alg: 'HS256' | 'RS256';
  if (jwt.hs256Secret) {
    key = new TextEncoder().encode(jwt.hs256Secret);
    alg = 'HS256';
  } else if (jwt.rs256PublicKeyPem) {
    key = await importSPKI(jwt.rs256PublicKeyPem, 'RS256');
    alg = 'RS256';
  } else return undefined;
  // A token that verified once verifies again until it expires: cache its principal (bounded), so a client's
  // requests cost one HMAC/RSA verification per token instead of one per request. Failures are never cached.
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit && hit.expiresAt > Date.now()) return hit.principal;
      if (hit) verified.delete(token);
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [alg],
          issuer: jwt.issuer,
          audience: jwt.audience,
          requiredClaims: ['exp', 'sub'],
        });
        if (!isRole(payload.role)) {
          throw new ApiError('UNAUTHENTICATED', 'the token has no valid role claim');
        }
        const principal: Principal = {
          id: `jwt:${payload.sub}`,
          kind: 'jwt',
          role: payload.role,
          rateLimitPerMinute: undefined,
        };
        if (verified.size >= 10_000) verified.delete(verified.keys().next().value as string);
        verified.set(token, { principal, expiresAt: (payload.exp as number) * 1000 });
        return principal;
      } catch (e) {
        if (e instanceof ApiError) throw e;
        const reason =
          e instanceof joseErrors.JWTExpired
            ? 'the token has expired'
            : e instanceof joseErrors.JOSEAlgNotAllowed
              ? 'the token is signed with an algorithm this API does not accept'
              : e instanceof joseErrors.JWTClaimValidationFailed
                ? `the token's ${e.claim} claim is not accepted`
                : 'the token is not valid';
        throw new ApiError(
          'UNAUTHENTICATED',
          reason,
          'Get a new token: medallion token create --role viewer',
          {
            cause: e,
          },
        );
      }
    },
  };
}

interface SignOptions {
  role: Role;
  subject: string;
  ttlSeconds: number;
  issuer: string;
  audience: string;
  /** HS256 secret, or an RS256 private key (PEM, PKCS#8). */
  hs256Secret?: string | undefined;
  rs256PrivateKeyPem?: string | undefined;
  now?: Date;
}

/** Issues a token for `medallion token create` (and tests). */
export async function signToken(o: SignOptions): Promise<string> {
  const iat = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const jwt = new SignJWT({ role: o.role })
    .setSubject(o.subject)
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + o.ttlSeconds);
  if (o.hs256Secret)
    return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(o.hs256Secret));
  if (o.rs256PrivateKeyPem) {
    return jwt
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .sign(await importPKCS8(o.rs256PrivateKeyPem, 'RS256'));
  }
  throw new Error('no signing key: set MEDALLION_JWT_SECRET or pass --private-key');
}
