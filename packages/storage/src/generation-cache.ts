/**
 * A bounded cache keyed by strings or numbers, at most `entriesMax` entries, least recently used
 * dropped first — approximately: two generations; a hit in the older one moves the
 * entry to the younger, and when the younger is full the older is dropped whole. This
 * costs one or two Map lookups per access and no per-entry bookkeeping. entriesMax
 * below 2 disables it (every get misses).
 */
export class GenerationCache<K extends string | number, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationMax: number;

  constructor(readonly entriesMax: number) {
    this.generationMax = entriesMax >= 2 ? Math.floor(entriesMax / 2) : 0;
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const older = this.old.get(key);
    if (older !== undefined) {
      this.old.delete(key);
      this.insert(key, older);
    }
    return older;
  }

  set(key: K, value: V): void {
    if (this.generationMax === 0) return;
    this.old.delete(key);
    this.insert(key, value);
  }

  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  private insert(key: K, value: V): void {
    this.young.set(key, value);
    if (this.young.size >= this.generationMax) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}

/** Keys up to this long are converted in one fromCharCode call, longer ones through Buffer. */
const SHORT_KEY_BYTES = 64;

/**
 * A byte key as a string with one UTF-16 code unit per byte (latin1): a compact Map key,
 * and, compared code unit by code unit, in unsigned byte order. Built flat (a string
 * concatenated character by character is a rope that every Map lookup flattens): short
 * keys — tree pages, state keys — by one fromCharCode call, about half the cost of a
 * Buffer's latin1 decoding; long ones by Buffer, which takes any length.
 */
export function bytesKey(key: Uint8Array): string {
  if (key.length <= SHORT_KEY_BYTES) return String.fromCharCode.apply(null, key as unknown as number[]);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
