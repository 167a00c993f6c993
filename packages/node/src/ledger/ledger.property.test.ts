// Property: random workloads of currency commands — valid and invalid, from the right
// and the wrong signers, in random block splits — executed by two ledgers, one on the
// in-memory store and one on LevelDB, give the same block hash and state root at every
// height; replaying the same blocks on a fresh ledger gives them again; and money is
// conserved after every block, checked over every account in storage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { bytesToHex, getSuite, utf8ToBytes, WalletKind, type Command } from '@tongbao/protocol';
import { LevelKeyValueStore, MemoryKeyValueStore } from '@tongbao/storage';
import { createDemoConsortium } from '../genesis/demo-consortium.js';
import { command, NonceSigner } from '../demo/signer.js';
import { Ledger } from './ledger.js';
import { auditConservation } from './audit-conservation.js';

const consortium = createDemoConsortium({ seed: 'ledger-property' });
const { suite, chainId } = consortium;
const WALLETS = ['w0', 'w1', 'w2', 'w3'] as const;

type Actor = 'pboc' | 'icbc' | 'boc' | 'regulator' | (typeof WALLETS)[number];

const walletArb = fc.constantFrom(...WALLETS);
const amountArb = fc.oneof(fc.bigInt({ min: 1n, max: 300_000n }), fc.bigInt({ min: 1n, max: 3_000_000_00n }));
const actorArb = fc.constantFrom<Actor>('pboc', 'icbc', 'boc', 'regulator', ...WALLETS);

// An action names its intended signer, which is sometimes replaced by a random one.
const actionArb: fc.Arbitrary<{ signer: Actor; command: Command }> = fc.oneof(
  fc.record({ from: walletArb, to: walletArb, amount: amountArb, id: fc.integer({ min: 0, max: 20 }) }).map((a) => ({
    signer: a.from as Actor,
    command: command('pay', { paymentId: `p${a.id}`, fromWalletId: a.from, toWalletId: a.to, amount: a.amount, memo: new Uint8Array() }),
  })),
  fc.record({ to: walletArb, amount: amountArb }).map((a) => ({
    signer: 'icbc' as Actor,
    command: command('distribute', { walletId: a.to, amount: a.amount }),
  })),
  fc.record({ from: walletArb, amount: amountArb }).map((a) => ({
    signer: a.from as Actor,
    command: command('collect', { walletId: a.from, amount: a.amount }),
  })),
  fc.record({ wallet: walletArb, tier: fc.integer({ min: 1, max: 4 }) }).map((a) => ({
    signer: 'icbc' as Actor,
    command: command('setWalletTier', { walletId: a.wallet, tier: a.tier }),
  })),
  fc.record({ wallet: walletArb, freeze: fc.boolean() }).map((a) => ({
    signer: 'regulator' as Actor,
    command: a.freeze
      ? command('freezeWallet', { walletId: a.wallet, legalBasis: 'order 1' })
      : command('unfreezeWallet', { walletId: a.wallet, legalBasis: 'order 1' }),
  })),
  fc.record({ amount: amountArb, id: fc.integer({ min: 0, max: 5 }) }).map((a) => ({
    signer: 'icbc' as Actor,
    command: command('requestIssuance', { requestId: `r${a.id}`, amount: a.amount * 10n, reserveReference: 'RSV' }),
  })),
  fc.integer({ min: 0, max: 5 }).map((id) => ({
    signer: 'pboc' as Actor,
    command: command('approveIssuance', { operatorId: 'icbc', requestId: `r${id}` }),
  })),
  amountArb.map((amount) => ({ signer: 'icbc' as Actor, command: command('redeem', { amount, reserveReference: 'RSV' }) })),
);

const workloadArb = fc.array(
  fc.record({
    actions: fc.array(fc.tuple(actionArb, fc.option(actorArb, { freq: 8 })), { maxLength: 12 }),
    advanceMs: fc.bigInt({ min: 0n, max: 12n * 3_600_000n }),
  }),
  { minLength: 1, maxLength: 8 },
);

type Workload = { actions: [{ signer: Actor; command: Command }, Actor | null][]; advanceMs: bigint }[];

/** Signs a workload into blocks of encoded transactions, after four setup blocks. */
function signWorkload(workload: Workload): { transactions: Uint8Array[]; advanceMs: bigint }[] {
  const crypto = getSuite(suite);
  const keyOf = (name: string) => crypto.generateKeyPair(crypto.hash(utf8ToBytes(`property owner/${name}`)));
  const signers: Record<Actor, NonceSigner> = {
    pboc: new NonceSigner(suite, chainId, consortium.centralBank.keys),
    icbc: new NonceSigner(suite, chainId, consortium.operators[0]!.keys),
    boc: new NonceSigner(suite, chainId, consortium.operators[1]!.keys),
    regulator: new NonceSigner(suite, chainId, consortium.regulator.keys),
    w0: new NonceSigner(suite, chainId, keyOf('w0')),
    w1: new NonceSigner(suite, chainId, keyOf('w1')),
    w2: new NonceSigner(suite, chainId, keyOf('w2')),
    w3: new NonceSigner(suite, chainId, keyOf('w3')),
  };
  const setup: Uint8Array[][] = [
    [signers.pboc.sign(command('setQuota', { operatorId: 'icbc', quota: 10_000_000_00n }))],
    [signers.icbc.sign(command('requestIssuance', { requestId: 'seed', amount: 1_000_000_00n, reserveReference: 'RSV' }))],
    [signers.pboc.sign(command('approveIssuance', { operatorId: 'icbc', requestId: 'seed' }))],
    WALLETS.map((id, i) =>
      signers.icbc.sign(
        command('openWallet', {
          walletId: id,
          ownerPublicKey: signers[id].keys.publicKey,
          tier: 2 + (i % 3),
          kind: WalletKind.PERSONAL,
          bankAccountLinked: i % 2 === 0,
          identityEscrow: new Uint8Array(),
          parentWalletId: '',
        }),
      ),
    ),
  ];
  const blocks = setup.map((transactions) => ({ transactions, advanceMs: 60_000n }));
  for (const block of workload) {
    blocks.push({
      transactions: block.actions.map(([action, override]) => signers[override ?? action.signer].sign(action.command)),
      advanceMs: block.advanceMs,
    });
  }
  return blocks;
}

async function run(ledger: Ledger, blocks: { transactions: Uint8Array[]; advanceMs: bigint }[]): Promise<string[]> {
  let time = consortium.genesis.genesisTimeMs;
  const trace: string[] = [];
  for (const block of blocks) {
    time += block.advanceMs;
    const produced = await ledger.produceBlock(block.transactions, { timestampMs: time, proposer: consortium.centralBank.keys.publicKey });
    trace.push(`${produced.header.height}:${bytesToHex(produced.hash)}:${bytesToHex(produced.header.stateRoot)}`);
    const audit = await auditConservation(ledger);
    assert.ok(audit.ok, `money conserved after block ${produced.header.height}: ${audit.ok ? '' : audit.violation.message}`);
  }
  return trace;
}

test('memory and LevelDB ledgers agree block by block, replays reproduce every root, money is conserved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-ledger-property-'));
  let runIndex = 0;
  try {
    await fc.assert(
      fc.asyncProperty(workloadArb, async (workload) => {
        const memory = await Ledger.open(new MemoryKeyValueStore(), consortium.genesis);
        const blocks = signWorkload(workload);
        const level = await LevelKeyValueStore.open(join(dir, `run-${runIndex++}`));
        try {
          const onLevel = await run(await Ledger.open(level, consortium.genesis), blocks);
          const onMemory = await run(memory, blocks);
          assert.deepEqual(onMemory, onLevel);
          const replay = await run(await Ledger.open(new MemoryKeyValueStore(), consortium.genesis), blocks);
          assert.deepEqual(replay, onMemory);
        } finally {
          await level.close();
        }
      }),
      { numRuns: 12 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
