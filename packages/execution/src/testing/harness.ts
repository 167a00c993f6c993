/**
 * Test support only (no library code imports it): an in-memory StateReader that
 * applies change sets, a deterministic demo genesis, and a chain driver that signs
 * no transactions — execution never verifies a transaction's signature (the mempool did),
 * so transactions are built directly as VerifiedTransaction values. (The signatures
 * inside misbehaviour evidence it does verify: evidence tests sign those for real.)
 */
import {
  SetQuotaSchema,
  type SetQuota,
  RequestIssuanceSchema,
  type RequestIssuance,
  ApproveIssuanceSchema,
  type ApproveIssuance,
  RejectIssuanceSchema,
  type RejectIssuance,
  RedeemSchema,
  type Redeem,
  OpenWalletSchema,
  type OpenWallet,
  SetWalletTierSchema,
  type SetWalletTier,
  SetBankLinkSchema,
  type SetBankLink,
  CloseWalletSchema,
  type CloseWallet,
  DistributeSchema,
  type Distribute,
  CollectSchema,
  type Collect,
  PaySchema,
  type Pay,
  FreezeWalletSchema,
  type FreezeWallet,
  UnfreezeWalletSchema,
  type UnfreezeWallet,
  SubmitEvidenceSchema,
  type SubmitEvidence,
  bytesToHex,
  CommandSchema,
  create,
  CryptoSuite,
  encode,
  GenesisSchema,
  getSuite,
  Role,
  TransactionSchema,
  u64ToBytes,
  utf8ToBytes,
  concatBytes,
  type Command,
  type Genesis,
  type Receipt,
  type StateChange,
  type StateReader,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import { createApplication } from '../application.js';
import { defaultCurrencyParams } from '../modules/currency/limits.js';
import type { Application, BlockContext, BlockResult } from '../types.js';

export const CHAIN_ID = 'tongbao-test';
/** 2026-01-01T00:00:00Z. */
export const GENESIS_TIME_MS = 1_767_225_600_000n;

const sha256 = getSuite('ed25519').hash;

/** A deterministic 32-byte "public key" for a name (ed25519-sized). */
export function testKey(name: string): Uint8Array {
  return sha256(utf8ToBytes(`test key/${name}`));
}

export const KEYS = {
  centralBank: testKey('pboc'),
  icbc: testKey('icbc'),
  boc: testKey('boc'),
  regulator: testKey('regulator'),
  enterprise: testKey('enterprise'),
} as const;

export function testGenesis(): Genesis {
  const org = (id: string, role: Role, key: Uint8Array) => ({ id, name: id, role, publicKeys: [key] });
  return create(GenesisSchema, {
    chainId: CHAIN_ID,
    cryptoSuite: CryptoSuite.ED25519,
    genesisTimeMs: GENESIS_TIME_MS,
    organizations: [
      org('pboc', Role.CENTRAL_BANK, KEYS.centralBank),
      org('icbc', Role.OPERATOR, KEYS.icbc),
      org('boc', Role.OPERATOR, KEYS.boc),
      org('regulator', Role.REGULATOR, KEYS.regulator),
      org('acme', Role.ENTERPRISE, KEYS.enterprise),
    ],
    validators: [{ organizationId: 'pboc', publicKey: KEYS.centralBank, power: 1n }],
    currency: defaultCurrencyParams(),
  });
}

/** A Map-backed StateReader; `apply` writes a change set as storage would. */
export class MemoryState implements StateReader {
  readonly entries = new Map<string, { key: Uint8Array; value: Uint8Array }>();

  get(key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(bytesToHex(key))?.value;
  }

  apply(changes: readonly StateChange[]): void {
    for (const change of changes) {
      const hex = bytesToHex(change.key);
      if (change.value === undefined) this.entries.delete(hex);
      else this.entries.set(hex, { key: change.key, value: change.value });
    }
  }

  /** Values of every key starting with `prefix`. */
  *scan(prefix: Uint8Array): Iterable<Uint8Array> {
    const hex = bytesToHex(prefix);
    for (const [key, entry] of this.entries) if (key.startsWith(hex)) yield entry.value;
  }
}

export type CommandInit = Command['kind'];


/** Command builders: `cmd.pay({ ... })` gives the Command oneof case for that message. */
export const cmd = {
  setQuota: (value: Partial<Omit<SetQuota, '$typeName'>>): CommandInit => ({ case: 'setQuota', value: create(SetQuotaSchema, value) }),
  requestIssuance: (value: Partial<Omit<RequestIssuance, '$typeName'>>): CommandInit => ({ case: 'requestIssuance', value: create(RequestIssuanceSchema, value) }),
  approveIssuance: (value: Partial<Omit<ApproveIssuance, '$typeName'>>): CommandInit => ({ case: 'approveIssuance', value: create(ApproveIssuanceSchema, value) }),
  rejectIssuance: (value: Partial<Omit<RejectIssuance, '$typeName'>>): CommandInit => ({ case: 'rejectIssuance', value: create(RejectIssuanceSchema, value) }),
  redeem: (value: Partial<Omit<Redeem, '$typeName'>>): CommandInit => ({ case: 'redeem', value: create(RedeemSchema, value) }),
  openWallet: (value: Partial<Omit<OpenWallet, '$typeName'>>): CommandInit => ({ case: 'openWallet', value: create(OpenWalletSchema, value) }),
  setWalletTier: (value: Partial<Omit<SetWalletTier, '$typeName'>>): CommandInit => ({ case: 'setWalletTier', value: create(SetWalletTierSchema, value) }),
  setBankLink: (value: Partial<Omit<SetBankLink, '$typeName'>>): CommandInit => ({ case: 'setBankLink', value: create(SetBankLinkSchema, value) }),
  closeWallet: (value: Partial<Omit<CloseWallet, '$typeName'>>): CommandInit => ({ case: 'closeWallet', value: create(CloseWalletSchema, value) }),
  distribute: (value: Partial<Omit<Distribute, '$typeName'>>): CommandInit => ({ case: 'distribute', value: create(DistributeSchema, value) }),
  collect: (value: Partial<Omit<Collect, '$typeName'>>): CommandInit => ({ case: 'collect', value: create(CollectSchema, value) }),
  pay: (value: Partial<Omit<Pay, '$typeName'>>): CommandInit => ({ case: 'pay', value: create(PaySchema, value) }),
  freezeWallet: (value: Partial<Omit<FreezeWallet, '$typeName'>>): CommandInit => ({ case: 'freezeWallet', value: create(FreezeWalletSchema, value) }),
  unfreezeWallet: (value: Partial<Omit<UnfreezeWallet, '$typeName'>>): CommandInit => ({ case: 'unfreezeWallet', value: create(UnfreezeWalletSchema, value) }),
  submitEvidence: (value: Partial<Omit<SubmitEvidence, '$typeName'>>): CommandInit => ({ case: 'submitEvidence', value: create(SubmitEvidenceSchema, value) }),
};

let transactionCounter = 0n;

/** A transaction as the mempool would hand it over (signature already checked). */
export function makeTransaction(sender: Uint8Array, nonce: bigint, kind: CommandInit): VerifiedTransaction {
  const command = create(CommandSchema, { kind } as never);
  const bytes = encode(TransactionSchema, create(TransactionSchema, { chainId: CHAIN_ID, body: { sender, nonce, command } }));
  // Ids only need to be distinct and reproducible: hash of the bytes plus a counter.
  transactionCounter++;
  return { id: sha256(concatBytes(bytes, u64ToBytes(transactionCounter))), bytes, sender, nonce, command };
}

/** Drives an application block by block over a MemoryState, tracking each sender's nonce. */
export class TestChain {
  readonly app: Application;
  readonly state = new MemoryState();
  height = 0n;
  timestampMs: bigint;
  private readonly nonces = new Map<string, bigint>();

  constructor(genesis: Genesis = testGenesis()) {
    this.app = createApplication({ chainId: genesis.chainId });
    this.state.apply(this.app.initChain(genesis));
    this.timestampMs = genesis.genesisTimeMs;
  }

  /** Builds a transaction with the sender's next locally tracked nonce (or `nonce`). */
  tx(sender: Uint8Array, kind: CommandInit, nonce?: bigint): VerifiedTransaction {
    const hex = bytesToHex(sender);
    const next = nonce ?? this.nonces.get(hex) ?? 0n;
    if (nonce === undefined) this.nonces.set(hex, next + 1n);
    return makeTransaction(sender, next, kind);
  }

  context(timestampMs?: bigint): BlockContext {
    return { height: this.height + 1n, timestampMs: timestampMs ?? this.timestampMs + 1000n, proposer: KEYS.centralBank };
  }

  /** Executes and commits one block. */
  block(txs: readonly VerifiedTransaction[], timestampMs?: bigint): BlockResult {
    const ctx = this.context(timestampMs);
    const result = this.app.finalizeBlock(ctx, txs, this.state);
    this.state.apply(result.changes);
    this.height = ctx.height;
    this.timestampMs = ctx.timestampMs;
    return result;
  }

  /** One command in its own block; returns its receipt. */
  run(sender: Uint8Array, kind: CommandInit, timestampMs?: bigint): Receipt {
    return this.block([this.tx(sender, kind)], timestampMs).receipts[0]!;
  }
}

export const yuan = (amount: bigint): bigint => amount * 100n;

export const OWNERS = {
  alice: testKey('alice'),
  bob: testKey('bob'),
  carol: testKey('carol'),
  merchant: testKey('merchant'),
  mallory: testKey('mallory'),
} as const;

export interface WalletSpec {
  readonly id: string;
  readonly operator: 'icbc' | 'boc';
  readonly owner: Uint8Array;
  readonly tier: number;
  readonly merchant?: boolean;
  readonly linked?: boolean;
  readonly parent?: string;
  readonly funds?: bigint;
}

/** Asserts a receipt succeeded, with its message if not. */
export function expectOk(receipt: Receipt): Receipt {
  if (receipt.code !== 0) throw new Error(`expected success, got ${receipt.error}: ${receipt.message}`);
  return receipt;
}

export function expectRejected(receipt: Receipt, error: string): Receipt {
  if (receipt.error !== error) throw new Error(`expected ${error}, got ${receipt.error || 'OK'}: ${receipt.message}`);
  return receipt;
}

/**
 * A chain with currency in circulation: each operator has a quota of 100,000,000 yuan
 * and 10,000,000 yuan in its vault, and the given wallets are opened and funded.
 */
export function fundedChain(wallets: readonly WalletSpec[] = DEFAULT_WALLETS, genesis: Genesis = testGenesis()): TestChain {
  const chain = new TestChain(genesis);
  for (const operator of ['icbc', 'boc'] as const) {
    expectOk(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: operator, quota: yuan(100_000_000n) })));
    expectOk(chain.run(KEYS[operator], cmd.requestIssuance({ requestId: 'r0', amount: yuan(10_000_000n), reserveReference: 'reserve-0' })));
    expectOk(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: operator, requestId: 'r0' })));
  }
  for (const wallet of wallets) openWallet(chain, wallet);
  return chain;
}

export function openWallet(chain: TestChain, wallet: WalletSpec): void {
  expectOk(
    chain.run(
      KEYS[wallet.operator],
      cmd.openWallet({
        walletId: wallet.id,
        ownerPublicKey: wallet.owner,
        tier: wallet.tier,
        kind: wallet.merchant === true ? 2 : 1,
        bankAccountLinked: wallet.linked ?? false,
        identityEscrow: new Uint8Array(16),
        parentWalletId: wallet.parent ?? '',
      }),
    ),
  );
  if (wallet.funds !== undefined && wallet.funds > 0n) {
    expectOk(chain.run(KEYS[wallet.operator], cmd.distribute({ walletId: wallet.id, amount: wallet.funds })));
  }
}

export const DEFAULT_WALLETS: readonly WalletSpec[] = [
  { id: 'alice', operator: 'icbc', owner: OWNERS.alice, tier: 4, funds: yuan(5_000n) },
  { id: 'bob', operator: 'icbc', owner: OWNERS.bob, tier: 3, funds: yuan(1_000n) },
  { id: 'carol', operator: 'boc', owner: OWNERS.carol, tier: 2, linked: true, funds: yuan(100_000n) },
  { id: 'shop', operator: 'boc', owner: OWNERS.merchant, tier: 1, merchant: true },
];
