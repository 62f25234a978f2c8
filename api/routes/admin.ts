import { z } from 'zod';
import type { ApiKeyStore } from '../auth/api-keys.js';
import { ROLES } from '../auth/roles.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import { ApiError, notFound } from '../errors.js';
import { text } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

/** API key management (admin role). The key is returned once, at creation; only its hash is stored. */
export function registerAdminRoutes(app: TypedApp, deps: { apiKeys: ApiKeyStore | undefined }) {
  const store = (): ApiKeyStore => {
    if (!deps.apiKeys) throw new ApiError('CONFLICT', 'API keys are not available on this server');
    return deps.apiKeys;
  };
  app.post(
    '/api/v1/api-keys',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Create an API key (admin). The key is shown once.',
        body: z
          .object({
            name: text(100),
            role: z.enum(ROLES),
            rate_limit_per_minute: z.number().int().min(1).max(1_000_000).optional(),
          })
          .strict(),
        response: {
          201: envelopeOf(z.object({ key_id: z.string(), key: z.string(), role: z.enum(ROLES) })),
          ...ERROR_RESPONSES,
          409: ERROR_RESPONSES[404],
        },
      },
    },
    async (request, reply) => {
      const { name, role, rate_limit_per_minute } = request.body;
      const created = await store().create({ name, role, rateLimitPerMinute: rate_limit_per_minute });
      return reply.code(201).send(ok({ key_id: created.keyId, key: created.key, role }, reply.elapsedTime));
    },
  );
  app.delete(
    '/api/v1/api-keys/:keyId',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key (admin).',
        params: z.object({ keyId: z.string().regex(/^[a-z0-9]{12}$/) }),
        response: {
          200: envelopeOf(z.object({ key_id: z.string(), revoked: z.literal(true) })),
          ...ERROR_RESPONSES,
          409: ERROR_RESPONSES[404],
        },
      },
    },
    async (request, reply) => {
      if (!(await store().revoke(request.params.keyId))) throw notFound(`API key ${request.params.keyId}`);
      return ok({ key_id: request.params.keyId, revoked: true as const }, reply.elapsedTime);
    },
  );
}
