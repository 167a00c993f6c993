import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  assert,
  bytesToHex,
  encode,
  equalBytes,
  GenesisSchema,
  TRANSACTION_BYTES_MAX,
  verify,
  type BatchRef,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import { LevelKeyValueStore, openLevelChainDatabases, StorageError, type KeyValueStore, type LevelChainDatabases, type StateTreeImplementation } from '@tongbao/storage';
import {
  createConsensus,
  DEFAULT_LIMITS,
  DEFAULT_TIMING,
  initialSafetyState,
  type CommittedBlock,
  type ConsensusConfig,
  type RestoredState,
} from '@tongbao/consensus';
import { getNextNonce } from '@tongbao/execution';
import { createApiServer } from '@tongbao/api';
import { PeerNetwork } from '@tongbao/network';
import type { FastifyInstance } from 'fastify';
import { HomeError, loadNodeHome, type NodeHome } from './home/home.js';
import { peerNetworkOptions, splitHostPort } from './home/peer-network-options.js';
import { Ledger } from './ledger/ledger.js';
import { Mempool } from './mempool/mempool.js';
import { VerifierPool } from './mempool/verifier-pool.js';
import { CommitEvents } from './service/commit-events.js';
import { Admission } from './service/admission.js';
import { NodeService } from './service/node-service.js';
import { NodeMetrics } from './telemetry/metrics.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { BatchStore } from './consensus-shell/batch-store.js';
import { BatchMaker } from './consensus-shell/batch-maker.js';
import { ConsensusStore } from './consensus-shell/consensus-store.js';
import { ConsensusDriver, NO_PEERS } from './consensus-shell/consensus-driver.js';
import { PayloadQueue } from './consensus-shell/payload-queue.js';
import { PeerLink } from './consensus-shell/peer-link.js';
import { EvidenceReporter } from './consensus-shell/evidence-reporter.js';

export interface StartOptions {
  /** Where logs go (stdout by default). */
  readonly logDestination?: NodeJS.WritableStream;
}

/**
 * The composition root: the one place that knows every concrete type and wires them.
 * Transactions flow api → admission (verify on workers) → mempool → batches → consensus
 * (pure core, driven by its shell) → ledger (execute + one atomic commit) → events.
 */
export class TongbaoNode {
  private constructor(
    readonly home: NodeHome,
    readonly logger: Logger,
    readonly ledger: Ledger,
    readonly service: NodeService,
    readonly server: FastifyInstance,
    private readonly parts: {
      readonly ledgerDatabases: LevelChainDatabases;
      readonly consensusKv: KeyValueStore;
      readonly batchBodiesKv: KeyValueStore;
      readonly pool: VerifierPool;
      readonly driver: ConsensusDriver;
      readonly batchMaker: BatchMaker;
      readonly network: PeerNetwork | undefined;
      readonly evidenceReporter: EvidenceReporter;
    },
  ) {}

  /** The API's base URL once listening. */
  get apiUrl(): string {
    const address = this.server.server.address();
    assert(address !== null && typeof address === 'object', 'the API server listens on a TCP address');
    return `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  }

  static async start(homeDir: string, options: StartOptions = {}): Promise<TongbaoNode> {
    const home = loadNodeHome(homeDir);
    const { config, genesis } = home;
    const logger = createLogger({ level: config.log.level, moniker: config.node.moniker, ...(options.logDestination ? { destination: options.logDestination } : {}) });
    mkdirSync(home.dataDir, { recursive: true });
    const ledgerDatabases = await openLevelChainDatabases(join(home.dataDir, 'ledger'));
    const consensusKv = await LevelKeyValueStore.open(join(home.dataDir, 'consensus'));
    const batchBodiesKv = await LevelKeyValueStore.open(join(home.dataDir, 'batches'));
    const validators = genesis.validators.map((v) => v.publicKey);
    const selfIndex = validators.findIndex((key) => equalBytes(key, home.validatorKeys.publicKey));
    if (selfIndex < 0) {
      throw new HomeError(`this node's validator key ${bytesToHex(home.validatorKeys.publicKey).slice(0, 16)}… is not a validator of the genesis`);
    }
    // The config's pattern admits exactly these two values.
    const ledger = await Ledger.open(ledgerDatabases, genesis, {
      stateTree: config.node.stateTree as StateTreeImplementation,
      stateTreeCachedPagesMax: config.node.stateTreeCachedPagesMax,
      treeCheckpointStagger: { index: selfIndex, count: validators.length },
    }).catch(async (error: unknown) => {
      await Promise.allSettled([ledgerDatabases.close(), consensusKv.close(), batchBodiesKv.close()]);
      // The store cannot say where it lives; the operator needs to know which folder to remove.
      if (error instanceof StorageError && error.code === 'OLD_LAYOUT') {
        throw new StorageError('OLD_LAYOUT', `${error.message} (data folder: ${home.dataDir})`, { details: { ...error.details, location: home.dataDir }, cause: error });
      }
      throw error;
    });
    const metrics = new NodeMetrics();
    const events = new CommitEvents();
    const consensusStore = new ConsensusStore(consensusKv);
    const batches = await BatchStore.open({ bodies: batchBodiesKv, index: consensusKv }, ledger.suiteName, ledger.chainId, ledger.suite.hash);
    const payload = new PayloadQueue(batches);

    const mempool = new Mempool(ledger.app, () => ledger.state, {
      transactionsMax: config.mempool.transactionsMax,
      bytesMax: config.mempool.bytesMax,
      senderTransactionsMax: config.mempool.senderTransactionsMax,
      nonceGapMax: config.mempool.nonceGapMax,
    });

    const execute = async (commit: CommittedBlock, transactions: readonly VerifiedTransaction[]): Promise<void> => {
      assert(commit.block.height === ledger.height + 1n, `committed block ${commit.block.height} follows ledger height ${ledger.height}`);
      const produced = await ledger.executeOrdered(transactions, {
        timestampMs: commit.block.timestampMs,
        proposer: validators[commit.block.proposer]!,
      });
      mempool.removeCommitted(transactions, ledger.state);
      metrics.height.set(Number(produced.header.height));
      metrics.blockTransactions.observe(produced.receipts.length);
      metrics.blockPhaseSeconds.observe({ phase: 'execute' }, produced.timings.executeMs / 1000);
      metrics.blockPhaseSeconds.observe({ phase: 'state_root' }, produced.timings.prepareStateMs / 1000);
      metrics.blockPhaseSeconds.observe({ phase: 'commit' }, produced.timings.commitMs / 1000);
      let failed = 0;
      for (const receipt of produced.receipts) if (receipt.code !== 0) failed++;
      metrics.transactionsCommitted.inc({ outcome: 'ok' }, produced.receipts.length - failed);
      if (failed > 0) metrics.transactionsCommitted.inc({ outcome: 'failed' }, failed);
      metrics.mempoolTransactions.set(mempool.size);
      metrics.mempoolBytes.set(mempool.sizeBytes);
      for (const { code } of produced.rejected) metrics.transactionsRejected.inc({ code });
      events.publish({
        header: produced.header,
        hash: produced.hash,
        transactions: produced.executed,
        receipts: produced.receipts,
        discarded: produced.rejected.map(({ index, code, message }) => ({ id: transactions[index]!.id, code, message })),
      });
      if (produced.receipts.length > 0) logger.debug({ height: Number(produced.header.height), transactions: produced.receipts.length }, 'block committed');
    };

    // Blocks consensus committed before a crash but the ledger had not executed.
    for (let height = ledger.height + 1n; height <= consensusStore.committedHeight(); height++) {
      const stored = consensusStore.getCommit(height);
      assert(stored !== undefined, `committed consensus block ${height} is stored`);
      const transactions = stored.block.payload.flatMap((ref) => {
        const batch = batches.get(ref.digest);
        assert(batch !== undefined, `batch ${bytesToHex(ref.digest)} of committed block ${height} is stored`);
        return batch.transactions;
      });
      await execute({ block: stored.block, hash: new Uint8Array(), commitQc: stored.commitQc }, transactions);
      logger.info({ height: Number(height) }, 're-executed a block committed before the restart');
    }

    const consensusConfig: ConsensusConfig = {
      chainId: ledger.chainId,
      epoch: 0n,
      validators,
      selfIndex,
      genesis: { hash: ledger.suite.hash(encode(GenesisSchema, genesis)), timestampMs: genesis.genesisTimeMs },
      timing: {
        ...DEFAULT_TIMING,
        roundTimeoutBaseMs: config.consensus.roundTimeoutMs,
        roundTimeoutMaxMs: config.consensus.roundTimeoutMaxMs,
        emptyBlockIntervalMs: config.block.emptyBlockIntervalMs,
        blockIntervalMinMs: config.block.intervalMinMs,
        blockIntervalTransactionRateMin: config.block.intervalTransactionRateMin,
      },
      limits: { ...DEFAULT_LIMITS, payloadTransactionCountMax: config.block.transactionsMax, payloadBytesMax: config.block.bytesMax },
    };
    const tip = consensusStore.committedHeight();
    const tipCommit = tip > 0n ? consensusStore.getCommit(tip) : undefined;
    const highQc = consensusStore.loadHighQc();
    const highTc = consensusStore.loadHighTc();
    const restored: RestoredState = {
      safety: consensusStore.loadSafety() ?? initialSafetyState(0n),
      ...(tipCommit === undefined ? {} : { committed: tipCommit }),
      blocks: await consensusStore.loadUncommitted(),
      ...(highQc === undefined ? {} : { highQc }),
      ...(highTc === undefined ? {} : { highTc }),
    };
    const suite = ledger.suite;
    const core = createConsensus(
      consensusConfig,
      {
        hash: suite.hash,
        verify: (publicKey, message, signature) => verify(ledger.suiteName, publicKey, message, signature),
        signer: { sign: (message) => suite.sign(home.validatorKeys.secretKey, message) },
        payload,
      },
      restored,
    );
    const pool = new VerifierPool({
      suite: ledger.suiteName,
      chainId: ledger.chainId,
      workers: config.mempool.verifyWorkers,
      // The protocol's limit, not this node's client limit: the pool also verifies the
      // transactions of other validators' batches and this node's own evidence, which
      // must not be refused because one node configured a smaller client limit.
      transactionBytesMax: TRANSACTION_BYTES_MAX,
    });

    // Validator-to-validator traffic, when there is anyone to talk to.
    let network: PeerNetwork | undefined;
    let link: PeerLink | undefined;
    let driverRef: ConsensusDriver | undefined;
    if (validators.length > 1) {
      network = await PeerNetwork.start(peerNetworkOptions(home, selfIndex));
      link = new PeerLink({
        transport: network,
        validators,
        chainId: ledger.chainId,
        batches,
        pool,
        logger,
        frameBytesMax: config.network.frameBytesMax,
        batchRequestDigestsMax: DEFAULT_LIMITS.payloadBatchCountMax,
        onBatch: (ref, author) => {
          payload.add(ref, author);
          driverRef?.batchAvailable(ref);
        },
        pendingLoad: (author) => payload.loadOf(author),
        peerPendingBatchesMax: config.batch.peerPendingBatchesMax,
        peerPendingBytesMax: config.batch.peerPendingBytesMax,
        onConsensus: (from, message) => driverRef?.deliver(from, message),
      });
      const peerLink = link;
      network.onFrame((from, frame) => peerLink.handleFrame(from, frame));
    }
    // Misbehaviour the core finds goes on chain: signed with this validator's key and
    // admitted like a client's transaction but up to the protocol's size limit (admission
    // is created below; the reporter first submits when consensus runs, after start).
    const evidenceReporter = new EvidenceReporter({
      suite: ledger.suiteName,
      chainId: ledger.chainId,
      keys: home.validatorKeys,
      nextNonce: () => mempool.pendingNonce(home.validatorKeys.publicKey) ?? getNextNonce(ledger.state, home.validatorKeys.publicKey),
      submit: async (transaction) =>
        (await admission.submit([transaction], { wait: 'none', timeoutMs: config.api.waitTimeoutMsDefault, receipts: 'brief' }, TRANSACTION_BYTES_MAX))[0]!,
      logger,
    });
    const driver = new ConsensusDriver({
      core,
      store: consensusStore,
      batches,
      payload,
      transport: link ?? NO_PEERS,
      execute,
      logger,
      hash: suite.hash,
      validatorCount: validators.length,
      selfIndex,
      onEvidence: (evidence) => void evidenceReporter.report(evidence),
      ...(link === undefined ? {} : { fetchBatches: (from: number, refs: readonly BatchRef[]) => link.requestBatches(from, refs) }),
    });
    driverRef = driver;
    const batchMaker = new BatchMaker({
      mempool,
      batches,
      author: home.validatorKeys.publicKey,
      transactionsMax: config.batch.transactionsMax,
      bytesMax: config.batch.bytesMax,
      fillWaitMs: config.batch.fillWaitMs,
      onBatch: (ref, stored) => {
        payload.add(ref, selfIndex);
        link?.broadcastBatch(stored);
        driver.batchAvailable(ref);
      },
    });
    const admission = new Admission(pool, mempool, events, metrics, { transactionBytesMax: config.mempool.transactionBytesMax }, () => batchMaker.poke());
    const service = new NodeService(ledger, mempool, admission, events, metrics);
    const server = createApiServer(service, {
      bodyBytesMax: config.api.bodyBytesMax,
      binaryBodyBytesMax: config.api.binaryBodyBytesMax,
      rateLimitRequestsMax: config.api.rateLimitRequestsPerWindow,
      rateLimitWindowMs: config.api.rateLimitWindowMs,
      websocketConnectionsMax: config.api.websocketConnectionsMax,
      websocketSubscriptionsPerConnectionMax: config.api.websocketSubscriptionsPerConnectionMax,
      waitTimeoutMsDefault: config.api.waitTimeoutMsDefault,
    });
    const [host, port] = splitHostPort(config.api.listen);
    await server.listen({ host, port });
    driver.start();
    const node = new TongbaoNode(home, logger, ledger, service, server, { ledgerDatabases, consensusKv, batchBodiesKv, pool, driver, batchMaker, network, evidenceReporter });
    logger.info({ api: node.apiUrl, height: Number(ledger.height), validator: selfIndex, validators: validators.length, stateTree: ledger.store.stateTreeKind }, 'node started');
    return node;
  }

  /** Clean shutdown: stop taking requests, finish the step in progress, close the stores. */
  async stop(): Promise<void> {
    this.parts.batchMaker.stop();
    await this.server.close();
    await this.parts.driver.stop();
    // Reports under way finish on the verifier pool and the mempool, which close next.
    await this.parts.evidenceReporter.settled();
    await this.parts.network?.close();
    await this.parts.pool.close();
    await this.parts.consensusKv.close();
    await this.parts.batchBodiesKv.close();
    // A tree checkpoint may still be writing after its block committed.
    await this.ledger.store.settle();
    await this.parts.ledgerDatabases.close();
    this.logger.info({ height: Number(this.ledger.height) }, 'node stopped');
  }
}

