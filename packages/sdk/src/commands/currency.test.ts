// Every command of the Command oneof (currency, and misbehaviour evidence) is built, signed by a local account and
// decoded again: the decoded body must carry exactly the command built (field by field),
// the sender and the nonce, and the node's own verifier (the main protocol entry, the
// consensus path) must accept the signature for both suites. Bad parameters are refused
// with InvalidParameterError before anything is signed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CommandSchema,
  ConflictingVotesSchema,
  create,
  EvidenceSchema,
  VoteDataSchema,
  VoteSchema,
  WalletKind,
  bytesToHex,
  decodeTransaction,
  equals,
  verifyTransaction,
  type Command,
} from '@tongbao/protocol';
import { createLocalAccount } from '../accounts/createLocalAccount.js';
import { generateKeyPair } from '../accounts/generateKeyPair.js';
import { InvalidParameterError } from '../errors.js';
import { yuan } from '../utils/yuan.js';
import * as currency from './currency.js';
import * as evidenceCommands from './evidence.js';

const commands = { ...currency, ...evidenceCommands };
const vote = (blockByte: number) =>
  create(VoteSchema, { data: create(VoteDataSchema, { round: 3n, blockHash: new Uint8Array(32).fill(blockByte) }), voter: 1, signature: new Uint8Array(64).fill(blockByte) });
const evidence = create(EvidenceSchema, { kind: { case: 'conflictingVotes', value: create(ConflictingVotesSchema, { first: vote(1), second: vote(2) }) } });

const owner = generateKeyPair('ed25519', new Uint8Array(32).fill(9)).publicKey;

/** One example of every command, with what its decoded fields must be. */
const CASES: ReadonlyArray<[Command, NonNullable<Command['kind']['case']>, Record<string, unknown>]> = [
  [commands.setQuotaCommand({ operatorId: 'icbc', quota: yuan('1000000') }), 'setQuota', { operatorId: 'icbc', quota: 100000000n }],
  [
    commands.requestIssuanceCommand({ requestId: 'r-1', amount: yuan('500'), reserveReference: 'RRR-77' }),
    'requestIssuance',
    { requestId: 'r-1', amount: 50000n, reserveReference: 'RRR-77' },
  ],
  [commands.approveIssuanceCommand({ operatorId: 'icbc', requestId: 'r-1' }), 'approveIssuance', { operatorId: 'icbc', requestId: 'r-1' }],
  [
    commands.rejectIssuanceCommand({ operatorId: 'icbc', requestId: 'r-2', reason: 'no reserve' }),
    'rejectIssuance',
    { operatorId: 'icbc', requestId: 'r-2', reason: 'no reserve' },
  ],
  [commands.redeemCommand({ amount: yuan('12.34'), reserveReference: 'RRR-78' }), 'redeem', { amount: 1234n, reserveReference: 'RRR-78' }],
  [
    commands.openWalletCommand({
      walletId: 'shop-1',
      ownerPublicKey: bytesToHex(owner),
      tier: 2,
      kind: 'merchant',
      bankAccountLinked: true,
      identityEscrow: Uint8Array.of(1, 2, 3),
      parentWalletId: 'shop',
    }),
    'openWallet',
    {
      walletId: 'shop-1',
      ownerPublicKey: owner,
      tier: 2,
      kind: WalletKind.MERCHANT,
      bankAccountLinked: true,
      identityEscrow: Uint8Array.of(1, 2, 3),
      parentWalletId: 'shop',
    },
  ],
  [commands.setWalletTierCommand({ walletId: 'alice', tier: 1 }), 'setWalletTier', { walletId: 'alice', tier: 1 }],
  [commands.setBankLinkCommand({ walletId: 'alice', linked: true }), 'setBankLink', { walletId: 'alice', linked: true }],
  [commands.closeWalletCommand({ walletId: 'alice' }), 'closeWallet', { walletId: 'alice' }],
  [commands.distributeCommand({ walletId: 'alice', amount: 200n }), 'distribute', { walletId: 'alice', amount: 200n }],
  [commands.collectCommand({ walletId: 'alice', amount: 1n }), 'collect', { walletId: 'alice', amount: 1n }],
  [
    commands.payCommand({ paymentId: 'p-1', fromWalletId: 'alice', toWalletId: 'bob', amount: yuan('12.50'), memo: 'cafe' }),
    'pay',
    { paymentId: 'p-1', fromWalletId: 'alice', toWalletId: 'bob', amount: 1250n, memo: Uint8Array.of(0xca, 0xfe) },
  ],
  [commands.freezeWalletCommand({ walletId: 'mule', legalBasis: 'order 1' }), 'freezeWallet', { walletId: 'mule', legalBasis: 'order 1' }],
  [commands.unfreezeWalletCommand({ walletId: 'mule', legalBasis: 'order 2' }), 'unfreezeWallet', { walletId: 'mule', legalBasis: 'order 2' }],
  [commands.submitEvidenceCommand({ evidence }), 'submitEvidence', { evidence }],
];

test('there is one builder per Command oneof case, and a case here for each', () => {
  const oneof = CommandSchema.oneofs[0]!.fields.map((f) => f.localName).sort();
  assert.deepEqual(CASES.map(([, kind]) => kind).sort(), oneof);
  const builders = Object.keys(commands).filter((name) => name.endsWith('Command')).sort();
  assert.deepEqual(builders, oneof.map((name) => `${name}Command`).sort());
});

for (const suite of ['ed25519', 'sm2'] as const) {
  test(`${suite}: every command decodes from its signed transaction as built, and the node verifier accepts it`, () => {
    const { secretKey, publicKey } = generateKeyPair(suite, new Uint8Array(32).fill(suite === 'sm2' ? 2 : 1));
    const account = createLocalAccount({ suite, secretKey });
    assert.deepEqual(account.publicKey, publicKey);
    let nonce = 0n;
    for (const [command, kind, fields] of CASES) {
      const signed = account.signTransaction({ chainId: 'tongbao-test', nonce, command });
      const tx = decodeTransaction(signed.bytes);
      assert.equal(tx.chainId, 'tongbao-test');
      assert.deepEqual(tx.body!.sender, publicKey);
      assert.equal(tx.body!.nonce, nonce);
      assert.ok(equals(CommandSchema, tx.body!.command!, command), kind);
      assert.equal(tx.body!.command!.kind.case, kind);
      const value = tx.body!.command!.kind.value as unknown as Record<string, unknown>;
      for (const [field, expected] of Object.entries(fields)) assert.deepEqual(value[field], expected, `${kind}.${field}`);
      const verified = verifyTransaction(suite, 'tongbao-test', signed.bytes);
      assert.equal(bytesToHex(verified.id), signed.id);
      assert.equal(signed.nonce, nonce);
      nonce++;
    }
  });
}

test('bad parameters are refused before signing', () => {
  const bad: Array<() => unknown> = [
    () => commands.payCommand({ paymentId: 'p 1', fromWalletId: 'a', toWalletId: 'b', amount: 1n }),
    () => commands.payCommand({ paymentId: 'p', fromWalletId: 'a', toWalletId: 'b', amount: 0n }),
    () => commands.payCommand({ paymentId: 'p', fromWalletId: 'a', toWalletId: 'b', amount: 1 as unknown as bigint }),
    () => commands.payCommand({ paymentId: 'p', fromWalletId: 'a', toWalletId: 'b', amount: 1n << 64n }),
    () => commands.payCommand({ paymentId: 'x'.repeat(65), fromWalletId: 'a', toWalletId: 'b', amount: 1n }),
    () => commands.setWalletTierCommand({ walletId: 'a', tier: 5 as 1 }),
    () => commands.openWalletCommand({ walletId: 'a', ownerPublicKey: 'zz', tier: 1 }),
    () => commands.openWalletCommand({ walletId: 'a', ownerPublicKey: new Uint8Array(0), tier: 1 }),
    () => commands.openWalletCommand({ walletId: 'a', ownerPublicKey: owner, tier: 1, kind: 'bank' as 'personal' }),
    () => commands.freezeWalletCommand({ walletId: 'a', legalBasis: '' }),
    () => commands.setBankLinkCommand({ walletId: 'a', linked: 'yes' as unknown as boolean }),
    () => commands.setQuotaCommand({ operatorId: 'a/b', quota: 1n }),
    () => commands.requestIssuanceCommand({ requestId: 'r', amount: 1n, reserveReference: 'x'.repeat(1025) }),
    () => commands.submitEvidenceCommand({ evidence: create(EvidenceSchema, {}) }),
    () => commands.submitEvidenceCommand({ evidence: { kind: { case: 'conflictingVotes' } } as never }),
    () => commands.submitEvidenceCommand({} as never),
  ];
  for (const [i, fn] of bad.entries()) assert.throws(fn, InvalidParameterError, `case ${i}`);
});
