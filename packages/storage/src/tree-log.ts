import { assert } from '@tongbao/protocol';

/**
 * The record of the state keys one block changed (`t ‖ height`), kept until the tree
 * pages of that block are written at a checkpoint: key length u16 ‖ key, repeated, in
 * the block's change order. Values are not logged — a restart reads the current value
 * records, which the block batches did write.
 */

/** Longest state key the log can hold (a u16 length). */
export const LOGGED_KEY_BYTES_MAX = 0xffff;

export function encodeKeyLog(keys: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const key of keys) total += 2 + key.length;
  const record = new Uint8Array(total);
  let offset = 0;
  for (const key of keys) {
    // State keys are short by construction (a prefix and an id or two).
    assert(key.length <= LOGGED_KEY_BYTES_MAX, `a state key of ${key.length} bytes fits the tree log (${LOGGED_KEY_BYTES_MAX})`);
    record[offset] = key.length >>> 8;
    record[offset + 1] = key.length & 0xff;
    record.set(key, offset + 2);
    offset += 2 + key.length;
  }
  return record;
}

/** The keys of a record; undefined if it is malformed. */
export function decodeKeyLog(record: Uint8Array): Uint8Array[] | undefined {
  const keys: Uint8Array[] = [];
  let offset = 0;
  while (offset < record.length) {
    if (offset + 2 > record.length) return undefined;
    const length = (record[offset]! << 8) | record[offset + 1]!;
    offset += 2;
    if (offset + length > record.length) return undefined;
    keys.push(record.subarray(offset, offset + length));
    offset += length;
  }
  return keys;
}
