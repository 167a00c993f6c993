import {
  AccountSchema,
  decodeCanonical,
  PaymentRecordSchema,
  SignerSchema,
  WalletSchema,
  type Account,
  type PaymentRecord,
  type Signer,
  type Wallet,
} from '@tongbao/protocol';
import { NOT_FAST, ProtoReader, ProtoWriter } from './wire.js';

/**
 * Hand-written codecs of the records every payment reads and writes (currency_state.proto:
 * Account, Wallet, Signer, PaymentRecord). `encodeX` gives exactly protobuf-es's bytes;
 * `decodeX` accepts exactly what decodeCanonical accepts and returns an equal message:
 * its strict reader takes the canonical form only, and hands anything else to
 * decodeCanonical, which accepts it or throws the same DecodeError as before. The schemas
 * stay in proto/; codec.property.test.ts checks both directions against protobuf-es.
 * A field added to one of these messages must be added here too (the tests fail until it is).
 */

const writer = new ProtoWriter(4096);
const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** The record read by the strict reader, or undefined for bytes it leaves to protobuf-es. */
function readFast<T>(read: (reader: ProtoReader) => T, bytes: Uint8Array, maxBytes: number): T | undefined {
  if (bytes.length > maxBytes) return undefined;
  try {
    return read(new ProtoReader(bytes));
  } catch (error) {
    if (error !== NOT_FAST) throw error;
    return undefined;
  }
}

/** Tags are `field << 3 | wire type` (0 varint, 2 length-delimited); all fields here are 1..15. */
const enum Tag {
  F1_VARINT = 0x08,
  F1_LEN = 0x0a,
  F2_VARINT = 0x10,
  F2_LEN = 0x12,
  F3_VARINT = 0x18,
  F3_LEN = 0x1a,
  F4_VARINT = 0x20,
  F4_LEN = 0x22,
  F5_VARINT = 0x28,
  F6_VARINT = 0x30,
  F7_LEN = 0x3a,
  F8_LEN = 0x42,
  F9_VARINT = 0x48,
  F10_VARINT = 0x50,
  F11_LEN = 0x5a,
  F12_VARINT = 0x60,
  F13_VARINT = 0x68,
}

// ---- Account: id 1 string, kind 2 enum, balance 3 sint64, operator_id 4 string,
//      outgoing_day 5 sint64, outgoing_on_day 6 uint64

export function encodeAccount(value: Account): Uint8Array {
  const w = writer.reset();
  if (value.id !== '') (w.varint(Tag.F1_LEN), w.string(value.id));
  if (value.kind !== 0) (w.varint(Tag.F2_VARINT), w.int32(value.kind));
  if (value.balance !== 0n) (w.varint(Tag.F3_VARINT), w.sint64(value.balance));
  if (value.operatorId !== '') (w.varint(Tag.F4_LEN), w.string(value.operatorId));
  if (value.outgoingDay !== 0n) (w.varint(Tag.F5_VARINT), w.sint64(value.outgoingDay));
  if (value.outgoingOnDay !== 0n) (w.varint(Tag.F6_VARINT), w.uint64(value.outgoingOnDay));
  return w.finish();
}

function readAccount(r: ProtoReader): Account {
  let id = '';
  let kind = 0;
  let balance = 0n;
  let operatorId = '';
  let outgoingDay = 0n;
  let outgoingOnDay = 0n;
  let last = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag <= last) throw NOT_FAST; // out of order or repeated
    last = tag;
    switch (tag) {
      case Tag.F1_LEN: id = r.string(); break;
      case Tag.F2_VARINT: kind = r.enumValue(); break;
      case Tag.F3_VARINT: balance = r.sint64(); break;
      case Tag.F4_LEN: operatorId = r.string(); break;
      case Tag.F5_VARINT: outgoingDay = r.sint64(); break;
      case Tag.F6_VARINT: outgoingOnDay = r.uint64(); break;
      default: throw NOT_FAST;
    }
  }
  return { $typeName: 'tongbao.v1.Account', id, kind, balance, operatorId, outgoingDay, outgoingOnDay };
}

export function decodeAccountRecord(bytes: Uint8Array, maxBytes: number): Account {
  return readFast(readAccount, bytes, maxBytes) ?? decodeCanonical(AccountSchema, bytes, maxBytes);
}

// ---- Signer: next_nonce 1 uint64, organization_id 2 string

export function encodeSigner(value: Signer): Uint8Array {
  const w = writer.reset();
  if (value.nextNonce !== 0n) (w.varint(Tag.F1_VARINT), w.uint64(value.nextNonce));
  if (value.organizationId !== '') (w.varint(Tag.F2_LEN), w.string(value.organizationId));
  return w.finish();
}

function readSigner(r: ProtoReader): Signer {
  let nextNonce = 0n;
  let organizationId = '';
  let last = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag <= last) throw NOT_FAST;
    last = tag;
    switch (tag) {
      case Tag.F1_VARINT: nextNonce = r.uint64(); break;
      case Tag.F2_LEN: organizationId = r.string(); break;
      default: throw NOT_FAST;
    }
  }
  return { $typeName: 'tongbao.v1.Signer', nextNonce, organizationId };
}

export function decodeSignerRecord(bytes: Uint8Array, maxBytes: number): Signer {
  return readFast(readSigner, bytes, maxBytes) ?? decodeCanonical(SignerSchema, bytes, maxBytes);
}

// ---- PaymentRecord: to_wallet_id 1 string, amount 2 uint64, height 3 uint64

export function encodePaymentRecord(value: PaymentRecord): Uint8Array {
  const w = writer.reset();
  if (value.toWalletId !== '') (w.varint(Tag.F1_LEN), w.string(value.toWalletId));
  if (value.amount !== 0n) (w.varint(Tag.F2_VARINT), w.uint64(value.amount));
  if (value.height !== 0n) (w.varint(Tag.F3_VARINT), w.uint64(value.height));
  return w.finish();
}

function readPaymentRecord(r: ProtoReader): PaymentRecord {
  let toWalletId = '';
  let amount = 0n;
  let height = 0n;
  let last = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag <= last) throw NOT_FAST;
    last = tag;
    switch (tag) {
      case Tag.F1_LEN: toWalletId = r.string(); break;
      case Tag.F2_VARINT: amount = r.uint64(); break;
      case Tag.F3_VARINT: height = r.uint64(); break;
      default: throw NOT_FAST;
    }
  }
  return { $typeName: 'tongbao.v1.PaymentRecord', toWalletId, amount, height };
}

export function decodePaymentRecord(bytes: Uint8Array, maxBytes: number): PaymentRecord {
  return readFast(readPaymentRecord, bytes, maxBytes) ?? decodeCanonical(PaymentRecordSchema, bytes, maxBytes);
}

// ---- Wallet: id 1, operator_id 2, owner_public_key 3 bytes, tier 4 uint32, kind 5 enum,
//      bank_account_linked 6 bool, identity_escrow 7 bytes, parent_wallet_id 8, status 9 enum,
//      frozen 10 bool, legal_basis 11, opened_height 12 uint64, closed_height 13 uint64

export function encodeWallet(value: Wallet): Uint8Array {
  const w = writer.reset();
  if (value.id !== '') (w.varint(Tag.F1_LEN), w.string(value.id));
  if (value.operatorId !== '') (w.varint(Tag.F2_LEN), w.string(value.operatorId));
  if (value.ownerPublicKey.length !== 0) (w.varint(Tag.F3_LEN), w.bytes(value.ownerPublicKey));
  if (value.tier !== 0) (w.varint(Tag.F4_VARINT), w.uint32(value.tier));
  if (value.kind !== 0) (w.varint(Tag.F5_VARINT), w.int32(value.kind));
  if (value.bankAccountLinked) (w.varint(Tag.F6_VARINT), w.varint(1));
  if (value.identityEscrow.length !== 0) (w.varint(Tag.F7_LEN), w.bytes(value.identityEscrow));
  if (value.parentWalletId !== '') (w.varint(Tag.F8_LEN), w.string(value.parentWalletId));
  if (value.status !== 0) (w.varint(Tag.F9_VARINT), w.int32(value.status));
  if (value.frozen) (w.varint(Tag.F10_VARINT), w.varint(1));
  if (value.legalBasis !== '') (w.varint(Tag.F11_LEN), w.string(value.legalBasis));
  if (value.openedHeight !== 0n) (w.varint(Tag.F12_VARINT), w.uint64(value.openedHeight));
  if (value.closedHeight !== 0n) (w.varint(Tag.F13_VARINT), w.uint64(value.closedHeight));
  return w.finish();
}

function readWallet(r: ProtoReader): Wallet {
  let id = '';
  let operatorId = '';
  let ownerPublicKey: Uint8Array = EMPTY_BYTES;
  let tier = 0;
  let kind = 0;
  let bankAccountLinked = false;
  let identityEscrow: Uint8Array = EMPTY_BYTES;
  let parentWalletId = '';
  let status = 0;
  let frozen = false;
  let legalBasis = '';
  let openedHeight = 0n;
  let closedHeight = 0n;
  let last = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag <= last) throw NOT_FAST;
    last = tag;
    switch (tag) {
      case Tag.F1_LEN: id = r.string(); break;
      case Tag.F2_LEN: operatorId = r.string(); break;
      case Tag.F3_LEN: ownerPublicKey = r.bytes(); break;
      case Tag.F4_VARINT: tier = r.uint32(); break;
      case Tag.F5_VARINT: kind = r.enumValue(); break;
      case Tag.F6_VARINT: bankAccountLinked = r.bool(); break;
      case Tag.F7_LEN: identityEscrow = r.bytes(); break;
      case Tag.F8_LEN: parentWalletId = r.string(); break;
      case Tag.F9_VARINT: status = r.enumValue(); break;
      case Tag.F10_VARINT: frozen = r.bool(); break;
      case Tag.F11_LEN: legalBasis = r.string(); break;
      case Tag.F12_VARINT: openedHeight = r.uint64(); break;
      case Tag.F13_VARINT: closedHeight = r.uint64(); break;
      default: throw NOT_FAST;
    }
  }
  return {
    $typeName: 'tongbao.v1.Wallet',
    id,
    operatorId,
    ownerPublicKey,
    tier,
    kind,
    bankAccountLinked,
    identityEscrow,
    parentWalletId,
    status,
    frozen,
    legalBasis,
    openedHeight,
    closedHeight,
  };
}

export function decodeWalletRecord(bytes: Uint8Array, maxBytes: number): Wallet {
  return readFast(readWallet, bytes, maxBytes) ?? decodeCanonical(WalletSchema, bytes, maxBytes);
}

/** The strict readers alone, without the fallback: tests check that they take every canonical record. */
export const strictReaders = {
  Account: readAccount,
  Signer: readSigner,
  PaymentRecord: readPaymentRecord,
  Wallet: readWallet,
} as const;
