import { decodeCanonical, encode, EvidenceRecordSchema, TRANSACTION_BYTES_MAX, type EvidenceRecord } from '@tongbao/protocol';
import type { RecordStore } from '../../state-overlay.js';

/**
 * A record holds the evidence of one transaction plus a few fixed fields, so it is never
 * much larger than a transaction; anything larger can only be damage.
 */
const EVIDENCE_RECORD_VALUE_BYTES_MAX = TRANSACTION_BYTES_MAX + 1024;

/** Recorded misbehaviour, "evidence/<hex validator key>/<epoch>/<kind>/<round>". */
export const evidenceStore: RecordStore<EvidenceRecord> = {
  name: 'EvidenceRecord',
  encode: (value) => encode(EvidenceRecordSchema, value),
  decode: (bytes) => decodeCanonical(EvidenceRecordSchema, bytes, EVIDENCE_RECORD_VALUE_BYTES_MAX),
};
