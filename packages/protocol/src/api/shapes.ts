/**
 * The client API's request and response shapes, defined once: the API server validates
 * and documents with these JSON Schemas (OpenAPI), and the SDK's types are derived from
 * them, so server and SDK cannot drift apart.
 *
 * Conventions: ids, hashes and keys at the top level are lowercase hex; 64-bit integers
 * (heights, amounts in fen, nonces) are decimal strings, since JSON numbers lose
 * precision above 2^53; ledger records embedded in a response (headers, receipts,
 * wallets, accounts) are the canonical proto3 JSON of their protobuf message, so any
 * language's protobuf library reads them.
 */
import { Type, type Static, type TSchema } from 'typebox';

export const API_VERSION_PREFIX = '/v1';

/** Most transactions one batch request may carry. */
export const SUBMIT_BATCH_TRANSACTIONS_MAX = 10_000;
/** Longest a request may wait for its transactions to commit. */
export const SUBMIT_WAIT_MS_MAX = 60_000;

export const Hex = Type.String({ pattern: '^([0-9a-f]{2})*$', maxLength: 1024, description: 'lowercase hex' });
export const Hash = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32-byte hash, lowercase hex' });
export const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: 100_000, description: 'standard base64' });
export const U64 = Type.String({ pattern: '^(0|[1-9][0-9]{0,19})$', description: 'unsigned 64-bit integer, decimal' });
export const I64 = Type.String({ pattern: '^(0|-?[1-9][0-9]{0,18})$', description: 'signed 64-bit integer, decimal' });
export const Identifier = Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$', description: 'wallet, operator, request or payment id' });

/** The canonical proto3 JSON of a Tongbao protobuf message. */
export function ProtoJson(typeName: string): TSchema {
  return Type.Object({}, { additionalProperties: true, description: `proto3 JSON of ${typeName}` });
}
export type ProtoJsonValue = Record<string, unknown>;

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'stable error code, e.g. BAD_SIGNATURE' }),
    message: Type.String({ description: 'what went wrong and what to do about it' }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const WaitMode = Type.Union([Type.Literal('none'), Type.Literal('committed')], {
  description: "'none' answers once the mempool accepted; 'committed' once the block is committed",
});
export type WaitMode = Static<typeof WaitMode>;

export const ReceiptDetail = Type.Union([Type.Literal('full'), Type.Literal('brief')], {
  description: "with wait 'committed': 'full' (default) returns each receipt with its events; 'brief' returns its code, error and message only — cheaper for high-rate clients",
});
export type ReceiptDetail = Static<typeof ReceiptDetail>;

export const SubmitRequest = Type.Object(
  {
    transaction: Base64,
    wait: Type.Optional(WaitMode),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: SUBMIT_WAIT_MS_MAX })),
    receipts: Type.Optional(ReceiptDetail),
  },
  { additionalProperties: false },
);
export type SubmitRequest = Static<typeof SubmitRequest>;

export const SubmitBatchRequest = Type.Object(
  {
    transactions: Type.Array(Base64, { minItems: 1, maxItems: SUBMIT_BATCH_TRANSACTIONS_MAX }),
    wait: Type.Optional(WaitMode),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: SUBMIT_WAIT_MS_MAX })),
    receipts: Type.Optional(ReceiptDetail),
  },
  { additionalProperties: false },
);
export type SubmitBatchRequest = Static<typeof SubmitBatchRequest>;

export const SubmitStatus = Type.Union([Type.Literal('accepted'), Type.Literal('committed'), Type.Literal('rejected')]);
export type SubmitStatus = Static<typeof SubmitStatus>;

/** One transaction's fate. A committed transaction may still have failed: see receipt.code. */
export const SubmitResult = Type.Object({
  id: Type.Optional(Hash),
  status: SubmitStatus,
  height: Type.Optional(U64),
  receipt: Type.Optional(ProtoJson('tongbao.v1.Receipt')),
  error: Type.Optional(ErrorBody.properties.error),
});
export type SubmitResult = Static<typeof SubmitResult>;

export const SubmitBatchResponse = Type.Object({ results: Type.Array(SubmitResult) });
export type SubmitBatchResponse = Static<typeof SubmitBatchResponse>;

export const StatusResponse = Type.Object({
  chainId: Type.String(),
  cryptoSuite: Type.Union([Type.Literal('ed25519'), Type.Literal('sm2')]),
  height: U64,
  headHash: Hex,
  stateRoot: Hex,
  timestampMs: U64,
  nodeVersion: Type.String(),
  mempool: Type.Object({ transactions: Type.Integer(), bytes: Type.Integer() }),
});
export type StatusResponse = Static<typeof StatusResponse>;

export const GenesisResponse = Type.Object({ genesis: ProtoJson('tongbao.v1.Genesis'), hash: Hash });
export type GenesisResponse = Static<typeof GenesisResponse>;

export const TransactionResponse = Type.Object({
  id: Hash,
  status: Type.Union([Type.Literal('pending'), Type.Literal('committed')]),
  height: Type.Optional(U64),
  index: Type.Optional(Type.Integer()),
  transaction: Type.Optional(Base64),
  receipt: Type.Optional(ProtoJson('tongbao.v1.Receipt')),
});
export type TransactionResponse = Static<typeof TransactionResponse>;

export const BlockResponse = Type.Object({
  height: U64,
  hash: Hash,
  header: ProtoJson('tongbao.v1.BlockHeader'),
  transactionIds: Type.Array(Hash),
});
export type BlockResponse = Static<typeof BlockResponse>;

/** The header a proof was made against: verify the proof with header.stateRoot. */
export const ProvenAt = Type.Object({ height: U64, hash: Hash, header: ProtoJson('tongbao.v1.BlockHeader') });
export type ProvenAt = Static<typeof ProvenAt>;

export const StateProofBody = Type.Object(
  {
    key: Hex,
    value: Type.Union([Type.String({ pattern: '^([0-9a-f]{2})*$', maxLength: 2 * 65_536 }), Type.Null()]),
    siblings: Type.Array(Hex, { maxItems: 512 }),
    leaf: Type.Union([Type.Object({ keyHash: Hex, valueHash: Hex }), Type.Null()]),
  },
  { description: 'sparse Merkle proof of presence (value) or absence (value null); protocol stateProofFromJson + verifyStateProof' },
);

export const AccountResponse = Type.Object({
  accountId: Type.String(),
  account: Type.Union([ProtoJson('tongbao.v1.Account'), Type.Null()]),
  proof: StateProofBody,
  at: ProvenAt,
});
export type AccountResponse = Static<typeof AccountResponse>;

export const WalletResponse = Type.Object({
  walletId: Identifier,
  wallet: Type.Union([ProtoJson('tongbao.v1.Wallet'), Type.Null()]),
  balance: I64,
  proofs: Type.Object({ wallet: StateProofBody, account: StateProofBody }),
  at: ProvenAt,
});
export type WalletResponse = Static<typeof WalletResponse>;

export const SupplyResponse = Type.Object({
  height: U64,
  supply: U64,
  operators: Type.Array(Type.Object({ operatorId: Identifier, quota: U64, outstanding: U64, vault: I64 })),
});
export type SupplyResponse = Static<typeof SupplyResponse>;

export const SignerResponse = Type.Object({
  publicKey: Hex,
  /** Absent for a key the chain does not know. */
  nextNonce: Type.Optional(U64),
  /** The nonce after every transaction of this key waiting in the mempool. */
  pendingNonce: Type.Optional(U64),
});
export type SignerResponse = Static<typeof SignerResponse>;

/** Most evidence records one page of GET /v1/evidence holds. */
export const EVIDENCE_PAGE_RECORDS_MAX = 100;

/**
 * Recorded misbehaviour, in state-key order: by validator key, then epoch, kind and round.
 * Each record is the proto3 JSON of tongbao.v1.EvidenceRecord, evidence included, so
 * anyone can check both signatures again.
 */
export const EvidenceListResponse = Type.Object({
  /** The committed height when the listing began. */
  height: U64,
  records: Type.Array(ProtoJson('tongbao.v1.EvidenceRecord'), { maxItems: EVIDENCE_PAGE_RECORDS_MAX }),
  /** Present when more records follow: pass it as `after` for the next page. */
  next: Type.Optional(Hex),
});
export type EvidenceListResponse = Static<typeof EvidenceListResponse>;

/** What a WebSocket client subscribes to, sent as one JSON message per subscription. */
export const SubscribeMessage = Type.Union([
  Type.Object({ subscribe: Type.Literal('blocks') }, { additionalProperties: false }),
  Type.Object({ subscribe: Type.Literal('wallet'), walletId: Identifier }, { additionalProperties: false }),
  Type.Object({ subscribe: Type.Literal('receipt'), id: Hash }, { additionalProperties: false }),
]);
export type SubscribeMessage = Static<typeof SubscribeMessage>;

export const BlockEvent = Type.Object({
  type: Type.Literal('block'),
  height: U64,
  hash: Hash,
  timestampMs: U64,
  transactionCount: Type.Integer(),
});
export const ReceiptEvent = Type.Object({
  type: Type.Literal('receipt'),
  id: Hash,
  height: U64,
  receipt: ProtoJson('tongbao.v1.Receipt'),
});
/** A committed transaction that moved money into or out of a subscribed wallet. */
export const WalletEvent = Type.Object({
  type: Type.Literal('wallet'),
  walletId: Identifier,
  id: Hash,
  height: U64,
  receipt: ProtoJson('tongbao.v1.Receipt'),
});
/**
 * To a receipt subscription: consensus ordered the transaction into block `height` but
 * execution left it out — it could not consume its sender's nonce — so it has no receipt
 * and changed nothing; one sent early may be sent again.
 */
export const DiscardedEvent = Type.Object({
  type: Type.Literal('discarded'),
  id: Hash,
  height: U64,
  /** Why (NONCE_MISMATCH, UNKNOWN_SENDER), and what to do; not `error`, which marks the node's error messages. */
  code: Type.String(),
  message: Type.String(),
});
export const SubscriptionEvent = Type.Union([BlockEvent, ReceiptEvent, WalletEvent, DiscardedEvent]);
export type SubscriptionEvent = Static<typeof SubscriptionEvent>;
export type DiscardedEvent = Static<typeof DiscardedEvent>;
export type BlockEvent = Static<typeof BlockEvent>;
export type ReceiptEvent = Static<typeof ReceiptEvent>;
export type WalletEvent = Static<typeof WalletEvent>;

/** Ends a subscription made with the matching SubscribeMessage (same topic fields). */
export const UnsubscribeMessage = Type.Union([
  Type.Object({ unsubscribe: Type.Literal('blocks') }, { additionalProperties: false }),
  Type.Object({ unsubscribe: Type.Literal('wallet'), walletId: Identifier }, { additionalProperties: false }),
  Type.Object({ unsubscribe: Type.Literal('receipt'), id: Hash }, { additionalProperties: false }),
]);
export type UnsubscribeMessage = Static<typeof UnsubscribeMessage>;

/** Any message a WebSocket client may send. */
export const ClientMessage = Type.Union([...SubscribeMessage.anyOf, ...UnsubscribeMessage.anyOf]);
export type ClientMessage = Static<typeof ClientMessage>;

/**
 * The server's answer to each client message: the message echoed under `subscribed` /
 * `unsubscribed` once it took effect, or an ErrorBody (the connection stays open).
 */
export const SubscriptionAck = Type.Union([
  Type.Object({
    subscribed: Type.Union([Type.Literal('blocks'), Type.Literal('wallet'), Type.Literal('receipt')]),
    walletId: Type.Optional(Identifier),
    id: Type.Optional(Hash),
  }),
  Type.Object({
    unsubscribed: Type.Union([Type.Literal('blocks'), Type.Literal('wallet'), Type.Literal('receipt')]),
    walletId: Type.Optional(Identifier),
    id: Type.Optional(Hash),
  }),
]);
export type SubscriptionAck = Static<typeof SubscriptionAck>;

/** Path parameter of GET /v1/accounts/{accountId}: "issuance", "vault:<operator>", "wallet:<wallet>". */
export const AccountId = Type.String({ pattern: '^[A-Za-z0-9._@:-]{1,130}$', description: 'account id, e.g. issuance, vault:<operatorId>, wallet:<walletId>' });
export type StateProofBody = Static<typeof StateProofBody>;
