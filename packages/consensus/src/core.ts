import { ConsensusError } from './errors.js';
import type { Consensus, ConsensusConfig, ConsensusDependencies, RestoredState } from './types.js';

/**
 * Creates the consensus core for one validator. `restored` is absent on first start and
 * is the shell's persisted state after a restart.
 */
export function createConsensus(config: ConsensusConfig, deps: ConsensusDependencies, restored?: RestoredState): Consensus {
  void config;
  void deps;
  void restored;
  throw new ConsensusError('INVALID_EVENT_ORDER', 'not implemented yet');
}
