/** Bytes per shared buffer unless an item is longer. */
const BUFFER_BYTES_DEFAULT = 1 << 20;

/**
 * Many byte strings laid end to end in a few large buffers, read back by index as views.
 * A list of Uint8Arrays holds one ArrayBuffer each, and every full garbage collection
 * walks them all: the bench's driver, holding 382,500 pre-signed payments so, spent
 * about a twentieth of this machine in its collector during a 60 s window — CPU the
 * validators beside it then lacked. Here the heap holds a few hundred buffers and three
 * small integers per item.
 */
export class PackedBytes {
  private readonly buffers: Uint8Array[] = [];
  /** Per item: its buffer's index, its start and its end in that buffer. */
  private readonly places: number[] = [];
  private used = 0;

  constructor(private readonly bufferBytes = BUFFER_BYTES_DEFAULT) {
    if (!Number.isSafeInteger(bufferBytes) || bufferBytes < 1) throw new RangeError(`bufferBytes must be a positive whole number, not ${bufferBytes}`);
  }

  get length(): number {
    return this.places.length / 3;
  }

  /** Appends a copy of `bytes`. */
  push(bytes: Uint8Array): void {
    let current = this.buffers[this.buffers.length - 1];
    if (current === undefined || this.used + bytes.length > current.length) {
      current = new Uint8Array(Math.max(this.bufferBytes, bytes.length));
      this.buffers.push(current);
      this.used = 0;
    }
    current.set(bytes, this.used);
    this.places.push(this.buffers.length - 1, this.used, this.used + bytes.length);
    this.used += bytes.length;
  }

  /** Item `index` (0 ≤ index < length): a view, not a copy. */
  at(index: number): Uint8Array {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) throw new RangeError(`no item ${index} among ${this.length}`);
    const place = index * 3;
    return this.buffers[this.places[place]!]!.subarray(this.places[place + 1]!, this.places[place + 2]!);
  }
}
