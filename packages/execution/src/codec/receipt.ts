import {
  encode,
  ReceiptSchema,
  type BankCreditRequested,
  type Event,
  type LargeValuePayment,
  type Misbehaviour,
  type MisbehaviourKind,
  type Receipt,
  type Transfer,
  type TransferKind,
} from '@tongbao/protocol';
import { ProtoWriter } from './wire.js';

/**
 * Receipts and their events (receipt.proto), built as the plain objects protobuf-es's
 * `create` would give (proto3 messages are plain objects with a `$typeName`) and encoded by
 * hand to exactly protobuf-es's bytes. Receipts are hashed into every block header, so
 * codec.property.test.ts checks the encoding against `toBinary` for random receipts.
 */

const EMPTY_BYTES = new Uint8Array(0);

export function okReceipt(transactionId: Uint8Array, events: Event[]): Receipt {
  return { $typeName: 'tongbao.v1.Receipt', transactionId, code: 0, error: '', message: '', events };
}

export function failedReceipt(transactionId: Uint8Array, code: number, error: string, message: string): Receipt {
  return { $typeName: 'tongbao.v1.Receipt', transactionId, code, error, message, events: [] };
}

export function transferEvent(kind: TransferKind, fromAccount: string, toAccount: string, amount: bigint): Event {
  const value: Transfer = { $typeName: 'tongbao.v1.Transfer', kind, fromAccount, toAccount, amount };
  return { $typeName: 'tongbao.v1.Event', kind: { case: 'transfer', value } };
}

export function bankCreditRequestedEvent(operatorId: string, walletId: string, amount: bigint, reason: TransferKind): Event {
  const value: BankCreditRequested = { $typeName: 'tongbao.v1.BankCreditRequested', operatorId, walletId, amount, reason };
  return { $typeName: 'tongbao.v1.Event', kind: { case: 'bankCreditRequested', value } };
}

export function largeValuePaymentEvent(paymentId: string, fromWalletId: string, toWalletId: string, amount: bigint): Event {
  const value: LargeValuePayment = { $typeName: 'tongbao.v1.LargeValuePayment', paymentId, fromWalletId, toWalletId, amount };
  return { $typeName: 'tongbao.v1.Event', kind: { case: 'largeValuePayment', value } };
}

/**
 * A validator's misbehaviour, proven and recorded. Rare, so this codec does not write it
 * by hand: `writeEvent` does not know the case and the receipt goes through protobuf-es.
 */
export function misbehaviourEvent(validatorPublicKey: Uint8Array, validatorIndex: number, kind: MisbehaviourKind, epoch: bigint, round: bigint): Event {
  const value: Misbehaviour = { $typeName: 'tongbao.v1.Misbehaviour', validatorPublicKey, validatorIndex, kind, epoch, round };
  return { $typeName: 'tongbao.v1.Event', kind: { case: 'misbehaviour', value } };
}

/** Whether a message carries fields this codec does not know (kept by protobuf-es as `$unknown`). */
function hasUnknown(message: object): boolean {
  return (message as { $unknown?: unknown[] }).$unknown !== undefined && (message as { $unknown: unknown[] }).$unknown.length > 0;
}

/** Writes one Event body; false for a case this codec does not know (the caller falls back). */
function writeEvent(w: ProtoWriter, event: Event): boolean {
  if (hasUnknown(event)) return false;
  const kind = event.kind;
  switch (kind.case) {
    case undefined:
      return true;
    case 'transfer': {
      const t = kind.value;
      if (hasUnknown(t)) return false;
      w.varint(0x0a);
      const mark = w.beginDelimited();
      if (t.kind !== 0) (w.varint(0x08), w.int32(t.kind));
      if (t.fromAccount !== '') (w.varint(0x12), w.string(t.fromAccount));
      if (t.toAccount !== '') (w.varint(0x1a), w.string(t.toAccount));
      if (t.amount !== 0n) (w.varint(0x20), w.uint64(t.amount));
      w.endDelimited(mark);
      return true;
    }
    case 'bankCreditRequested': {
      const b = kind.value;
      if (hasUnknown(b)) return false;
      w.varint(0x12);
      const mark = w.beginDelimited();
      if (b.operatorId !== '') (w.varint(0x0a), w.string(b.operatorId));
      if (b.walletId !== '') (w.varint(0x12), w.string(b.walletId));
      if (b.amount !== 0n) (w.varint(0x18), w.uint64(b.amount));
      if (b.reason !== 0) (w.varint(0x20), w.int32(b.reason));
      w.endDelimited(mark);
      return true;
    }
    case 'largeValuePayment': {
      const l = kind.value;
      if (hasUnknown(l)) return false;
      w.varint(0x1a);
      const mark = w.beginDelimited();
      if (l.paymentId !== '') (w.varint(0x0a), w.string(l.paymentId));
      if (l.fromWalletId !== '') (w.varint(0x12), w.string(l.fromWalletId));
      if (l.toWalletId !== '') (w.varint(0x1a), w.string(l.toWalletId));
      if (l.amount !== 0n) (w.varint(0x20), w.uint64(l.amount));
      w.endDelimited(mark);
      return true;
    }
    default:
      return false;
  }
}

/** Writes one Receipt at the writer's position; false if it holds something only protobuf-es knows. */
function writeReceipt(w: ProtoWriter, receipt: Receipt): boolean {
  if (hasUnknown(receipt)) return false;
  if (receipt.transactionId.length !== 0) (w.varint(0x0a), w.bytes(receipt.transactionId));
  if (receipt.code !== 0) (w.varint(0x10), w.uint32(receipt.code));
  if (receipt.error !== '') (w.varint(0x1a), w.string(receipt.error));
  if (receipt.message !== '') (w.varint(0x22), w.string(receipt.message));
  for (const event of receipt.events) {
    w.varint(0x2a);
    const mark = w.beginDelimited();
    if (!writeEvent(w, event)) return false;
    w.endDelimited(mark);
  }
  return true;
}

const writer = new ProtoWriter(64 * 1024);

/** `encode(ReceiptSchema, receipt)`, byte for byte. */
export function encodeReceipt(receipt: Receipt): Uint8Array {
  const w = writer.reset();
  return writeReceipt(w, receipt) ? w.finish() : encode(ReceiptSchema, receipt);
}

/**
 * Every receipt of a block encoded, each as `encode(ReceiptSchema, receipt)` would; the
 * results are views into one buffer.
 */
export function encodeReceipts(receipts: readonly Receipt[]): Uint8Array[] {
  const w = writer.reset();
  const ends: number[] = [];
  const fallbacks = new Map<number, Uint8Array>();
  for (let i = 0; i < receipts.length; i++) {
    const start = w.pos;
    if (!writeReceipt(w, receipts[i]!)) {
      w.pos = start;
      fallbacks.set(i, encode(ReceiptSchema, receipts[i]!));
    }
    ends.push(w.pos);
  }
  const all = w.finish();
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < receipts.length; i++) {
    const end = ends[i]!;
    out.push(fallbacks.get(i) ?? (end === start ? EMPTY_BYTES : all.subarray(start, end)));
    start = end;
  }
  return out;
}
