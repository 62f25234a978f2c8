import { z } from 'zod';

/** The response envelope of every route, errors included: `{ status, data, metadata }`. */
export const API_VERSION = 'v1';

const PaginationSchema = z
  .object({
    limit: z.number().int().describe('Page size asked for.'),
    next_cursor: z
      .string()
      .nullable()
      .describe('Opaque cursor of the next page (pass it as ?cursor=); null on the last page.'),
  })
  .describe('Present on lists: keyset pagination, stable under concurrent inserts.');

const MetadataSchema = z.object({
  timestamp: z.string().describe('When the response was produced (ISO 8601, UTC).'),
  version: z.string().describe('API version.'),
  processing_time_ms: z.number().describe('Time spent serving the request, in milliseconds.'),
  pagination: PaginationSchema.optional(),
});

const ErrorBodySchema = z.object({
  code: z.string().describe('Stable machine-readable code, e.g. UNAUTHENTICATED, NOT_FOUND, RATE_LIMITED.'),
  message: z.string(),
  hint: z.string().optional().describe('What to do about it.'),
});

const ErrorEnvelopeSchema = z
  .object({
    status: z.literal('error'),
    data: z.null(),
    error: ErrorBodySchema,
    metadata: MetadataSchema,
  })
  .meta({ id: 'ErrorEnvelope' });

export const envelopeOf = <T extends z.ZodType>(data: T) =>
  z.object({ status: z.literal('ok'), data, metadata: MetadataSchema });

/** Error responses every authenticated route can give. */
export const ERROR_RESPONSES = {
  400: ErrorEnvelopeSchema.describe('Invalid parameters.'),
  401: ErrorEnvelopeSchema.describe('Missing, expired or invalid credentials.'),
  403: ErrorEnvelopeSchema.describe('The role may not do this.'),
  404: ErrorEnvelopeSchema.describe('Not found.'),
  429: ErrorEnvelopeSchema.describe('Rate limit exceeded; see Retry-After.'),
} as const;

export const metadata = (elapsedMs: number, pagination?: z.infer<typeof PaginationSchema>) => ({
  timestamp: new Date().toISOString(),
  version: API_VERSION,
  processing_time_ms: Math.round(elapsedMs * 1000) / 1000,
  ...(pagination ? { pagination } : {}),
});

export const ok = <T>(data: T, elapsedMs: number, pagination?: z.infer<typeof PaginationSchema>) => ({
  status: 'ok' as const,
  data,
  metadata: metadata(elapsedMs, pagination),
});

export const failure = (
  error: { code: string; message: string; hint?: string | undefined },
  elapsedMs: number,
) => ({
  status: 'error' as const,
  data: null,
  error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
  metadata: metadata(elapsedMs),
});
