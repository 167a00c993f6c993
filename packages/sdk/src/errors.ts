/**
 * The SDK's errors. Each extends protocol's TongbaoError, so it carries a stable `code`,
 * a sentence a person can act on, structured `details` and a `cause`. Callers switch on
 * the class (`instanceof`) for the kind of failure and on `code` for the reason.
 */
import { TongbaoError } from '@tongbao/protocol/portable';

type ErrorOptions = { details?: Record<string, unknown>; cause?: unknown };

/**
 * The node answered with an error body (`{ error: { code, message, details? } }`) and
 * an HTTP status of 4xx or 5xx; or a WebSocket error message, whose httpStatus is 0.
 *
 * @example
 * try { await getWallet(client, { walletId: 'alice' }) }
 * catch (e) { if (e instanceof TongbaoApiError && e.code === 'NOT_FOUND') console.log('no such wallet') }
 */
export class TongbaoApiError extends TongbaoError {
  readonly httpStatus: number;
  constructor(code: string, message: string, httpStatus: number, options: ErrorOptions = {}) {
    super(code, message, options);
    this.name = 'TongbaoApiError';
    this.httpStatus = httpStatus;
  }
}

/** Why a request got no answer from the node. */
export type TransportErrorCode = 'NETWORK_ERROR' | 'TIMEOUT' | 'ABORTED';

/**
 * The request did not get an answer: connection refused or reset, DNS failure, timeout.
 * GET requests are retried before this is thrown; POSTs never are (a submission may have
 * arrived even when its answer did not: look the transaction up by id before resending).
 *
 * @example
 * try { await getStatus(client) }
 * catch (e) { if (e instanceof TongbaoTransportError) console.log('node unreachable:', e.details.url) }
 */
export class TongbaoTransportError extends TongbaoError {
  declare readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.name = 'TongbaoTransportError';
  }
}

/**
 * The node answered with something that is not the documented shape (wrong JSON, a record
 * that does not decode, a block whose hash is not its header's).
 *
 * @example
 * catch (e) { if (e instanceof InvalidResponseError) console.log(e.details.path) }
 */
export class InvalidResponseError extends TongbaoError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('INVALID_RESPONSE', message, options);
    this.name = 'InvalidResponseError';
  }
}

/**
 * A Merkle proof returned by the node does not prove the returned record against the
 * returned header's state root: the node (or something between) is lying or broken.
 *
 * @example
 * catch (e) { if (e instanceof ProofVerificationError) alarm(e.details) }
 */
export class ProofVerificationError extends TongbaoError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('PROOF_VERIFICATION_FAILED', message, options);
    this.name = 'ProofVerificationError';
  }
}

/**
 * A parameter the caller passed cannot be valid (a malformed id, a negative amount, a
 * tier outside 1..4); nothing was sent.
 *
 * @example
 * try { yuan('12.345') } catch (e) { if (e instanceof InvalidParameterError) console.log(e.message) }
 */
export class InvalidParameterError extends TongbaoError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('INVALID_PARAMETER', message, options);
    this.name = 'InvalidParameterError';
  }
}

/**
 * The node refused a transaction before ordering it (bad signature, wrong chain, stale
 * nonce, full mempool); `code` is the node's code. Nothing changed on chain.
 *
 * @example
 * catch (e) { if (e instanceof TransactionRejectedError && e.code === 'BAD_NONCE') account.nonceManager.reset() }
 */
export class TransactionRejectedError extends TongbaoError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.name = 'TransactionRejectedError';
  }
}

/**
 * A wait (for a receipt, for a commit) ended before what was awaited happened. The
 * transaction may still commit later.
 *
 * @example
 * catch (e) { if (e instanceof WaitTimeoutError) console.log('still pending:', e.details.id) }
 */
export class WaitTimeoutError extends TongbaoError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('WAIT_TIMEOUT', message, options);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * A subscription ended abnormally: its consumer fell more than the queue limit behind,
 * or the node sent a message that is not an event.
 *
 * @example
 * for await (const event of sub) {} // throws SubscriptionError with code 'SUBSCRIPTION_OVERFLOW' when too slow
 */
export class SubscriptionError extends TongbaoError {
  constructor(code: 'SUBSCRIPTION_OVERFLOW' | 'SUBSCRIPTION_UNAVAILABLE', message: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.name = 'SubscriptionError';
  }
}
