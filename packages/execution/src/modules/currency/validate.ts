import { utf8ToBytes } from '@tongbao/protocol';
import { reject, type Rejection } from '../../result-codes.js';
import { identifierLengthMax, isIdentifier, TIER_MAX, TIER_MIN } from './limits.js';

/** Small named checks for `verify`, each with a message that says what to send instead. */

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

export function checkIdentifier(field: string, value: string): Rejection | undefined {
  if (isIdentifier(value)) return undefined;
  return reject('MALFORMED_COMMAND', `${field} must be 1–${identifierLengthMax} characters of A–Z a–z 0–9 . _ @ -, got ${quote(value)}`);
}

export function checkAmount(field: string, amount: bigint): Rejection | undefined {
  // The wire type is uint64, so only zero needs catching.
  if (amount > 0n) return undefined;
  return reject('MALFORMED_COMMAND', `${field} must be more than zero fen`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkText(field: string, value: string, bytesMax: number, required: boolean): Rejection | undefined {
  if (required && value.length === 0) return reject('MALFORMED_COMMAND', `${field} is required`);
  // Text that would not come back as itself from the wire: a leading byte-order mark is
  // dropped by UTF-8 decoding and a lone surrogate becomes U+FFFD, so a record holding it
  // could never be read back canonically. (Decoded transactions cannot carry either; this
  // guards every other way in, such as a genesis or a test harness.)
  if (value.charCodeAt(0) === 0xfeff || LONE_SURROGATE.test(value)) {
    return reject('MALFORMED_COMMAND', `${field} must be well-formed Unicode text without a leading byte-order mark`);
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: most strings skip the encoding.
  if (value.length * 3 <= bytesMax) return undefined;
  const bytes = utf8ToBytes(value).length;
  if (bytes <= bytesMax) return undefined;
  return reject('MALFORMED_COMMAND', `${field} is ${bytes} bytes; at most ${bytesMax} are allowed`);
}

export function checkBytes(field: string, value: Uint8Array, bytesMax: number): Rejection | undefined {
  if (value.length <= bytesMax) return undefined;
  return reject('MALFORMED_COMMAND', `${field} is ${value.length} bytes; at most ${bytesMax} are allowed`);
}

export function checkTier(tier: number): Rejection | undefined {
  if (tier >= TIER_MIN && tier <= TIER_MAX) return undefined;
  return reject('MALFORMED_COMMAND', `tier must be ${TIER_MIN}..${TIER_MAX}, got ${tier}`);
}

export function firstRejection(...checks: (Rejection | undefined)[]): Rejection | undefined {
  for (const check of checks) if (check !== undefined) return check;
  return undefined;
}
