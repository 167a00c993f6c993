import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The node's Prometheus metrics, on a registry of its own (several nodes may share a process in tests). */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly height = new Gauge({ name: 'tongbao_block_height', help: 'height of the last committed block', registers: [this.registry] });
  readonly transactionsCommitted = new Counter({
    name: 'tongbao_transactions_committed_total',
    help: 'transactions committed, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly transactionsRejected = new Counter({
    name: 'tongbao_transactions_rejected_total',
    help: 'transactions refused before entering the mempool, or ordered but discarded by execution (a nonce not the next), by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly mempoolTransactions = new Gauge({ name: 'tongbao_mempool_transactions', help: 'transactions waiting in the mempool', registers: [this.registry] });
  readonly mempoolBytes = new Gauge({ name: 'tongbao_mempool_bytes', help: 'bytes of transactions waiting in the mempool', registers: [this.registry] });
  readonly blockPhaseSeconds = new Histogram({
    name: 'tongbao_block_phase_seconds',
    help: 'time spent per block, by phase (execute, state_root, commit)',
    labelNames: ['phase'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly blockTransactions = new Histogram({
    name: 'tongbao_block_transactions',
    help: 'transactions per committed block',
    buckets: [0, 1, 10, 100, 500, 1000, 2500, 5000, 10000, 20000],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tongbao_process_' });
  }
}
