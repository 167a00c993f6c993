import type { Pay } from './gen/tongbao/v1/currency_pb.js';
import type { Command, Transaction, TransactionBody } from './gen/tongbao/v1/transaction_pb.js';

/**
 * A fast path for the transaction a payment network decodes most: a Transaction whose
 * command is Pay. Every validator decodes every transaction once, and protobuf-es's
 * reflective decoder spent about 5 µs on a 135-byte payment, a sixth of what verifying it
 * costs with its signature.
 *
 * It answers only when sure: the bytes are the canonical encoding (fields in number
 * order, each once, no default value written out, minimal varints, lengths within their
 * message) of a Transaction with a body and a Pay command, whose text is ASCII. Then the
 * result is what decodeCanonical(TransactionSchema, bytes) returns, field for field and
 * in the same property order. Anything else — another command, non-ASCII text, a
 * malformed or non-canonical encoding — gets undefined, and the caller decodes with the
 * reference, which alone decides what is accepted and with which error. A mistake here
 * can thus only be a wrong "yes"; pay-transaction-decoder.test.ts pins the yeses to the
 * reference on random payments and on random corruptions of them.
 */
export function decodeCanonicalPayTransaction(bytes: Uint8Array): Transaction | undefined {
  const reader = new CanonicalReader(bytes);
  try {
    return readTransaction(reader);
  } catch (error) {
    if (error === NOT_HANDLED) return undefined;
    throw error;
  }
}

/** Thrown inside the reader for anything the fast path leaves to the reference. */
const NOT_HANDLED = Symbol('not handled by the fast path');

// Tags (field number << 3 | wire type), each a one-byte varint except Command.pay's.
const TAG_LENGTH_1 = 0x0a;
const TAG_LENGTH_2 = 0x12;
const TAG_LENGTH_3 = 0x1a;
const TAG_VARINT_2 = 0x10;
const TAG_VARINT_4 = 0x20;
const TAG_LENGTH_5 = 0x2a;
/** Command.pay = 21, wire type 2: 170 as a varint. */
const TAG_PAY_BYTE_0 = 0xaa;
const TAG_PAY_BYTE_1 = 0x01;

class CanonicalReader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  /** Consumes `tag` if it comes next before `end`. */
  takeTag(tag: number, end: number): boolean {
    if (this.pos < end && this.bytes[this.pos] === tag) {
      this.pos++;
      return true;
    }
    return false;
  }

  /**
   * A minimal varint ending before `end`, below 2^bits (bits a multiple of 7, at most 49,
   * so the sum stays exact in a double).
   */
  private varint(end: number, bits: number): number {
    const bytes = this.bytes;
    let value = 0;
    for (let shift = 0; shift < bits; shift += 7) {
      if (this.pos >= end) throw NOT_HANDLED;
      const byte = bytes[this.pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        // A varint longer than one byte that ends in zero is not minimal.
        if (byte === 0 && shift > 0) throw NOT_HANDLED;
        return value;
      }
    }
    throw NOT_HANDLED; // larger values are left to the reference
  }

  /** A length prefix whose span ends within `end`; returns the span's end. */
  span(end: number): number {
    const length = this.varint(end, 28);
    const spanEnd = this.pos + length;
    if (spanEnd > end) throw NOT_HANDLED;
    return spanEnd;
  }

  /** A non-empty length-delimited field's bytes, as a view (as protobuf-es gives them). */
  nonEmptyBytes(end: number): Uint8Array {
    const spanEnd = this.span(end);
    if (spanEnd === this.pos) throw NOT_HANDLED; // an empty value written out
    const view = this.bytes.subarray(this.pos, spanEnd);
    this.pos = spanEnd;
    return view;
  }

  /** A non-empty ASCII string field. */
  nonEmptyAscii(end: number): string {
    const view = this.nonEmptyBytes(end);
    for (let i = 0; i < view.length; i++) if (view[i]! >= 0x80) throw NOT_HANDLED;
    return String.fromCharCode.apply(null, view as unknown as number[]);
  }

  /** A non-zero uint64 (zero would be a default written out), below 2^49. */
  nonZeroUint64(end: number): bigint {
    const value = this.varint(end, 49);
    if (value === 0) throw NOT_HANDLED;
    return BigInt(value);
  }
}

function readTransaction(reader: CanonicalReader): Transaction {
  const end = reader.bytes.length;
  const chainId = reader.takeTag(TAG_LENGTH_1, end) ? reader.nonEmptyAscii(end) : '';
  if (!reader.takeTag(TAG_LENGTH_2, end)) throw NOT_HANDLED;
  const bodyEnd = reader.span(end);
  const body = readBody(reader, bodyEnd);
  const signature = reader.takeTag(TAG_LENGTH_3, end) ? reader.nonEmptyBytes(end) : new Uint8Array(0);
  if (reader.pos !== end) throw NOT_HANDLED;
  // Property order as protobuf-es builds it: scalars first, then message fields as read.
  return { $typeName: 'tongbao.v1.Transaction', chainId, signature, body };
}

function readBody(reader: CanonicalReader, end: number): TransactionBody {
  const sender = reader.takeTag(TAG_LENGTH_1, end) ? reader.nonEmptyBytes(end) : new Uint8Array(0);
  const nonce = reader.takeTag(TAG_VARINT_2, end) ? reader.nonZeroUint64(end) : 0n;
  if (!reader.takeTag(TAG_LENGTH_3, end)) throw NOT_HANDLED;
  const commandEnd = reader.span(end);
  const command = readPayCommand(reader, commandEnd);
  if (reader.pos !== end) throw NOT_HANDLED;
  return { $typeName: 'tongbao.v1.TransactionBody', sender, nonce, command };
}

function readPayCommand(reader: CanonicalReader, end: number): Command {
  // Exactly one field, Command.pay: a second oneof field would make the bytes non-canonical.
  if (!reader.takeTag(TAG_PAY_BYTE_0, end) || !reader.takeTag(TAG_PAY_BYTE_1, end)) throw NOT_HANDLED;
  const payEnd = reader.span(end);
  if (payEnd !== end) throw NOT_HANDLED;
  const paymentId = reader.takeTag(TAG_LENGTH_1, end) ? reader.nonEmptyAscii(end) : '';
  const fromWalletId = reader.takeTag(TAG_LENGTH_2, end) ? reader.nonEmptyAscii(end) : '';
  const toWalletId = reader.takeTag(TAG_LENGTH_3, end) ? reader.nonEmptyAscii(end) : '';
  const amount = reader.takeTag(TAG_VARINT_4, end) ? reader.nonZeroUint64(end) : 0n;
  const memo = reader.takeTag(TAG_LENGTH_5, end) ? reader.nonEmptyBytes(end) : new Uint8Array(0);
  if (reader.pos !== end) throw NOT_HANDLED;
  const pay: Pay = { $typeName: 'tongbao.v1.Pay', paymentId, fromWalletId, toWalletId, amount, memo };
  return { $typeName: 'tongbao.v1.Command', kind: { case: 'pay', value: pay } };
}
