export type { HashFunction } from './hash.js';
export * from './binary.js';
export * from './sparse.js';
