import { bytesToUtf8, DecodeError, MisbehaviourKind, type EvidenceRecord, type StateReader, type ValidatorSet } from '@tongbao/protocol';
import { ExecutionError } from '../../errors.js';
import { evidencePath, VALIDATOR_SET_PATH, type EvidenceKindSegment } from '../../keys.js';
import { readRecord } from '../../state-overlay.js';
import { validatorSetStore } from '../governance/store.js';
import { evidenceStore } from './store.js';

/**
 * The read-only surface of recorded misbehaviour. State readers answer by key only, so
 * listing is the caller's enumeration of the `evidenceKeyPrefix()` range (storage can
 * enumerate a prefix), each value read with `decodeEvidenceRecord`.
 */

const SEGMENT_OF: Readonly<Partial<Record<MisbehaviourKind, EvidenceKindSegment>>> = {
  [MisbehaviourKind.CONFLICTING_VOTES]: 'conflicting-votes',
  [MisbehaviourKind.CONFLICTING_PROPOSALS]: 'conflicting-proposals',
};

/** The record of one misbehaviour, or undefined if none is recorded. */
export function getEvidence(
  state: StateReader,
  validatorPublicKey: Uint8Array,
  epoch: bigint,
  kind: MisbehaviourKind,
  round: bigint,
): EvidenceRecord | undefined {
  const segment = SEGMENT_OF[kind];
  if (segment === undefined) throw new ExecutionError('INVALID_QUERY', `misbehaviour kind ${kind} is not one that is recorded (conflicting votes or proposals)`);
  return readRecord(state, evidenceStore, evidencePath(validatorPublicKey, epoch, segment, round));
}

/** A value read from the evidence range; throws ExecutionError STATE_CORRUPT if it is not an EvidenceRecord. */
export function decodeEvidenceRecord(key: Uint8Array, value: Uint8Array): EvidenceRecord {
  try {
    return evidenceStore.decode(value);
  } catch (cause) {
    if (!(cause instanceof DecodeError)) throw cause;
    let path: string;
    try {
      path = bytesToUtf8(key);
    } catch {
      path = '(not UTF-8)';
    }
    throw new ExecutionError('STATE_CORRUPT', `state key "${path}" does not hold a valid EvidenceRecord: ${cause.message}`, { details: { path }, cause });
  }
}

/** The validators of the current epoch in genesis order. */
export function getValidatorSet(state: StateReader): ValidatorSet | undefined {
  return readRecord(state, validatorSetStore, VALIDATOR_SET_PATH);
}
