import { TongbaoError } from '@tongbao/protocol';

/**
 * Operational errors of the consensus package. Bad messages from peers are not errors
 * (they are dropped, or become evidence); these are for a shell that misconfigures or
 * misuses the core.
 */
export type ConsensusErrorCode =
  /** A configuration value or relationship between values is invalid. */
  | 'INVALID_CONFIG'
  /** The restored state does not belong to this chain or epoch, or is malformed. */
  | 'INVALID_RESTORED_STATE'
  /** `step` was called before `start`, or `start` twice. */
  | 'INVALID_EVENT_ORDER';

export class ConsensusError extends TongbaoError {
  declare readonly code: ConsensusErrorCode;
  constructor(code: ConsensusErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'ConsensusError';
  }
}
