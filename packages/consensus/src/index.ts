/**
 * @tongbao/consensus — the pure BFT consensus core (HotStuff family: Jolteon /
 * HotStuff-2 style two-chain commit, pipelined, rotating leader, timeout certificates),
 * its safety rules and the helpers its shell needs. See README.md.
 */
export * from './types.js';
export * from './errors.js';
export * from './config.js';
export * from './signing.js';
export * from './sync.js';
export { createConsensus } from './core.js';
