/**
 * Protobuf wire primitives for the hand-written codecs of the hot records (records.ts,
 * receipt.ts). They produce exactly the bytes protobuf-es's `toBinary` produces — fields
 * in number order, defaults omitted, minimal varints — and their property tests
 * (codec.property.test.ts) prove it against protobuf-es, which stays the reference.
 *
 * Why by hand: protobuf-es walks each message by reflection and allocates a chunk per
 * field; a payment touches about ten records, and that walk was most of a payment's cost.
 */

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** Below this a zigzag value 2|v| + 1 is still an exact double. */
const ZIGZAG_SAFE = BigInt(2 ** 51);

const utf8Encoder = new TextEncoder();
/** Fatal, and keeping a leading BOM so that it can be seen (protobuf-es strips it: not canonical). */
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A field whose value is out of its wire type's range: a bug in the caller, as in protobuf-es. */
function outOfRange(kind: string, value: bigint | number): Error {
  return new RangeError(`cannot encode ${String(value)} as ${kind}`);
}

/**
 * An append-only byte buffer, reused across records: `reset`, write fields in number
 * order, `finish` copies the bytes out.
 */
export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initialBytes = 1024) {
    this.buf = new Uint8Array(initialBytes);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  /** A copy of everything written since the last reset. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** A copy of the bytes written since `start`. */
  copyFrom(start: number): Uint8Array {
    return this.buf.slice(start, this.pos);
  }

  private grow(bytes: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** A tag or any other non-negative safe integer as a varint. */
  varint(value: number): void {
    if (this.pos + 10 > this.buf.length) this.grow(10);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7fffffff) {
      buf[pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  private varintBig(value: bigint): void {
    if (this.pos + 10 > this.buf.length) this.grow(10);
    while (value > 0x7fn) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  uint32(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw outOfRange('uint32', value);
    this.varint(value);
  }

  /** int32 and enums: a negative value takes ten bytes, sign-extended to 64 bits. */
  int32(value: number): void {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw outOfRange('int32', value);
    if (value >= 0) this.varint(value);
    else this.varintBig(BigInt.asUintN(64, BigInt(value)));
  }

  uint64(value: bigint): void {
    if (value >= 0n && value <= SAFE_MAX) return this.varint(Number(value));
    if (value < 0n || value > U64_MAX) throw outOfRange('uint64', value);
    this.varintBig(value);
  }

  sint64(value: bigint): void {
    if (value < ZIGZAG_SAFE && value > -ZIGZAG_SAFE) {
      const n = Number(value);
      return this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
    }
    if (value < I64_MIN || value > I64_MAX) throw outOfRange('sint64', value);
    this.varintBig(value >= 0n ? value << 1n : ((-value) << 1n) - 1n);
  }

  /** UTF-8 as TextEncoder makes it (a lone surrogate becomes U+FFFD), length first. */
  string(value: string): void {
    const length = value.length;
    if (this.pos + length + 5 > this.buf.length) this.grow(length + 5);
    const start = this.pos;
    this.varint(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 0x7f) {
        this.pos = start;
        return this.bytes(utf8Encoder.encode(value));
      }
      buf[pos++] = code;
    }
    this.pos = pos;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    if (this.pos + value.length > this.buf.length) this.grow(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Opens a length-delimited field's body; returns the mark to pass to `endDelimited`. */
  beginDelimited(): number {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    // One byte reserved for the length; a longer body is moved along in endDelimited.
    return ++this.pos;
  }

  endDelimited(mark: number): void {
    const length = this.pos - mark;
    if (length < 0x80) {
      this.buf[mark - 1] = length;
      return;
    }
    let lengthBytes = 1;
    for (let rest = length >>> 7; rest > 0; rest >>>= 7) lengthBytes++;
    if (this.pos + lengthBytes > this.buf.length) this.grow(lengthBytes);
    this.buf.copyWithin(mark - 1 + lengthBytes, mark, this.pos);
    this.pos = mark - 1;
    this.varint(length);
    this.pos += length;
  }
}

/** Thrown inside a fast decoder when the bytes are not exactly what its encoder writes. */
export const NOT_FAST = Symbol('not a canonical encoding the fast decoder accepts');

function notFast(): never {
  throw NOT_FAST;
}

/**
 * A strict reader over one encoded record. It accepts only the canonical form — each
 * value minimal and non-default — and throws NOT_FAST for anything else, so that the
 * caller can hand those bytes to protobuf-es's decodeCanonical, which decides whether
 * they are an error (and which) exactly as before.
 */
export class ProtoReader {
  pos = 0;
  end: number;

  constructor(readonly buf: Uint8Array) {
    this.end = buf.length;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A one-byte tag (field numbers 1..15), or NOT_FAST. */
  tag(): number {
    if (this.pos >= this.end) notFast();
    const tag = this.buf[this.pos++]!;
    if (tag >= 0x80) notFast();
    return tag;
  }

  /** A minimal varint of at most 7 bytes (49 bits) as a number; the caller widens. */
  private varintSmall(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= this.end) notFast();
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0 && i > 0) notFast(); // not minimal
        this.pos = pos;
        return result;
      }
      scale *= 128;
    }
    return -1;
  }

  /** A minimal 64-bit varint, as a bigint. */
  private varint64(): bigint {
    const start = this.pos;
    const small = this.varintSmall();
    if (small >= 0) return BigInt(small);
    // 8 to 10 bytes: values of 2^49 and more.
    this.pos = start;
    const buf = this.buf;
    let lo = 0;
    for (let i = 0; i < 4; i++) lo += (buf[this.pos++]! & 0x7f) * 2 ** (7 * i);
    let hi = 0;
    let scale = 1;
    for (let i = 4; i < 10; i++) {
      if (this.pos >= this.end) notFast();
      const byte = buf[this.pos++]!;
      hi += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0) notFast();
        if (i === 9 && byte > 1) notFast(); // beyond 64 bits
        return (BigInt(hi) << 28n) | BigInt(lo);
      }
      scale *= 128;
    }
    return notFast();
  }

  /** uint64, non-zero (zero is never written). */
  uint64(): bigint {
    const value = this.varint64();
    if (value === 0n) notFast();
    return value;
  }

  /** sint64 (zigzag), non-zero. */
  sint64(): bigint {
    const start = this.pos;
    const small = this.varintSmall();
    if (small > 0) return BigInt(small % 2 === 0 ? small / 2 : -(small + 1) / 2);
    if (small === 0) notFast();
    this.pos = start;
    const zigzag = this.varint64();
    return (zigzag & 1n) === 0n ? zigzag >> 1n : -((zigzag + 1n) >> 1n);
  }

  /** uint32, non-zero. */
  uint32(): number {
    const value = this.varintSmall();
    if (value <= 0 || value > 0xffffffff) notFast();
    return value;
  }

  /** An enum value, non-zero and non-negative (a negative one goes the slow way). */
  enumValue(): number {
    const value = this.varintSmall();
    if (value <= 0 || value > 0x7fffffff) notFast();
    return value;
  }

  /** A bool that is written is true, as the single byte 1. */
  bool(): true {
    if (this.pos >= this.end || this.buf[this.pos] !== 1) notFast();
    this.pos++;
    return true;
  }

  private length(): number {
    const length = this.varintSmall();
    if (length <= 0 || length > this.end - this.pos) notFast();
    return length;
  }

  /** Non-empty bytes, aliasing the input as protobuf-es's reader does. */
  bytes(): Uint8Array {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }

  /** A non-empty string of valid UTF-8 (no leading BOM, which protobuf-es would drop). */
  string(): string {
    const length = this.length();
    const buf = this.buf;
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    for (let i = start; i < end; i++) {
      if (buf[i]! >= 0x80) {
        let text: string;
        try {
          text = utf8Decoder.decode(buf.subarray(start, end));
        } catch {
          return notFast();
        }
        if (text.charCodeAt(0) === 0xfeff) notFast();
        return text;
      }
    }
    if (length <= 16) {
      let text = '';
      for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]!);
      return text;
    }
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
}
