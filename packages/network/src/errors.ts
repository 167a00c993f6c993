import { TongbaoError } from '@tongbao/protocol';

/**
 * Stable codes of the network package; never renamed, operators' alerts match on them.
 *
 * - BAD_CERTIFICATE: a certificate, key or certificate parameter that cannot be used
 *   (does not parse, key does not match, a CA that is not a CA, a bad validity period).
 * - BAD_OPTIONS: PeerNetworkOptions that contradict themselves (a limit out of range,
 *   a peer index that is not a validator, self listed as a peer, a duplicate peer).
 * - LISTEN_FAILED: the listening socket could not be opened (port in use, permissions).
 *
 * Sending after close() is not an error: send() returns false, like any dropped frame.
 */
export type NetworkErrorCode = 'BAD_CERTIFICATE' | 'BAD_OPTIONS' | 'LISTEN_FAILED';

export class NetworkError extends TongbaoError {
  declare readonly code: NetworkErrorCode;
  constructor(code: NetworkErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'NetworkError';
  }
}
