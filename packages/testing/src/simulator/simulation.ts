/**
 * A deterministic simulation of a whole validator network in one process: the consensus
 * cores of packages/consensus behind simulated shells, a simulated clock and network
 * (drop, delay, duplicate, reorder, partition, heal), crashes that cut an effect list at
 * an arbitrary point and restarts from what was persisted, and Byzantine validators
 * (equivocating leader, double votes, invalid signatures, withheld votes, forged or
 * under-signed certificates, twins sharing one key). Every run is a function of its
 * options, seed included; a failed check throws a SimulationFailure naming the seed.
 */
import {
  bytesToHex,
  clone,
  create,
  decodeCanonical,
  encode,
  equalBytes,
  ConsensusBlockSchema,
  ConsensusMessageSchema,
  ProposalSchema,
  QuorumCertSchema,
  TimeoutDataSchema,
  TimeoutSchema,
  VoteSchema,
  type BatchRef,
  type ConsensusBlock,
  type ConsensusMessage,
  type QuorumCert,
  type SafetyState,
  type TimeoutCert,
} from '@tongbao/protocol';
import {
  buildSyncResponse,
  consensusBlockHash,
  createConsensus,
  faultTolerance,
  initialSafetyState,
  leaderOf,
  proposalSigningBytes,
  timeoutSigningBytes,
  voteSigningBytes,
  DEFAULT_LIMITS,
  type CommittedBlock,
  type Consensus,
  type ConsensusConfig,
  type ConsensusEffect,
  type ConsensusEvent,
  type PayloadRequest,
} from '@tongbao/consensus';
import { Prng } from './prng.js';
import { SimSignatures, sha256, type SimKey } from './sim-crypto.js';

export type ByzantineBehaviour =
  | 'equivocate'
  | 'doubleVote'
  | 'badSignatures'
  | 'withholdVotes'
  | 'forgeCertificates'
  | 'twin';

export const BYZANTINE_BEHAVIOURS: readonly ByzantineBehaviour[] = ['equivocate', 'doubleVote', 'badSignatures', 'withholdVotes', 'forgeCertificates', 'twin'];

export interface SimulationOptions {
  readonly seed: number;
  readonly validators: number;
  /** Byzantine validators by index (at most f). */
  readonly byzantine: ReadonlyMap<number, ByzantineBehaviour>;
  /** Length of the faulty period; then the network heals and crashed nodes restart. */
  readonly chaosMs: number;
  /** After healing, every honest node must commit above the highest height at healing within this. */
  readonly progressBoundMs: number;
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  /** Mean interval between partition changes during chaos; 0 for none. */
  readonly partitionEveryMs: number;
  /** Mean interval between honest crashes during chaos; 0 for none. */
  readonly crashEveryMs: number;
  /** Mean interval between new client batches. */
  readonly batchEveryMs: number;
  /** Encode and canonically decode every message in flight (slower, checks the wire format). */
  readonly wireEncoding: boolean;
  /** The leaders' least time between blocks with payload (consensus blockIntervalMinMs); 0 for none. */
  readonly blockIntervalMinMs: number;
  /** The interval applies only while transactions arrive at least this fast, per second (consensus blockIntervalTransactionRateMin); 0: always. */
  readonly blockIntervalTransactionRateMin: number;
  /** Blocks in one sync response (consensus syncBlocksMax); default 20. */
  readonly syncBlocksMax?: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly committedHeights: readonly number[];
  readonly messagesDelivered: number;
  readonly evidenceCount: number;
  readonly crashes: number;
  readonly committedBatches: number;
  readonly healedAtMs: number;
  readonly progressAtMs: number;
  /** The most blocks a restarted validator lacked at its restart (the highest honest committed height above its own). */
  readonly restartGapMax: number;
}

export class SimulationFailure extends Error {
  readonly seed: number;
  readonly check: string;
  constructor(seed: number, check: string, detail: string) {
    super(`simulation seed ${seed} failed check "${check}": ${detail}`);
    this.name = 'SimulationFailure';
    this.seed = seed;
    this.check = check;
  }
}

const CHAIN_ID = 'tongbao-sim';
const GENESIS_TIME_MS = 1_700_000_000_000;
const TIMING = { roundTimeoutBaseMs: 300, roundTimeoutMaxMs: 2_400, emptyBlockIntervalMs: 100, proposalTimestampDriftMaxMs: 1_000 };
const LIMITS = { ...DEFAULT_LIMITS, payloadBatchCountMax: 8, syncBlocksMax: 20, blockTreeBlocksMax: 400 };
/**
 * Events processed in one run before it is declared stuck (a bug in the harness or the
 * core). Runs of 10 validators deliver at most about 12,600 messages (seeds 1–300); a
 * message storm that barely moves the simulated clock must fail in seconds, not hours.
 */
const EVENTS_MAX = 250_000;

interface Disk {
  safety: SafetyState | undefined;
  blocks: Map<string, ConsensusBlock>;
  highQc: QuorumCert | undefined;
  highTc: TimeoutCert | undefined;
  committed: CommittedBlock[];
}

interface SimNode {
  readonly id: number; // position in the node list (twins share an index)
  readonly index: number; // validator index
  readonly behaviour: ByzantineBehaviour | undefined;
  readonly key: SimKey;
  readonly disk: Disk;
  core: Consensus | undefined; // undefined while crashed
  incarnation: number;
  crashArmed: boolean;
  readonly timers: Map<string, number>;
  readonly knownBatches: BatchRef[];
  readonly available: Set<string>;
  readonly committedBatches: Set<string>;
}

type QueueItem =
  | { kind: 'deliver'; to: number; from: number; message: ConsensusMessage | Uint8Array }
  | { kind: 'timer'; node: number; incarnation: number; token: number; event: ConsensusEvent & { kind: 'timer' } }
  | { kind: 'batch'; node: number; ref: BatchRef }
  | { kind: 'restart'; node: number }
  | { kind: 'control'; action: () => void };

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly item: QueueItem;
}

/** A binary heap ordered by (time, insertion sequence): ties resolve in scheduling order. */
class EventQueue {
  readonly #heap: Scheduled[] = [];
  #seq = 0;
  get size(): number {
    return this.#heap.length;
  }
  push(at: number, item: QueueItem): void {
    const heap = this.#heap;
    heap.push({ at, seq: this.#seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  }
  pop(): Scheduled | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Random options for one seed: validator count in [validatorsMin, validatorsMax], faults drawn from the seed. */
export function randomOptions(seed: number, validatorsMin = 4, validatorsMax = 10, overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  const prng = new Prng(seed ^ 0x51ed270b);
  const n = prng.int(validatorsMin, validatorsMax);
  const f = faultTolerance(n);
  const byzantine = new Map<number, ByzantineBehaviour>();
  const count = prng.int(0, f);
  for (const index of prng.shuffle([...Array(n).keys()]).slice(0, count)) byzantine.set(index, prng.pick(BYZANTINE_BEHAVIOURS));
  return {
    seed,
    validators: n,
    byzantine,
    chaosMs: prng.int(500, 3_000),
    progressBoundMs: 30_000,
    dropRate: prng.pick([0, 0, 0.05, 0.2]),
    duplicateRate: prng.pick([0, 0.05]),
    delayMinMs: 1,
    delayMaxMs: prng.pick([5, 20, 60]),
    partitionEveryMs: prng.pick([0, 0, 700]),
    crashEveryMs: prng.pick([0, 0, 800]),
    batchEveryMs: prng.pick([30, 100]),
    wireEncoding: prng.chance(0.1),
    // Drawn last, so the draws above (and the runs of seeds pinned in tests) stay as they were.
    blockIntervalMinMs: prng.pick([0, 0, 40]),
    blockIntervalTransactionRateMin: prng.pick([0, 2_000]),
    ...overrides,
  };
}

export class Simulation {
  readonly options: SimulationOptions;
  readonly #prng: Prng;
  readonly #sigs = new SimSignatures();
  readonly #queue = new EventQueue();
  readonly #nodes: SimNode[] = [];
  readonly #config: Omit<ConsensusConfig, 'selfIndex'>;
  #now = GENESIS_TIME_MS + 1_000;
  #partition: number[] | undefined; // group id per validator index
  #chaos = true;
  #batchSeq = 0;
  readonly #allBatches = new Map<string, BatchRef>();
  /** height → hash committed by some honest node: the safety oracle. */
  readonly #committedAt = new Map<bigint, string>();
  #delivered = 0;
  #evidence = 0;
  #crashes = 0;
  #restartGapMax = 0;
  #events = 0;

  constructor(options: SimulationOptions) {
    this.options = options;
    this.#prng = new Prng(options.seed);
    const n = options.validators;
    const keys = [...Array(n).keys()].map((i) => this.#sigs.key(i));
    this.#config = {
      chainId: CHAIN_ID,
      epoch: 0n,
      validators: keys.map((k) => k.publicKey),
      genesis: { hash: sha256(new TextEncoder().encode(`genesis/${options.seed}`)), timestampMs: BigInt(GENESIS_TIME_MS) },
      timing: { ...TIMING, blockIntervalMinMs: options.blockIntervalMinMs, blockIntervalTransactionRateMin: options.blockIntervalTransactionRateMin },
      limits: { ...LIMITS, syncBlocksMax: options.syncBlocksMax ?? LIMITS.syncBlocksMax },
    };
    if ([...options.byzantine.keys()].length > faultTolerance(n)) throw new RangeError('more Byzantine validators than f');
    for (let index = 0; index < n; index++) {
      const behaviour = options.byzantine.get(index);
      this.#addNode(index, behaviour, keys[index]!);
      if (behaviour === 'twin') this.#addNode(index, behaviour, keys[index]!);
    }
  }

  #addNode(index: number, behaviour: ByzantineBehaviour | undefined, key: SimKey): void {
    this.#nodes.push({
      id: this.#nodes.length,
      index,
      behaviour,
      key,
      disk: { safety: undefined, blocks: new Map(), highQc: undefined, highTc: undefined, committed: [] },
      core: undefined,
      incarnation: 0,
      crashArmed: false,
      timers: new Map(),
      knownBatches: [],
      available: new Set(),
      committedBatches: new Set(),
    });
  }

  #fail(check: string, detail: string): never {
    throw new SimulationFailure(this.options.seed, check, detail);
  }

  #isHonest(node: SimNode): boolean {
    return node.behaviour === undefined;
  }

  // ───────────── running ─────────────

  run(): SimulationResult {
    const o = this.options;
    for (const node of this.#nodes) this.#boot(node);
    this.#scheduleBatches();
    if (o.partitionEveryMs > 0) this.#schedulePartition();
    if (o.crashEveryMs > 0) this.#scheduleCrash();
    const healAt = this.#now + o.chaosMs;
    this.#queue.push(healAt, { kind: 'control', action: () => this.#heal() });
    this.#runUntil(healAt);
    // Healed: every honest node must commit above the highest committed height within the bound.
    const target = this.#maxHonestHeight() + 1;
    const deadline = this.#now + o.progressBoundMs;
    let progressAt = -1;
    while (this.#now < deadline) {
      this.#runUntil(Math.min(deadline, this.#now + 100));
      if (this.#minHonestHeight() >= target) {
        progressAt = this.#now;
        break;
      }
    }
    if (progressAt < 0) {
      this.#fail('progress after healing', `honest heights ${this.#honestHeights().join(',')} did not all reach ${target} within ${o.progressBoundMs} ms of healing`);
    }
    this.#checkPrefixes();
    this.#checkRestartKeepsLog();
    const longest = this.#nodes.filter((n) => this.#isHonest(n)).reduce((a, b) => (b.disk.committed.length > a.disk.committed.length ? b : a));
    return {
      seed: o.seed,
      committedHeights: this.#honestHeights(),
      messagesDelivered: this.#delivered,
      evidenceCount: this.#evidence,
      crashes: this.#crashes,
      committedBatches: longest.disk.committed.reduce((sum, c) => sum + c.block.payload.length, 0),
      healedAtMs: healAt - GENESIS_TIME_MS,
      progressAtMs: progressAt - healAt,
      restartGapMax: this.#restartGapMax,
    };
  }

  #runUntil(time: number): void {
    for (;;) {
      const next = this.#queue.pop();
      if (next === undefined) {
        this.#now = time;
        return;
      }
      if (next.at > time) {
        this.#queue.push(next.at, next.item);
        this.#now = time;
        return;
      }
      this.#now = next.at;
      if (++this.#events > EVENTS_MAX) this.#fail('bounded run', `more than ${EVENTS_MAX} events`);
      this.#handle(next.item);
    }
  }

  #handle(item: QueueItem): void {
    switch (item.kind) {
      case 'control':
        item.action();
        return;
      case 'restart': {
        const node = this.#nodes[item.node]!;
        if (node.core === undefined) this.#boot(node);
        return;
      }
      case 'timer': {
        const node = this.#nodes[item.node]!;
        if (node.core === undefined || node.incarnation !== item.incarnation) return;
        const key = `${item.event.timer}:${item.event.round}`;
        if (node.timers.get(key) !== item.token) return;
        node.timers.delete(key);
        this.#step(node, { ...item.event, nowMs: this.#now });
        return;
      }
      case 'batch': {
        const node = this.#nodes[item.node]!;
        this.#learnBatch(node, item.ref);
        return;
      }
      case 'deliver': {
        const node = this.#nodes[item.to]!;
        if (node.core === undefined) return;
        this.#delivered++;
        const message = item.message instanceof Uint8Array ? decodeCanonical(ConsensusMessageSchema, item.message, 1 << 24) : item.message;
        this.#step(node, { kind: 'message', nowMs: this.#now, from: item.from, message });
        return;
      }
    }
  }

  // ───────────── node lifecycle ─────────────

  /** Starts (or restarts) a node from exactly what its disk holds. */
  #boot(node: SimNode): void {
    node.incarnation++;
    node.timers.clear();
    node.crashArmed = false;
    const disk = node.disk;
    const tip = disk.committed.at(-1);
    if (node.incarnation > 1) this.#restartGapMax = Math.max(this.#restartGapMax, this.#maxHonestHeight() - disk.committed.length);
    node.core = createConsensus(
      { ...this.#config, selfIndex: node.index },
      {
        hash: sha256,
        verify: this.#sigs.verify,
        signer: { sign: (message) => this.#sigs.sign(node.key, message) },
        payload: {
          next: (request) => this.#nextPayload(node, request),
          available: (ref) => node.available.has(bytesToHex(ref.digest)),
        },
      },
      {
        safety: disk.safety ?? initialSafetyState(0n),
        ...(tip !== undefined ? { committed: { block: tip.block, commitQc: tip.commitQc } } : {}),
        blocks: [...disk.blocks.values()],
        ...(disk.highQc !== undefined ? { highQc: disk.highQc } : {}),
        ...(disk.highTc !== undefined ? { highTc: disk.highTc } : {}),
      },
    );
    const status = node.core.status;
    if (tip !== undefined && (status.committedHeight !== tip.block.height || !equalBytes(status.committedHash, tip.hash))) {
      this.#fail('restart restores the committed tip', `node ${node.id} restarted at height ${status.committedHeight}, disk tip ${tip.block.height}`);
    }
    this.#step(node, { kind: 'start', nowMs: this.#now });
  }

  #crash(node: SimNode): void {
    node.core = undefined;
    node.crashArmed = false;
    this.#crashes++;
    // Volatile batch knowledge survives (the mempool is another component); timers do not.
    node.timers.clear();
    this.#queue.push(this.#now + this.#prng.int(50, 1_000), { kind: 'restart', node: node.id });
  }

  // ───────────── the shell: performing effects ─────────────

  #step(node: SimNode, event: ConsensusEvent): void {
    const core = node.core;
    if (core === undefined) return;
    const effects = core.step(event);
    // A crash armed for this node strikes at an arbitrary point of the effect list.
    const cut = node.crashArmed ? this.#prng.int(0, effects.length) : effects.length;
    for (let i = 0; i < cut; i++) this.#perform(node, effects[i]!);
    if (node.crashArmed) this.#crash(node);
  }

  #perform(node: SimNode, effect: ConsensusEffect): void {
    const disk = node.disk;
    switch (effect.kind) {
      case 'persist':
        if (effect.safety !== undefined) disk.safety = effect.safety;
        if (effect.blocks !== undefined) for (const b of effect.blocks) disk.blocks.set(bytesToHex(consensusBlockHash(sha256, b)), b);
        if (effect.highQc !== undefined) disk.highQc = effect.highQc;
        if (effect.highTc !== undefined) disk.highTc = effect.highTc;
        return;
      case 'send':
        this.#outgoing(node, effect.to.kind === 'broadcast' ? undefined : effect.to.index, effect.message);
        return;
      case 'setTimer': {
        const key = `${effect.timer}:${effect.round}`;
        const token = (node.timers.get(key) ?? 0) + 1;
        node.timers.set(key, token);
        this.#queue.push(this.#now + effect.delayMs, {
          kind: 'timer',
          node: node.id,
          incarnation: node.incarnation,
          token,
          event: { kind: 'timer', nowMs: 0, timer: effect.timer, round: effect.round },
        });
        return;
      }
      case 'commit':
        this.#commit(node, effect.blocks);
        return;
      case 'fetchBatches':
        for (const ref of effect.refs) {
          if (this.#allBatches.has(bytesToHex(ref.digest))) this.#queue.push(this.#now + this.#delay(), { kind: 'batch', node: node.id, ref });
        }
        return;
      case 'fetchBlocks':
        this.#send(node, effect.from, create(ConsensusMessageSchema, { kind: { case: 'syncRequest', value: effect.request } }));
        return;
      case 'serveBlocks': {
        const from = effect.request.fromHeight;
        const committed = disk.committed.filter((c) => c.block.height >= from).slice(0, effect.request.maxBlocks).map((c) => c.block);
        const response = buildSyncResponse(effect.request, committed, effect.tail, effect.highQc, this.#config.limits.syncBlocksMax);
        this.#send(node, effect.to, create(ConsensusMessageSchema, { kind: { case: 'syncResponse', value: response } }));
        return;
      }
      case 'evidence':
        this.#evidence++;
        return;
    }
  }

  /** Commit: checks linkage and agreement, then appends to the node's durable log. */
  #commit(node: SimNode, blocks: readonly CommittedBlock[]): void {
    const disk = node.disk;
    const last = blocks.at(-1);
    if (last !== undefined && !equalBytes(last.commitQc.data!.parentHash, last.hash)) {
      this.#fail('commit certificate', `node ${node.id}: commit QC does not certify a child of the committed block`);
    }
    for (const c of blocks) {
      const tip = disk.committed.at(-1);
      const expectedHeight = tip === undefined ? 1n : tip.block.height + 1n;
      const expectedParent = tip === undefined ? this.#config.genesis.hash : tip.hash;
      if (this.#isHonest(node) && (c.block.height !== expectedHeight || !equalBytes(c.block.parentHash, expectedParent))) {
        this.#fail('committed sequence extends itself', `node ${node.id} committed height ${c.block.height} not extending its tip ${expectedHeight - 1n}`);
      }
      if (this.#isHonest(node)) {
        const hex = bytesToHex(c.hash);
        const other = this.#committedAt.get(c.block.height);
        if (other === undefined) this.#committedAt.set(c.block.height, hex);
        else if (other !== hex) this.#fail('no two blocks committed at one height', `height ${c.block.height}: ${other.slice(0, 16)} vs ${hex.slice(0, 16)} (node ${node.id})`);
      }
      disk.committed.push(c);
      for (const ref of c.block.payload) node.committedBatches.add(bytesToHex(ref.digest));
    }
    for (const [key, block] of disk.blocks) if (last !== undefined && block.height <= last.block.height) disk.blocks.delete(key);
  }

  // ───────────── payload ─────────────

  #scheduleBatches(): void {
    const tick = (): void => {
      const honest = this.#nodes.filter((n) => this.#isHonest(n));
      const origin = this.#prng.pick(honest);
      const seq = this.#batchSeq++;
      const digest = sha256(new TextEncoder().encode(`batch/${this.options.seed}/${seq}`));
      const ref: BatchRef = { $typeName: 'tongbao.v1.BatchRef', digest, transactionCount: this.#prng.int(1, 50), bytes: BigInt(this.#prng.int(100, 5_000)) };
      this.#allBatches.set(bytesToHex(digest), ref);
      this.#learnBatch(origin, ref);
      // Dissemination: reaches each other node after a delay, or is lost (then fetched on demand).
      for (const node of this.#nodes) {
        if (node !== origin && !this.#prng.chance(this.#chaos ? this.options.dropRate : 0)) {
          this.#queue.push(this.#now + this.#delay(), { kind: 'batch', node: node.id, ref });
        }
      }
      this.#queue.push(this.#now + this.#prng.int(1, 2 * this.options.batchEveryMs), { kind: 'control', action: tick });
    };
    this.#queue.push(this.#now + this.options.batchEveryMs, { kind: 'control', action: tick });
  }

  #learnBatch(node: SimNode, ref: BatchRef): void {
    const hex = bytesToHex(ref.digest);
    if (node.available.has(hex)) return;
    node.available.add(hex);
    node.knownBatches.push(ref);
    this.#step(node, { kind: 'batchAvailable', nowMs: this.#now, ref });
  }

  #nextPayload(node: SimNode, request: PayloadRequest): BatchRef[] {
    const pending = new Set(request.pending.map((r) => bytesToHex(r.digest)));
    const out: BatchRef[] = [];
    let transactions = 0;
    let bytes = 0;
    for (const ref of node.knownBatches) {
      const hex = bytesToHex(ref.digest);
      if (node.committedBatches.has(hex) || pending.has(hex)) continue;
      if (out.length >= request.batchCountMax || transactions + ref.transactionCount > request.transactionCountMax || bytes + Number(ref.bytes) > request.bytesMax) break;
      out.push(ref);
      transactions += ref.transactionCount;
      bytes += Number(ref.bytes);
    }
    return out;
  }

  // ───────────── network ─────────────

  #delay(): number {
    return this.#prng.int(this.options.delayMinMs, this.options.delayMaxMs);
  }

  #connected(a: number, b: number): boolean {
    return this.#partition === undefined || this.#partition[a] === this.#partition[b];
  }

  /** Sends from a node's shell: to one validator index (both twins) or all others. */
  #send(node: SimNode, to: number | undefined, message: ConsensusMessage): void {
    for (const target of this.#nodes) {
      if (target.id === node.id) continue;
      if (to === undefined ? target.index === node.index : target.index !== to) continue;
      if (!this.#connected(node.index, target.index)) continue;
      if (this.#chaos && this.#prng.chance(this.options.dropRate)) continue;
      const copies = this.#chaos && this.#prng.chance(this.options.duplicateRate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const payload = this.options.wireEncoding ? encode(ConsensusMessageSchema, message) : message;
        this.#queue.push(this.#now + this.#delay(), { kind: 'deliver', to: target.id, from: node.index, message: payload });
      }
    }
  }

  #heal(): void {
    this.#chaos = false;
    this.#partition = undefined;
    for (const node of this.#nodes) if (node.core === undefined) this.#boot(node);
  }

  #schedulePartition(): void {
    const change = (): void => {
      if (!this.#chaos) return;
      if (this.#partition !== undefined && this.#prng.chance(0.5)) this.#partition = undefined;
      else {
        const groups = this.#prng.int(2, 3);
        this.#partition = [...Array(this.options.validators).keys()].map(() => this.#prng.int(0, groups - 1));
      }
      this.#queue.push(this.#now + this.#prng.int(1, 2 * this.options.partitionEveryMs), { kind: 'control', action: change });
    };
    this.#queue.push(this.#now + this.#prng.int(1, this.options.partitionEveryMs), { kind: 'control', action: change });
  }

  #scheduleCrash(): void {
    const strike = (): void => {
      if (!this.#chaos) return;
      const up = this.#nodes.filter((n) => this.#isHonest(n) && n.core !== undefined);
      if (up.length > 0) {
        const node = this.#prng.pick(up);
        // Half the crashes strike between steps, half in the middle of the next effect list.
        if (this.#prng.chance(0.5)) this.#crash(node);
        else node.crashArmed = true;
      }
      this.#queue.push(this.#now + this.#prng.int(1, 2 * this.options.crashEveryMs), { kind: 'control', action: strike });
    };
    this.#queue.push(this.#now + this.#prng.int(1, this.options.crashEveryMs), { kind: 'control', action: strike });
  }

  // ───────────── Byzantine behaviour: rewriting what a faulty node sends ─────────────

  #outgoing(node: SimNode, to: number | undefined, message: ConsensusMessage): void {
    const behaviour = node.behaviour;
    const kind = message.kind;
    if (behaviour === undefined || behaviour === 'twin') return this.#send(node, to, message);
    switch (behaviour) {
      case 'withholdVotes':
        if (kind.case === 'vote' || kind.case === 'timeout') return;
        return this.#send(node, to, message);
      case 'badSignatures': {
        if ((kind.case === 'vote' || kind.case === 'timeout' || kind.case === 'proposal') && this.#prng.chance(0.7)) {
          const copy = clone(ConsensusMessageSchema, message);
          const value = copy.kind.value as { signature: Uint8Array };
          value.signature = Uint8Array.from(value.signature, (b, i) => (i === 0 ? b ^ 0xff : b));
          return this.#send(node, to, copy);
        }
        return this.#send(node, to, message);
      }
      case 'doubleVote': {
        this.#send(node, to, message);
        if (kind.case === 'vote') {
          const data = clone(VoteSchema, kind.value).data!;
          data.blockHash = sha256(data.blockHash);
          const vote = create(VoteSchema, { data, voter: node.index, signature: this.#sigs.sign(node.key, voteSigningBytes(CHAIN_ID, data)) });
          // The conflicting vote goes to everyone, so honest nodes see both halves.
          this.#send(node, undefined, create(ConsensusMessageSchema, { kind: { case: 'vote', value: vote } }));
        }
        return;
      }
      case 'equivocate': {
        if (kind.case !== 'proposal' || to !== undefined) return this.#send(node, to, message);
        const original = kind.value;
        const block = clone(ConsensusBlockSchema, original.block!);
        block.timestampMs += 1n;
        block.payload = [];
        const signature = this.#sigs.sign(node.key, proposalSigningBytes(CHAIN_ID, consensusBlockHash(sha256, block)));
        const twin = create(ProposalSchema, { block, timeoutCert: original.timeoutCert, signature });
        const twinMessage = create(ConsensusMessageSchema, { kind: { case: 'proposal', value: twin } });
        for (let index = 0; index < this.options.validators; index++) {
          if (index === node.index) continue;
          this.#send(node, index, index % 2 === 0 ? message : twinMessage);
        }
        return;
      }
      case 'forgeCertificates': {
        if (kind.case === 'proposal') {
          const block = clone(ConsensusBlockSchema, kind.value.block!);
          block.parentQc = this.#forgeQc(block.parentQc!);
          const signature = this.#sigs.sign(node.key, proposalSigningBytes(CHAIN_ID, consensusBlockHash(sha256, block)));
          return this.#send(node, to, create(ConsensusMessageSchema, { kind: { case: 'proposal', value: create(ProposalSchema, { block, timeoutCert: kind.value.timeoutCert, signature }) } }));
        }
        if (kind.case === 'timeout') {
          const highQc = this.#forgeQc(kind.value.highQc!);
          const data = create(TimeoutDataSchema, { ...kind.value.data!, highQcRound: highQc.data!.round });
          if (data.highQcRound >= data.round) data.round = data.highQcRound + 1n;
          const timeout = create(TimeoutSchema, { data, signer: node.index, signature: this.#sigs.sign(node.key, timeoutSigningBytes(CHAIN_ID, data)), highQc });
          return this.#send(node, to, create(ConsensusMessageSchema, { kind: { case: 'timeout', value: timeout } }));
        }
        return this.#send(node, to, message);
      }
    }
  }

  /** A certificate that must be rejected: under-signed, duplicated signers, or lifted to a later round. */
  #forgeQc(qc: QuorumCert): QuorumCert {
    const forged = clone(QuorumCertSchema, qc);
    const choice = this.#prng.int(0, 2);
    if (forged.signers.length === 0 || choice === 0) {
      // Lifted: a later round and another block, keeping the old signatures.
      forged.data!.round += 5n;
      forged.data!.height += 5n;
      forged.data!.blockHash = sha256(forged.data!.blockHash);
      forged.data!.parentRound = forged.data!.round - 1n;
      if (forged.signers.length === 0) {
        forged.signers = [0];
        forged.signatures = [new Uint8Array(8)];
      }
    } else if (choice === 1) {
      forged.signers.pop();
      forged.signatures.pop();
    } else {
      forged.signers[forged.signers.length - 1] = forged.signers[0]!;
      forged.signatures[forged.signatures.length - 1] = forged.signatures[0]!;
    }
    return forged;
  }

  // ───────────── checks ─────────────

  #honestHeights(): number[] {
    return this.#nodes.filter((n) => this.#isHonest(n)).map((n) => n.disk.committed.length);
  }

  #maxHonestHeight(): number {
    return Math.max(0, ...this.#honestHeights());
  }

  #minHonestHeight(): number {
    return Math.min(...this.#honestHeights());
  }

  /** Every honest node's committed sequence (blocks and their payload) is a prefix of the longest. */
  #checkPrefixes(): void {
    const honest = this.#nodes.filter((n) => this.#isHonest(n));
    const longest = honest.reduce((a, b) => (b.disk.committed.length > a.disk.committed.length ? b : a));
    for (const node of honest) {
      node.disk.committed.forEach((c, i) => {
        const other = longest.disk.committed[i]!;
        if (!equalBytes(c.hash, other.hash)) this.#fail('committed sequences are prefixes', `node ${node.id} differs from node ${longest.id} at height ${i + 1}`);
      });
    }
  }

  /** A restarted node resumes exactly at its durable log (checked at boot), and that log is intact. */
  #checkRestartKeepsLog(): void {
    for (const node of this.#nodes.filter((n) => this.#isHonest(n))) {
      const status = node.core!.status;
      const tip = node.disk.committed.at(-1);
      if (tip !== undefined && status.committedHeight !== tip.block.height) {
        this.#fail('committed payload survives restarts', `node ${node.id} core at ${status.committedHeight}, log at ${tip.block.height}`);
      }
    }
  }

  /** For scenario tests: evidence effects seen so far. */
  get evidenceCount(): number {
    return this.#evidence;
  }

  /** For scenario tests: the leader of a round (round-robin). */
  leaderOf(round: bigint): number {
    return leaderOf(round, this.options.validators);
  }
}

/** Runs one seed; returns its result or throws SimulationFailure. */
export function runSeed(seed: number, validatorsMin = 4, validatorsMax = 10, overrides: Partial<SimulationOptions> = {}): SimulationResult {
  return new Simulation(randomOptions(seed, validatorsMin, validatorsMax, overrides)).run();
}
