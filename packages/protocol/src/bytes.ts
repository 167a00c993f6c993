/** Small byte helpers shared by every layer. Uint8Array everywhere, never Buffer in APIs. */

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic order of unsigned bytes, the order LevelDB keeps keys in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const HEX_DIGIT_CODES = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const ASCII_DECODER = new TextDecoder('latin1');

/**
 * Lower-case hex. Hot: ids become Map keys for every transaction on its way through the
 * node. The digits are written as ASCII codes and decoded in one call, which makes one
 * flat string; appending two characters at a time made a chain of intermediate strings
 * (2.5 times slower with the Map lookup that follows, and most of the mempool's garbage).
 */
export function bytesToHex(bytes: Uint8Array): string {
  const codes = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    codes[2 * i] = HEX_DIGIT_CODES[byte >>> 4]!;
    codes[2 * i + 1] = HEX_DIGIT_CODES[byte & 15]!;
  }
  return ASCII_DECODER.decode(codes);
}

const BASE64URL_DIGIT_CODES = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

/** Base64url without padding (RFC 4648 §5): a third shorter than hex, still ASCII. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  const codes = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  let out = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const word = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[out++] = BASE64URL_DIGIT_CODES[word >>> 18]!;
    codes[out++] = BASE64URL_DIGIT_CODES[(word >>> 12) & 63]!;
    codes[out++] = BASE64URL_DIGIT_CODES[(word >>> 6) & 63]!;
    codes[out++] = BASE64URL_DIGIT_CODES[word & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const word = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    codes[out++] = BASE64URL_DIGIT_CODES[word >>> 18]!;
    codes[out++] = BASE64URL_DIGIT_CODES[(word >>> 12) & 63]!;
    if (rest === 2) codes[out++] = BASE64URL_DIGIT_CODES[(word >>> 6) & 63]!;
  }
  return ASCII_DECODER.decode(codes);
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError(`not a hex string of whole bytes: ${hex.length > 40 ? hex.slice(0, 40) + '…' : hex}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8ToBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function bytesToUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Big-endian unsigned 64-bit, the key encoding that sorts numerically. */
export function u64ToBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

export function bytesToU64(bytes: Uint8Array): bigint {
  if (bytes.length !== 8) throw new TypeError(`expected 8 bytes for a u64, got ${bytes.length}`);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
}
