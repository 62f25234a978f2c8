import type { FastifyRequest } from 'fastify';
import type { Role } from '../config.js';
import { ApiError } from '../errors.js';
import type { ApiKeyStore } from './api-keys.js';
import type { JwtVerifier } from './jwt.js';
import { roleAllows, type Principal } from './roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Least role a route needs; 'public' routes need no credentials. */
    role?: Role | 'public';
  }
}

const HINT =
  'Send Authorization: Bearer <token> (medallion token create --role viewer) or X-API-Key: <key> (medallion token create-key).';

/**
 * Authentication (who: a bearer JWT or an API key; 401 when missing or invalid) then authorisation (may this role
 * call this route: 403). Runs before validation, so unauthenticated callers learn nothing about parameters.
 */
export function createAuthenticator(deps: {
  jwt: JwtVerifier | undefined;
  apiKeys: ApiKeyStore | undefined;
  onFailure?: (reason: 'unauthenticated' | 'forbidden') => void;
}) {
  const fail = (e: ApiError): never => {
    deps.onFailure?.(e.statusCode === 403 ? 'forbidden' : 'unauthenticated');
    throw e;
  };

  const identify = async (request: FastifyRequest): Promise<Principal> => {
    const apiKey = request.headers['x-api-key'];
    const authorization = request.headers.authorization;
    if (typeof apiKey === 'string' && apiKey !== '') {
      const principal = deps.apiKeys ? await deps.apiKeys.verify(apiKey) : undefined;
      return (
        principal ?? fail(new ApiError('UNAUTHENTICATED', 'the API key is not valid or was revoked', HINT))
      );
    }
    if (typeof authorization === 'string' && authorization !== '') {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!m)
        return fail(new ApiError('UNAUTHENTICATED', 'the Authorization header is not a Bearer token', HINT));
      if (!deps.jwt) {
        return fail(
          new ApiError(
            'UNAUTHENTICATED',
            'bearer tokens are not accepted: no MEDALLION_JWT_SECRET or public key is configured',
            'Use an API key (X-API-Key), or configure MEDALLION_JWT_SECRET on the API.',
          ),
        );
      }
      try {
        return await deps.jwt.verify(m[1]!);
      } catch (e) {
        return fail(
          e instanceof ApiError ? e : new ApiError('UNAUTHENTICATED', 'the token is not valid', HINT),
        );
      }
    }
    return fail(new ApiError('UNAUTHENTICATED', 'credentials are required', HINT));
  };

  return async (request: FastifyRequest): Promise<void> => {
    // Fail safe: every /api/ route needs at least a viewer unless it says otherwise.
    const need =
      request.routeOptions.config.role ??
      (request.routeOptions.url?.startsWith('/api/') ? 'viewer' : 'public');
    if (need === 'public') return;
    const principal = await identify(request);
    request.principal = principal;
    if (!roleAllows(principal.role, need)) {
      fail(new ApiError('FORBIDDEN', `this call needs the ${need} role; you have ${principal.role}`));
    }
  };
}
