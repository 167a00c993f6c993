/**
 * Small named checks for what callers pass in, each with a precise message, run before
 * anything is signed or sent (after noble-hashes' `abytes`/`anumber` helpers).
 */
import { hexToBytes } from '@tongbao/protocol/portable';
import { InvalidParameterError } from '../errors.js';

/** Wallet, operator, request and payment ids: the API's Identifier shape. */
const IDENTIFIER = /^[A-Za-z0-9._@-]{1,64}$/;
export const U64_MAX = (1n << 64n) - 1n;
/** Longest free text (reserve references, legal bases, reasons) the SDK will sign. */
export const TEXT_BYTES_MAX = 1024;
/** Longest opaque blob (memo, identity escrow) the SDK will sign. */
export const BLOB_BYTES_MAX = 4096;

export function checkIdentifier(name: string, value: unknown): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new InvalidParameterError(`${name} must be 1..64 characters of A-Z a-z 0-9 . _ @ -, got ${JSON.stringify(value)}`, {
      details: { parameter: name },
    });
  }
  return value;
}

export function checkOptionalIdentifier(name: string, value: unknown): string {
  return value === undefined || value === '' ? '' : checkIdentifier(name, value);
}

/** An amount in fen: a bigint in 1..2^64-1 (zero moves nothing and is refused). */
export function checkAmount(name: string, value: unknown): bigint {
  if (typeof value !== 'bigint') {
    throw new InvalidParameterError(`${name} must be a bigint number of fen (use yuan('12.50') for 1250n), got ${typeof value}`, {
      details: { parameter: name },
    });
  }
  if (value <= 0n || value > U64_MAX) {
    throw new InvalidParameterError(`${name} must be between 1 and 2^64-1 fen, got ${value}`, { details: { parameter: name } });
  }
  return value;
}

export function checkU64(name: string, value: unknown): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new InvalidParameterError(`${name} must be a bigint in 0..2^64-1, got ${String(value)}`, { details: { parameter: name } });
  }
  return value;
}

export function checkTier(name: string, value: unknown): number {
  if (value !== 1 && value !== 2 && value !== 3 && value !== 4) {
    throw new InvalidParameterError(`${name} must be a KYC tier 1 (strongest) .. 4 (anonymous), got ${String(value)}`, {
      details: { parameter: name },
    });
  }
  return value;
}

export function checkText(name: string, value: unknown, required: boolean): string {
  if (value === undefined && !required) return '';
  if (typeof value !== 'string' || (required && value.length === 0)) {
    throw new InvalidParameterError(`${name} must be a ${required ? 'non-empty ' : ''}string`, { details: { parameter: name } });
  }
  if (new TextEncoder().encode(value).length > TEXT_BYTES_MAX) {
    throw new InvalidParameterError(`${name} must be at most ${TEXT_BYTES_MAX} bytes of UTF-8`, { details: { parameter: name } });
  }
  return value;
}

/** Bytes given as a Uint8Array or as hex. */
export function toBytes(name: string, value: unknown, maxBytes = BLOB_BYTES_MAX): Uint8Array {
  let bytes: Uint8Array;
  if (value instanceof Uint8Array) bytes = value;
  else if (typeof value === 'string') {
    try {
      bytes = hexToBytes(value.startsWith('0x') ? value.slice(2) : value);
    } catch (cause) {
      throw new InvalidParameterError(`${name} must be a Uint8Array or a hex string`, { details: { parameter: name }, cause });
    }
  } else {
    throw new InvalidParameterError(`${name} must be a Uint8Array or a hex string, got ${typeof value}`, {
      details: { parameter: name },
    });
  }
  if (bytes.length > maxBytes) {
    throw new InvalidParameterError(`${name} must be at most ${maxBytes} bytes, got ${bytes.length}`, { details: { parameter: name } });
  }
  return bytes;
}

export function toOptionalBytes(name: string, value: unknown, maxBytes = BLOB_BYTES_MAX): Uint8Array {
  return value === undefined ? new Uint8Array(0) : toBytes(name, value, maxBytes);
}

/** A 32-byte hash given as bytes or hex, returned as lowercase hex. */
export function toHashHex(name: string, value: unknown): string {
  const bytes = toBytes(name, value, 32);
  if (bytes.length !== 32) {
    throw new InvalidParameterError(`${name} must be a 32-byte hash, got ${bytes.length} bytes`, { details: { parameter: name } });
  }
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}
