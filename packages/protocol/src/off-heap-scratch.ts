/**
 * The longest typed array V8 allocates inside its heap (V8's typed_array_max_size_in_heap):
 * native code reading a shorter one makes V8 first move it out into a buffer of its own.
 */
export const V8_IN_HEAP_BYTES_MAX = 64;

/**
 * A reused buffer outside V8's heap for byte strings about to be handed to native code.
 * A Uint8Array of up to V8_IN_HEAP_BYTES_MAX bytes lives inside V8's heap, and native code
 * reading it makes V8 first move it out into a buffer of its own — a malloc, and later a free on V8's
 * sweeper thread, more than hashing or looking up a short key costs. A copy into this
 * buffer costs less.
 */
export class OffHeapScratch {
  private readonly buffer: Uint8Array;

  constructor(readonly bytesMax: number) {
    if (!Number.isSafeInteger(bytesMax) || bytesMax < 1) throw new RangeError(`bytesMax must be a positive whole number, not ${bytesMax}`);
    this.buffer = new Uint8Array(new ArrayBuffer(bytesMax));
  }

  /**
   * `bytes` copied into the buffer, as a view that the next call overwrites — so only for
   * a native call that reads it before returning; `bytes` itself when longer than the buffer.
   */
  hold(bytes: Uint8Array): Uint8Array {
    if (bytes.length > this.bytesMax) return bytes;
    this.buffer.set(bytes);
    return this.buffer.subarray(0, bytes.length);
  }
}
