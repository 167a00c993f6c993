/**
 * Decoding at the edge, with precise messages: strict base64, hex, u64 heights, and the
 * binary frame sequence of POST /v1/transactions/binary. Every failure is an ApiError
 * MALFORMED_REQUEST naming what and where.
 */
import { TRANSACTION_BYTES_MAX, api } from '@tongbao/protocol';
import { ApiError } from './errors.js';

const U64_MAX = (1n << 64n) - 1n;

/**
 * Standard, padded, canonical base64 only: Node's decoder silently skips stray
 * characters and ignores non-zero trailing bits, so two strings could name one
 * transaction; re-encoding and comparing rules that out.
 */
export function base64ToBytes(text: string, where: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (text.length % 4 !== 0 || bytes.toString('base64') !== text) {
    throw new ApiError('MALFORMED_REQUEST', `${where} is not canonical padded base64`, { details: { in: where } });
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Lowercase hex of whole bytes (the route schema has already checked the pattern). */
export function hexParamToBytes(hex: string, where: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) {
    throw new ApiError('MALFORMED_REQUEST', `${where} must be lowercase hex of whole bytes`, { details: { in: where } });
  }
  const bytes = Buffer.from(hex, 'hex');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A block height: decimal, no leading zeros, at most 2^64 − 1. */
export function parseHeight(text: string): bigint {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(text)) {
    throw new ApiError('MALFORMED_REQUEST', `height must be a decimal unsigned 64-bit integer or "latest", got ${JSON.stringify(text.slice(0, 40))}`);
  }
  const height = BigInt(text);
  if (height > U64_MAX) throw new ApiError('MALFORMED_REQUEST', `height ${text} exceeds 2^64 - 1`);
  return height;
}

/** The binary submission format: repeated (u32 big-endian length ‖ encoded Transaction). */
export const FRAME_HEADER_BYTES = 4;

/**
 * Splits a frame sequence into views of the body (no copies). A sequence is malformed
 * when it is empty, ends inside a header or a frame, has an empty frame, a frame longer
 * than TRANSACTION_BYTES_MAX, or more than SUBMIT_BATCH_TRANSACTIONS_MAX frames.
 */
export function decodeTransactionFrames(body: Uint8Array): Uint8Array[] {
  if (body.length === 0) throw new ApiError('MALFORMED_REQUEST', 'the body holds no transaction frames');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const frames: Uint8Array[] = [];
  let offset = 0;
  while (offset < body.length) {
    const index = frames.length;
    if (index >= api.SUBMIT_BATCH_TRANSACTIONS_MAX) {
      throw new ApiError('MALFORMED_REQUEST', `more than ${api.SUBMIT_BATCH_TRANSACTIONS_MAX} transaction frames in one request`, {
        details: { frame: index },
      });
    }
    if (body.length - offset < FRAME_HEADER_BYTES) {
      throw new ApiError('MALFORMED_REQUEST', `frame ${index} is truncated: ${body.length - offset} bytes left where a 4-byte length was expected`, {
        details: { frame: index, offset },
      });
    }
    const length = view.getUint32(offset);
    offset += FRAME_HEADER_BYTES;
    if (length === 0 || length > TRANSACTION_BYTES_MAX) {
      throw new ApiError('MALFORMED_REQUEST', `frame ${index} has length ${length}, outside 1..${TRANSACTION_BYTES_MAX}`, {
        details: { frame: index, offset: offset - FRAME_HEADER_BYTES },
      });
    }
    if (length > body.length - offset) {
      throw new ApiError('MALFORMED_REQUEST', `frame ${index} is truncated: length ${length}, ${body.length - offset} bytes left`, {
        details: { frame: index, offset: offset - FRAME_HEADER_BYTES },
      });
    }
    frames.push(body.subarray(offset, offset + length));
    offset += length;
  }
  return frames;
}

/** The inverse of decodeTransactionFrames, for clients and tests. */
export function encodeTransactionFrames(transactions: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const t of transactions) total += FRAME_HEADER_BYTES + t.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const t of transactions) {
    view.setUint32(offset, t.length);
    out.set(t, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + t.length;
  }
  return out;
}
