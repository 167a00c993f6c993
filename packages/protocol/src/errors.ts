/**
 * Operational errors of the protocol package. Every error carries a stable `code` that
 * callers may switch on, a sentence a person can act on, structured details, and an
 * optional cause. Codes are never renamed: clients and logs depend on them.
 */
export class TongbaoError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TongbaoError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export type DecodeErrorCode = 'MALFORMED_ENCODING' | 'NON_CANONICAL_ENCODING' | 'OVERSIZED';

/** Bytes that are not a valid, canonical encoding of the expected message. */
export class DecodeError extends TongbaoError {
  declare readonly code: DecodeErrorCode;
  constructor(code: DecodeErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'DecodeError';
  }
}

export type TransactionErrorCode =
  | 'WRONG_CHAIN'
  | 'BAD_SIGNATURE'
  | 'MISSING_FIELD'
  | 'BAD_PUBLIC_KEY';

/** A transaction that can never be valid on this chain, whatever the state. */
export class TransactionError extends TongbaoError {
  declare readonly code: TransactionErrorCode;
  constructor(code: TransactionErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'TransactionError';
  }
}

/** A chain id outside 1..CHAIN_ID_BYTES_MAX bytes: nothing can be signed for such a chain. */
export class ChainIdError extends TongbaoError {
  declare readonly code: 'INVALID_CHAIN_ID';
  constructor(message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super('INVALID_CHAIN_ID', message, options);
    this.name = 'ChainIdError';
  }
}
