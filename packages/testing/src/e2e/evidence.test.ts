// End to end, misbehaviour becomes a record on chain. Validators 0, 1 and 2 run as
// separate processes; validator 3 is played by this test: it joins the validator network
// over mutual TLS with validator 3's own certificate and key (from its home folder), signs
// two different votes for one round and two different blocks for one round it leads, and
// sends both halves to every honest validator. Each honest node's consensus core detects
// the conflicts, its node signs SubmitEvidence with its validator key and admits it through
// its own mempool; the chain records each misbehaviour once. Checked from outside only:
// GET /v1/evidence on every honest node lists the same two records naming validator 3, with
// evidence whose signatures verify, submitted by an honest validator; and every honest
// node's log shows it reported each misbehaviour exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  consensusBlockHash,
  ConsensusBlockSchema,
  ConsensusMessageSchema,
  create,
  encode,
  EvidenceRecordSchema,
  fromJson,
  getSuite,
  PeerMessageSchema,
  proposalSigningBytes,
  ProposalSchema,
  QuorumCertSchema,
  verify,
  voteSigningBytes,
  VoteDataSchema,
  VoteSchema,
  type ConsensusMessage,
  type EvidenceRecord,
} from '@tongbao/protocol';
import { loadNodeHome, peerNetworkOptions } from '@tongbao/node';
import { PeerNetwork } from '@tongbao/network';
import { LocalNetwork } from './local-network.js';

const VALIDATORS = 4;
const BYZANTINE = 3;
const HONEST = [0, 1, 2];
/**
 * Rounds far ahead of the network's: a validator remembers votes and proposals of every
 * round not yet behind it, so the conflict is detected whatever round each honest node is
 * in when the messages arrive. The proposal round is one validator 3 leads (round mod 4).
 */
const VOTE_ROUND = 1_000_001n;
const PROPOSAL_ROUND = 1_000_003n;
const RECORDED_WITHIN_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Joins the validator network as validator `index`, with the identity in its home folder. */
async function joinAs(home: string): Promise<{ peers: PeerNetwork; sign: (message: Uint8Array) => Uint8Array; chainId: string; publicKey: Uint8Array }> {
  const nodeHome = loadNodeHome(home);
  const { genesis, validatorKeys } = nodeHome;
  const peers = await PeerNetwork.start(peerNetworkOptions(nodeHome, BYZANTINE));
  const suite = getSuite('ed25519');
  return { peers, sign: (message) => suite.sign(validatorKeys.secretKey, message), chainId: genesis.chainId, publicKey: validatorKeys.publicKey };
}

function frame(message: ConsensusMessage): Uint8Array {
  return encode(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'consensus', value: message } }));
}

interface EvidenceList {
  height: string;
  records: unknown[];
}

async function listEvidence(api: string): Promise<EvidenceRecord[]> {
  const response = await fetch(`${api}/v1/evidence`);
  assert.equal(response.status, 200);
  const body = (await response.json()) as EvidenceList;
  return body.records.map((json) => fromJson(EvidenceRecordSchema, json as never));
}

test('an equivocating validator\'s conflicting votes and proposals are recorded on chain, once each, on every honest node', { timeout: 180_000 }, async () => {
  const network = await LocalNetwork.create(VALIDATORS);
  let byzantine: Awaited<ReturnType<typeof joinAs>> | undefined;
  try {
    for (const i of HONEST) network.nodes[i]!.start();
    await Promise.all(HONEST.map((i) => network.nodes[i]!.waitUntilReady()));
    byzantine = await joinAs(network.init.nodeHomes[BYZANTINE]!);
    const links = byzantine.peers;
    const connectedBy = Date.now() + 30_000;
    while (links.stats().perPeer.filter((p) => p.connected).length < HONEST.length) {
      assert.ok(Date.now() < connectedBy, `validator 3 could not link with every honest validator: ${JSON.stringify(links.stats().perPeer)}`);
      await sleep(100);
    }
    // Three of four carry the chain on without validator 3.
    await network.waitForHeight(2n, 60_000);

    // Two votes of validator 3 for round VOTE_ROUND, for different blocks.
    const { chainId, sign } = byzantine;
    const votes = [0xa1, 0xb2].map((byte) => {
      const data = create(VoteDataSchema, {
        epoch: 0n,
        round: VOTE_ROUND,
        height: 5n,
        blockHash: new Uint8Array(32).fill(byte),
        parentRound: VOTE_ROUND - 1n,
        parentHash: new Uint8Array(32).fill(0x11),
      });
      return create(VoteSchema, { data, voter: BYZANTINE, signature: sign(voteSigningBytes(chainId, data)) });
    });
    // Two blocks proposed by validator 3 for round PROPOSAL_ROUND.
    const suite = getSuite('ed25519');
    const proposals = [1n, 2n].map((timestampMs) => {
      const block = create(ConsensusBlockSchema, {
        chainId,
        epoch: 0n,
        round: PROPOSAL_ROUND,
        height: 6n,
        parentHash: new Uint8Array(32).fill(0x22),
        parentQc: create(QuorumCertSchema, { data: create(VoteDataSchema, { round: PROPOSAL_ROUND - 1n, height: 5n, blockHash: new Uint8Array(32).fill(0x22), parentRound: 1n }) }),
        timestampMs,
        proposer: BYZANTINE,
      });
      return create(ProposalSchema, { block, signature: sign(proposalSigningBytes(chainId, consensusBlockHash(suite.hash, block))) });
    });
    for (const to of HONEST) {
      for (const vote of votes) assert.ok(links.send(to, frame(create(ConsensusMessageSchema, { kind: { case: 'vote', value: vote } }))));
      for (const proposal of proposals) assert.ok(links.send(to, frame(create(ConsensusMessageSchema, { kind: { case: 'proposal', value: proposal } }))));
    }

    // Every honest node ends up with both records.
    const deadline = Date.now() + RECORDED_WITHIN_MS;
    let lists: EvidenceRecord[][] = [];
    for (;;) {
      lists = await Promise.all(HONEST.map((i) => listEvidence(network.nodes[i]!.api)));
      if (lists.every((records) => records.length >= 2)) break;
      assert.ok(Date.now() < deadline, `not recorded within ${RECORDED_WITHIN_MS} ms: ${lists.map((l) => l.length).join(', ')} records`);
      await sleep(250);
    }
    const validatorKeys = loadNodeHome(network.init.nodeHomes[0]!).genesis.validators.map((v) => v.publicKey);
    const honestKeys = HONEST.map((i) => Buffer.from(validatorKeys[i]!).toString('hex'));
    for (const records of lists) {
      assert.equal(records.length, 2, 'each misbehaviour is recorded once although three validators reported it');
      // State-key order: one validator, epoch 0, then "conflicting-proposals" before "conflicting-votes".
      const [proposed, voted] = records;
      for (const record of [proposed!, voted!]) {
        assert.equal(record.validatorIndex, BYZANTINE);
        assert.deepEqual(record.validatorPublicKey, byzantine.publicKey);
        assert.equal(record.epoch, 0n);
        assert.ok(honestKeys.includes(Buffer.from(record.submitter).toString('hex')), 'an honest validator submitted it with its validator key');
        assert.ok(record.height >= 1n);
      }
      assert.equal(proposed!.round, PROPOSAL_ROUND);
      assert.equal(voted!.round, VOTE_ROUND);
      // The recorded evidence proves itself: both signatures verify with validator 3's key.
      const v = voted!.evidence!.kind;
      assert.ok(v.case === 'conflictingVotes');
      for (const vote of [v.value.first!, v.value.second!]) assert.ok(verify('ed25519', byzantine.publicKey, voteSigningBytes(chainId, vote.data!), vote.signature));
      const p = proposed!.evidence!.kind;
      assert.ok(p.case === 'conflictingProposals');
      for (const proposal of [p.value.first!, p.value.second!]) {
        assert.ok(verify('ed25519', byzantine.publicKey, proposalSigningBytes(chainId, consensusBlockHash(suite.hash, proposal.block!)), proposal.signature));
      }
    }
    // The same records on every node: one chain.
    const encoded = lists.map((records) => records.map((r) => Buffer.from(encode(EvidenceRecordSchema, r)).toString('hex')).join());
    assert.equal(new Set(encoded).size, 1);

    // Each honest node reported each misbehaviour once (the first copy recorded, the rest
    // refused as already recorded, whether by the mempool or in the block).
    for (const i of HONEST) {
      const reportedBy = Date.now() + 10_000;
      for (;;) {
        const reports = readFileSync(join(network.init.nodeHomes[i]!, 'node.log'), 'utf8')
          .split('\n')
          .filter((line) => /"msg":"misbehaviour (evidence submitted|already recorded|evidence refused)"/.test(line))
          .map((line) => (JSON.parse(line) as { misbehaviour: string; msg: string }));
        const keys = reports.map((r) => r.misbehaviour).sort();
        if (keys.length >= 2 || Date.now() > reportedBy) {
          assert.deepEqual(keys, [`proposals/3/0/${PROPOSAL_ROUND}`, `votes/3/0/${VOTE_ROUND}`], `node ${i}: ${JSON.stringify(reports)}`);
          assert.ok(reports.every((r) => r.msg !== 'misbehaviour evidence refused'), `node ${i}: only the stable rejection: ${JSON.stringify(reports)}`);
          break;
        }
        await sleep(200);
      }
    }
  } finally {
    await byzantine?.peers.close();
    await network.close();
  }
});
