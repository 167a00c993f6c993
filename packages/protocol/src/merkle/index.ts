export type { HashFunction, HashFunctionWithInto, HashIntoFunction } from './hash.js';
export { hashIntoOf } from './hash.js';
export * from './binary.js';
export * from './sparse.js';
