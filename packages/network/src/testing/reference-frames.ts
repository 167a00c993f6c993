// The frame format read the plain way, in one go over a whole stream: the model the
// decoder and the links are checked against in tests.
import type { FrameFault } from '../frames.js';

/** The frames before the first fault, and the fault (a trailing partial frame is neither). */
export function referenceDecode(stream: Uint8Array, frameBytesMax: number): { frames: Uint8Array[]; fault: FrameFault | undefined } {
  const frames: Uint8Array[] = [];
  let offset = 0;
  while (stream.length - offset >= 4) {
    const length = new DataView(stream.buffer, stream.byteOffset + offset, 4).getUint32(0, false);
    if (length === 0) return { frames, fault: 'EMPTY_FRAME' };
    if (length > frameBytesMax) return { frames, fault: 'OVERSIZED_FRAME' };
    if (stream.length - offset - 4 < length) break;
    frames.push(stream.slice(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return { frames, fault: undefined };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
