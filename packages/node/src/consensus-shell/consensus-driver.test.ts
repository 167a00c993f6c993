// Checks how the consensus driver performs a step's effects: consecutive persists and
// commits reach the store as one write, that write lands before the next message leaves
// (a timer does not force it), committed blocks go to execution only after it, and a
// step that persists nothing writes nothing. The core and the store are fakes that log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Writable } from 'node:stream';
import { ConsensusBlockSchema, ConsensusMessageSchema, QuorumCertSchema, getSuite, SafetyStateSchema, type ConsensusMessage } from '@tongbao/protocol';
import type { CommittedBlock, Consensus, ConsensusEffect } from '@tongbao/consensus';
import { createLogger } from '../telemetry/logger.js';
import { ConsensusDriver } from './consensus-driver.js';
import type { ConsensusStore, PersistUpdate, StoredCommit } from './consensus-store.js';

const quiet = createLogger({ level: 'silent', moniker: 'test', destination: new Writable({ write: (_c, _e, done) => done() }) });

function committed(height: number): CommittedBlock {
  return { block: create(ConsensusBlockSchema, { height: BigInt(height), round: BigInt(height) }), hash: new Uint8Array(32), commitQc: create(QuorumCertSchema, {}) };
}

/** A distinct message object: the transport only logs which one left, by its place in the step. */
function message(): ConsensusMessage {
  return create(ConsensusMessageSchema, {});
}

async function run(effects: ConsensusEffect[]): Promise<string[]> {
  const log: string[] = [];
  const sent = new Map<ConsensusMessage, string>();
  const store = {
    async save(updates: readonly PersistUpdate[], commits: readonly StoredCommit[]) {
      log.push(`save ${updates.length} updates, commits ${commits.map((c) => c.block.height).join(',') || 'none'}`);
    },
  } as unknown as ConsensusStore;
  const core = { step: () => effects } as unknown as Consensus;
  for (const effect of effects) if (effect.kind === 'send') sent.set(effect.message, `send ${sent.size + 1}`);
  const driver = new ConsensusDriver({
    core,
    store,
    batches: { get: () => undefined, release: () => {} } as never,
    payload: { remove: () => {} } as never,
    transport: { send: (_to, m) => log.push(sent.get(m)!) },
    execute: async (commit) => void log.push(`execute ${commit.block.height}`),
    validatorCount: 4,
    selfIndex: 0,
    logger: quiet,
    hash: getSuite('ed25519').hash,
  });
  driver.start();
  await driver.stop();
  assert.equal(driver.error, undefined);
  return log;
}

const safety = create(SafetyStateSchema, {});

test("a step's persists and commits are one write, made before its first message leaves", async () => {
  const log = await run([
    { kind: 'persist', highQc: create(QuorumCertSchema, {}) },
    { kind: 'commit', blocks: [committed(5), committed(6)] },
    { kind: 'setTimer', timer: 'roundTimeout', round: 7n, delayMs: 60_000 },
    { kind: 'persist', safety },
    { kind: 'send', to: { kind: 'broadcast' }, message: message() },
    { kind: 'persist', safety, blocks: [committed(7).block] },
    { kind: 'send', to: { kind: 'broadcast' }, message: message() },
  ]);
  assert.deepEqual(
    log.filter((line) => !line.startsWith('execute')),
    ['save 2 updates, commits 5,6', 'send 1', 'save 1 updates, commits none', 'send 2'],
  );
  // Execution is queued behind the write (it runs alongside what follows) in height order.
  assert.deepEqual(
    log.filter((line) => line.startsWith('execute')),
    ['execute 5', 'execute 6'],
  );
  assert.ok(log.indexOf('execute 5') > log.indexOf('save 2 updates, commits 5,6'));
});

test('a step that persists nothing writes nothing; one that only persists writes once at its end', async () => {
  assert.deepEqual(await run([{ kind: 'send', to: { kind: 'broadcast' }, message: message() }]), ['send 1']);
  assert.deepEqual(await run([{ kind: 'persist', safety }, { kind: 'persist', highQc: create(QuorumCertSchema, {}) }]), ['save 2 updates, commits none']);
});
