import type { ErrorCode } from '../runner/errors.js';

/** The codes an API client sees in the envelope's `error.code`. */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_CURSOR'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'NO_CLUSTER'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'NOT_READY'
  | 'INTERNAL';

interface ApiErrorMapping {
  httpStatus: number;
  apiCode: ApiErrorCode;
  /** Sent when the error is not an ApiError (which carries its own hint). */
  hint?: string;
}

const self = (httpStatus: number, apiCode: ApiErrorCode): ApiErrorMapping => ({ httpStatus, apiCode });

/**
 * Every coded error the API answers with its own status, in one place (as Fastify's coded errors do). An error whose
 * code is not here is an infrastructure fault: 500 INTERNAL, logged, with its message kept out of the response.
 */
export const API_ERROR_TABLE: Readonly<Partial<Record<ErrorCode, ApiErrorMapping>>> = Object.freeze({
  BAD_REQUEST: self(400, 'BAD_REQUEST'),
  INVALID_CURSOR: self(400, 'INVALID_CURSOR'),
  UNAUTHENTICATED: self(401, 'UNAUTHENTICATED'),
  FORBIDDEN: self(403, 'FORBIDDEN'),
  NOT_FOUND: self(404, 'NOT_FOUND'),
  NO_CLUSTER: self(409, 'NO_CLUSTER'),
  CONFLICT: self(409, 'CONFLICT'),
  RATE_LIMITED: self(429, 'RATE_LIMITED'),
  NOT_READY: self(503, 'NOT_READY'),
  INTERNAL: self(500, 'INTERNAL'),
  SEARCH_BAD_QUERY: self(400, 'BAD_REQUEST'),
  SEARCH_NOT_INDEXED: {
    httpStatus: 404,
    apiCode: 'NOT_FOUND',
    hint: 'Run the search step: medallion run -f pipeline.yaml --steps search',
  },
  SEARCH_UNAVAILABLE: self(503, 'NOT_READY'),
  CHECK_NOT_FOUND: {
    httpStatus: 404,
    apiCode: 'NOT_FOUND',
    hint: "Use a check name from the pipeline's spec.quality.checks; GET /api/v1/runs/{id}/checks lists a run's checks.",
  },
  SEARCH_CONFIG: self(500, 'INTERNAL'),
  SEARCH_AUTH: self(500, 'INTERNAL'),
  SEARCH_IMPORT: self(500, 'INTERNAL'),
  SEARCH_INDEX: self(500, 'INTERNAL'),
  SEARCH_INPUT: self(500, 'INTERNAL'),
  SEARCH_QUERY: self(500, 'INTERNAL'),
});

/** The API's answer to a coded error, or undefined when the code is not one the API exposes. */
export const apiErrorMapping = (code: ErrorCode): ApiErrorMapping | undefined => API_ERROR_TABLE[code];
