import type { HashFunction } from '@tongbao/protocol';
import type { KeyValueStore } from './kv.js';
import { NativeStateTree, nativeStateTreeAvailable } from './native-state-tree.js';
import { JsStateTree } from './state-tree.js';
import type { StateTree, StateTreeOptions } from './state-tree-contract.js';

/**
 * Which state tree a store runs. 'auto': the native one where the addon is built and
 * the chain's hash is its SHA-256 or SM3, else the JavaScript reference; 'javascript':
 * the reference always. Both keep the same pages and roots, so a store written by one
 * is read by the other.
 */
export type StateTreeImplementation = 'auto' | 'javascript';

export function openStateTree(
  kv: KeyValueStore,
  hash: HashFunction,
  options: StateTreeOptions = {},
  implementation: StateTreeImplementation = 'auto',
): StateTree {
  if (implementation === 'auto' && nativeStateTreeAvailable(hash)) return new NativeStateTree(kv, hash, options);
  return new JsStateTree(kv, hash, options);
}
