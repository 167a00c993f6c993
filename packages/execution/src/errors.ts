import { TongbaoError } from '@tongbao/protocol';

/**
 * Operational errors of the execution package. Transaction outcomes are never errors:
 * they are result codes in receipts (result-codes.ts). These errors are for a caller
 * that hands execution something it cannot work with at all.
 */
export type ExecutionErrorCode =
  /** The genesis breaks a rule; the chain cannot start from it. */
  | 'INVALID_GENESIS'
  /** A stored value does not decode as the record its key promises: the state is damaged. */
  | 'STATE_CORRUPT'
  /** A query was asked with an argument that can never name a record. */
  | 'INVALID_QUERY';

export class ExecutionError extends TongbaoError {
  declare readonly code: ExecutionErrorCode;
  constructor(code: ExecutionErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'ExecutionError';
  }
}

export class GenesisError extends ExecutionError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_GENESIS', `invalid genesis: ${message}`, { details });
    this.name = 'GenesisError';
  }
}
