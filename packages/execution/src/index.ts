/**
 * @tongbao/execution — the deterministic state machine behind the application
 * interface. See README.md for how it is organized.
 */
export type { Application, BlockContext, BlockResult, CheckResult, DiscardedTransaction } from './types.js';
export { createApplication, DEFAULT_BLOCK_LIMITS, type ApplicationOptions, type BlockLimits } from './application.js';
export { ExecutionError, GenesisError, type ExecutionErrorCode } from './errors.js';
export { ResultCode, resultName, type ResultName, type Rejection } from './result-codes.js';
export { formatYuan, FEN_PER_YUAN } from './format.js';
export * from './keys.js';
export {
  defaultCurrencyParams,
  dayIndex,
  identifierLengthMax,
  identityEscrowBytesMax,
  isIdentifier,
  legalBasisBytesMax,
  memoBytesMax,
  rejectionReasonBytesMax,
  reserveReferenceBytesMax,
} from './modules/currency/limits.js';
export { decodeAccount } from './modules/currency/store.js';
export * from './modules/currency/queries.js';
export * from './modules/currency/audit.js';
export { validateGenesis } from './modules/governance/genesis.js';
export { decodeEvidenceRecord, getEvidence, getValidatorSet } from './modules/evidence/queries.js';
export { EVIDENCE_SIGNATURE_BYTES_MAX } from './modules/evidence/examine.js';
