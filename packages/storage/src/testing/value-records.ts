import { PREFIX, prefixEnd } from '../keys.js';
import type { KeyValueStore } from '../kv.js';
import type { ValueRecords } from '../state-tree-contract.js';

/** The value records of a store that holds them beside its tree pages (tree tests), as a full check takes them. */
export async function* valueRecordsIn(kv: KeyValueStore): ValueRecords {
  for await (const [key, value] of kv.iterate({ gte: Uint8Array.of(PREFIX.value), lt: prefixEnd(PREFIX.value) })) {
    yield [key.subarray(1), value] as const;
  }
}
