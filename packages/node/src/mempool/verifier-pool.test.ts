// Checks the verifier pool against the protocol's one-by-one verification: for a mix of
// payments, another command, a bad signature, a foreign chain and garbage, split into
// chunks over two worker threads, every answer is verifyTransaction's — the same id,
// sender, nonce and command (decoded on the main thread when first read) for a valid
// transaction, the same stable code for an invalid one — in the order submitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getSuite, signTransaction, TongbaoError, utf8ToBytes, verifyTransaction, type Command } from '@tongbao/protocol';
import { command } from '../demo/signer.js';
import { VerifierPool } from './verifier-pool.js';

const CHAIN_ID = 'verifier-pool-test';
const suite = getSuite('ed25519');

function signed(seed: string, nonce: bigint, cmd: Command, chainId = CHAIN_ID): Uint8Array {
  const keys = suite.generateKeyPair(suite.hash(utf8ToBytes(seed)));
  return signTransaction('ed25519', chainId, keys.secretKey, { sender: keys.publicKey, nonce, command: cmd });
}

test('the pool answers what verifyTransaction answers, in order, commands decoded on demand', async () => {
  const transactions: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    transactions.push(signed(`payer ${i % 7}`, BigInt(i), command('pay', { paymentId: `p${i}`, fromWalletId: `w${i}`, toWalletId: 'shop', amount: BigInt(i + 1), memo: new Uint8Array(i % 3) })));
  }
  transactions.push(signed('pboc', 3n, command('setQuota', { operatorId: 'icbc', quota: 5n })));
  const tampered = signed('payer 1', 99n, command('pay', { paymentId: 'x', fromWalletId: 'a', toWalletId: 'b', amount: 1n, memo: new Uint8Array() }));
  tampered[tampered.length - 1]! ^= 1;
  transactions.splice(5, 0, tampered);
  transactions.splice(17, 0, signed('payer 2', 1n, command('setQuota', { operatorId: 'icbc', quota: 1n }), 'another-chain'));
  transactions.splice(30, 0, Uint8Array.of(1, 2, 3));

  const pool = new VerifierPool({ suite: 'ed25519', chainId: CHAIN_ID, workers: 2, transactionBytesMax: 64 * 1024, chunkTransactionsMax: 8 });
  try {
    const results = await pool.verify(transactions);
    assert.equal(results.length, transactions.length);
    const codes: string[] = [];
    results.forEach((result, i) => {
      let expected;
      try {
        expected = verifyTransaction('ed25519', CHAIN_ID, transactions[i]!);
      } catch (error) {
        assert.ok(error instanceof TongbaoError);
        assert.equal(result.ok, false, `transaction ${i} is invalid`);
        if (!result.ok) codes.push(`${i} ${result.code}`);
        assert.equal(!result.ok && result.code, error.code);
        return;
      }
      assert.ok(result.ok, `transaction ${i} is valid`);
      const tx = result.transaction;
      assert.deepEqual([tx.id, tx.sender, tx.nonce, tx.bytes], [expected.id, expected.sender, expected.nonce, expected.bytes]);
      assert.deepEqual(tx.command, expected.command);
      assert.equal(tx.command, tx.command, 'decoded once, then kept');
    });
    assert.deepEqual(codes, ['5 BAD_SIGNATURE', '17 WRONG_CHAIN', '30 MALFORMED_ENCODING']);
  } finally {
    await pool.close();
  }
});
