import { MedallionError } from '../runner/errors.js';
import { API_ERROR_TABLE, type ApiErrorCode } from './error-table.js';

export type { ApiErrorCode } from './error-table.js';

/**
 * Errors a client can act on: a stable code (its HTTP status comes from api/error-table.ts) and what to do next.
 * Thrown by handlers and rendered by the app's error handler in the response envelope; anything else is an
 * infrastructure fault (500, logged).
 */
export class ApiError extends MedallionError {
  declare readonly code: ApiErrorCode;
  readonly statusCode: number;
  constructor(code: ApiErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, hint });
    this.statusCode = API_ERROR_TABLE[code]!.httpStatus;
  }
}

export const notFound = (what: string): ApiError => new ApiError('NOT_FOUND', `${what} not found`);
