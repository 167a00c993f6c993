import { bytesToU32 } from './keys.js';

/**
 * Several byte strings in one stored record: count u32 ‖ the end of each string u32 ×
 * count ‖ the strings end to end (offsets from the first string's start). A block's
 * transactions are one such record, its receipts another: one database write each
 * instead of one per transaction, which is most of what LevelDB spends per record
 * (memtable insert, index entries, compaction bookkeeping) — the layout of a block body
 * in most chains' stores.
 */
export function encodeRecordList(items: readonly Uint8Array[]): Uint8Array {
  const header = 4 * (1 + items.length);
  let total = header;
  for (const item of items) total += item.length;
  const record = new Uint8Array(total);
  const view = new DataView(record.buffer);
  view.setUint32(0, items.length);
  let offset = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    record.set(item, header + offset);
    offset += item.length;
    view.setUint32(4 * (1 + i), offset);
  }
  return record;
}

/** The strings of a record list (views into it), or undefined if it is not a well-formed one. */
export function decodeRecordList(record: Uint8Array): Uint8Array[] | undefined {
  if (record.length < 4) return undefined;
  const count = bytesToU32(record, 0);
  const header = 4 * (1 + count);
  if (count > (record.length - 4) / 4) return undefined;
  const items: Uint8Array[] = new Array(count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = bytesToU32(record, 4 * (1 + i));
    if (end < start || header + end > record.length) return undefined;
    items[i] = record.subarray(header + start, header + end);
    start = end;
  }
  if (header + start !== record.length) return undefined;
  return items;
}

/** String `index` of a record list without splitting the rest; undefined if absent or malformed. */
export function recordListItem(record: Uint8Array, index: number): Uint8Array | undefined {
  if (record.length < 4) return undefined;
  const count = bytesToU32(record, 0);
  const header = 4 * (1 + count);
  if (count > (record.length - 4) / 4 || index >= count) return undefined;
  const total = bytesToU32(record, 4 * count);
  if (header + total !== record.length) return undefined;
  const start = index === 0 ? 0 : bytesToU32(record, 4 * index);
  const end = bytesToU32(record, 4 * (1 + index));
  if (start > end || end > total) return undefined;
  return record.subarray(header + start, header + end);
}
