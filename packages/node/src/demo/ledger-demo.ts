/**
 * The ledger-core demo (`npm start` until the node exists): a consortium is created,
 * currency is issued through both tiers, wallets of several tiers are opened, payments
 * are made within and beyond the limits, and the supply and the conservation of money
 * are checked — every step a committed block on an embedded LevelDB store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, utf8ToBytes, verifyStateProof, WalletKind, type Receipt } from '@tongbao/protocol';
import { openLevelChainDatabases } from '@tongbao/storage';
import {
  formatYuan,
  getMoneySupply,
  getOperatorQuota,
  getWallet,
  walletAccountKey,
} from '@tongbao/execution';
import { createDemoConsortium } from '../genesis/demo-consortium.js';
import { Ledger } from '../ledger/ledger.js';
import { auditConservation } from '../ledger/audit-conservation.js';
import { command, NonceSigner } from './signer.js';

const yuan = (amount: number): bigint => BigInt(Math.round(amount * 100));
const HOUR_MS = 3_600_000n;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tongbao-demo-'));
  const consortium = createDemoConsortium({ seed: 'demo' });
  const { suite, chainId, centralBank } = consortium;
  const [icbc, boc] = consortium.operators as [typeof consortium.operators[0], typeof consortium.operators[0]];
  const databases = await openLevelChainDatabases(join(dataDir, 'ledger'));
  const ledger = await Ledger.open(databases, consortium.genesis);
  let time = consortium.genesis.genesisTimeMs + 9n * HOUR_MS; // 17:00 Beijing time

  const signer = (keys: typeof icbc.keys): NonceSigner => new NonceSigner(suite, chainId, keys);
  const pboc = signer(centralBank.keys);
  const icbcOps = signer(icbc.keys);
  const bocOps = signer(boc.keys);
  const customers = {
    alice: signer(ledger.suite.generateKeyPair(ledger.suite.hash(utf8ToBytes('demo/alice')))),
    bob: signer(ledger.suite.generateKeyPair(ledger.suite.hash(utf8ToBytes('demo/bob')))),
    carol: signer(ledger.suite.generateKeyPair(ledger.suite.hash(utf8ToBytes('demo/carol')))),
    teaHouse: signer(ledger.suite.generateKeyPair(ledger.suite.hash(utf8ToBytes('demo/tea-house')))),
  };

  console.log(`Tongbao ledger-core demo — chain "${chainId}", crypto suite ${suite}, LevelDB at ${dataDir}\n`);

  async function step(title: string, transactions: Uint8Array[]): Promise<void> {
    time += 60_000n;
    const block = await ledger.produceBlock(transactions, { timestampMs: time, proposer: centralBank.keys.publicKey });
    console.log(`block ${block.header.height}  ${title}`);
    block.receipts.forEach((receipt) => console.log(`          ${outcome(receipt)}`));
    block.rejected.forEach((r) => console.log(`          rejected before execution: ${r.code}: ${r.message}`));
  }

  await step('the central bank sets operator quotas', [
    pboc.sign(command('setQuota', { operatorId: 'icbc', quota: yuan(10_000_000) })),
    pboc.sign(command('setQuota', { operatorId: 'boc', quota: yuan(5_000_000) })),
  ]);
  await step('operators request issuance against their reserves', [
    icbcOps.sign(command('requestIssuance', { requestId: 'icbc-0001', amount: yuan(1_000_000), reserveReference: 'RSV-ICBC-2026-0001' })),
    bocOps.sign(command('requestIssuance', { requestId: 'boc-0001', amount: yuan(6_000_000), reserveReference: 'RSV-BOC-2026-0001' })),
  ]);
  await step('the central bank approves (boc asked beyond its quota)', [
    pboc.sign(command('approveIssuance', { operatorId: 'icbc', requestId: 'icbc-0001' })),
    pboc.sign(command('approveIssuance', { operatorId: 'boc', requestId: 'boc-0001' })),
  ]);
  const open = (walletId: string, owner: NonceSigner, tier: number, kind: WalletKind, linked: boolean): Uint8Array =>
    icbcOps.sign(
      command('openWallet', {
        walletId,
        ownerPublicKey: owner.keys.publicKey,
        tier,
        kind,
        bankAccountLinked: linked,
        identityEscrow: new Uint8Array(0),
        parentWalletId: '',
      }),
    );
  await step('icbc opens wallets: alice tier 2 (linked), bob tier 4 (anonymous), carol tier 3 (linked), a merchant', [
    open('alice', customers.alice, 2, WalletKind.PERSONAL, true),
    open('bob', customers.bob, 4, WalletKind.PERSONAL, false),
    open('carol', customers.carol, 3, WalletKind.PERSONAL, true),
    open('tea-house', customers.teaHouse, 2, WalletKind.MERCHANT, true),
  ]);
  await step('icbc distributes currency to its customers (deposits exchanged off-chain)', [
    icbcOps.sign(command('distribute', { walletId: 'alice', amount: yuan(30_000) })),
    icbcOps.sign(command('distribute', { walletId: 'bob', amount: yuan(5_000) })),
    icbcOps.sign(command('distribute', { walletId: 'carol', amount: yuan(19_000) })),
  ]);
  const pay = (from: NonceSigner, fromId: string, to: string, amount: bigint, paymentId: string): Uint8Array =>
    from.sign(command('pay', { paymentId, fromWalletId: fromId, toWalletId: to, amount, memo: new Uint8Array(0) }));
  await step('payments within the limits', [
    pay(customers.alice, 'alice', 'tea-house', yuan(128.5), 'alice-0001'),
    pay(customers.bob, 'bob', 'tea-house', yuan(1_500), 'bob-0001'),
  ]);
  await step('payments beyond the limits', [
    pay(customers.bob, 'bob', 'tea-house', yuan(3_000), 'bob-0002'),
    pay(customers.alice, 'alice', 'bob', yuan(9_000), 'alice-0002'),
  ]);
  await step('a retry of an already settled payment id', [pay(customers.alice, 'alice', 'tea-house', yuan(128.5), 'alice-0001')]);
  await step("a payment over carol's tier-3 balance cap: the excess is swept to her bank account", [
    pay(customers.alice, 'alice', 'carol', yuan(2_000), 'alice-0003'),
  ]);
  await step('icbc redeems currency back to the central bank', [
    icbcOps.sign(command('redeem', { amount: yuan(100_000), reserveReference: 'RSV-ICBC-2026-0001' })),
  ]);

  const state = ledger.state;
  console.log('\nwallets');
  for (const id of ['alice', 'bob', 'carol', 'tea-house']) {
    const view = getWallet(state, id)!;
    console.log(`  ${id.padEnd(10)} tier ${view.wallet.tier}  ${formatYuan(view.balance).padStart(12)} yuan`);
  }
  const quota = getOperatorQuota(state, 'icbc')!;
  console.log(`\nicbc: quota ${formatYuan(quota.quota)}, outstanding ${formatYuan(quota.outstanding)} yuan`);
  console.log(`money supply: ${formatYuan(getMoneySupply(state))} yuan`);

  const audit = await auditConservation(ledger);
  const f = audit.figures;
  console.log(
    `conservation: ${audit.ok ? 'holds' : `VIOLATED (${audit.violation.code}: ${audit.violation.message})`} — ` +
      `${f.accounts} accounts sum to ${f.sum} fen; supply ${formatYuan(f.supply)} = vaults ${formatYuan(f.vaults)} + wallets ${formatYuan(f.wallets)} + held ${formatYuan(f.held)}`,
  );

  const head = ledger.store.head()!;
  const proof = ledger.store.proveState(walletAccountKey('alice'));
  const verified = verifyStateProof(ledger.suite.hash, head.header.stateRoot, proof);
  console.log(
    `\nalice's balance proven against block ${head.height} (state root ${bytesToHex(head.header.stateRoot).slice(0, 16)}…): ` +
      `Merkle proof of ${proof.siblings.length} siblings ${verified ? 'verifies' : 'FAILS'}`,
  );

  await databases.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (!audit.ok || !verified) process.exitCode = 1;
}

function outcome(receipt: Receipt): string {
  if (receipt.code === 0) {
    const moved = receipt.events.flatMap((e) => (e.kind.case === 'transfer' ? [e.kind.value] : []));
    const detail = moved.map((t) => `${t.fromAccount} → ${t.toAccount} ${formatYuan(t.amount)}`).join('; ');
    return `OK${detail ? `  (${detail})` : ''}`;
  }
  return `${receipt.error}: ${receipt.message}`;
}

await main();
