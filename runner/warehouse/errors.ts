import { MedallionError, type ErrorCode, type ErrorOptions } from '../errors.js';

/** Machine-readable codes of warehouse failures; the run summary and metrics carry the code, not the message. */
export type WarehouseErrorCode = Extract<ErrorCode, `WAREHOUSE_${string}`>;

export class WarehouseError extends MedallionError {
  declare readonly code: WarehouseErrorCode;
  constructor(code: WarehouseErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

export const isWarehouseError = (error: unknown): error is WarehouseError => error instanceof WarehouseError;
