/** Machine-readable codes of warehouse failures; the run summary and metrics carry the code, not the message. */
export type WarehouseErrorCode =
  | 'WAREHOUSE_CONFIG'
  | 'WAREHOUSE_CONNECT'
  | 'WAREHOUSE_EMBEDDED'
  | 'WAREHOUSE_MIGRATION'
  | 'WAREHOUSE_INPUT'
  | 'WAREHOUSE_LOAD';

export class WarehouseError extends Error {
  override readonly name = 'WarehouseError';
  constructor(
    readonly code: WarehouseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isWarehouseError = (error: unknown): error is WarehouseError => error instanceof WarehouseError;
