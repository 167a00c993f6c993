// The frame format of the links between validators: a u32 big-endian length, then that
// many bytes. Lengths are 1..frameBytesMax; 0 and anything larger are malformed.
//
// The decoder is incremental (TCP delivers arbitrary chunks) and bounded: it holds at
// most the 4 header bytes and one frame body of at most frameBytesMax bytes; the length
// is checked before any byte of the body is kept. A frame contained in one chunk is
// handed out as a view of that chunk, without a copy.

export const FRAME_HEADER_BYTES = 4;
/** Upper bound of frameBytesMax itself; a u32 length could name up to 4 GiB. */
export const FRAME_BYTES_LIMIT = 256 * 1024 * 1024;

/** Why a stream of frames was refused. */
export type FrameFault = 'EMPTY_FRAME' | 'OVERSIZED_FRAME';

/** The 4-byte header of a frame of `length` bytes. */
export function encodeFrameHeader(length: number): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  new DataView(header.buffer).setUint32(0, length, false);
  return header;
}

export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  private body: Uint8Array | undefined;
  private bodyFilled = 0;
  private fault: FrameFault | undefined;

  constructor(readonly frameBytesMax: number) {}

  /** Bytes held for the frame in progress (never more than frameBytesMax + 4). */
  get bufferedBytes(): number {
    return this.headerFilled + (this.body?.length ?? 0);
  }

  /**
   * Consumes `chunk`, appending every frame it completes to `out`. Returns the fault
   * that ends the stream, if any; frames before the fault are still appended, nothing
   * after it is, and once faulted the decoder refuses everything.
   */
  push(chunk: Uint8Array, out: Uint8Array[]): FrameFault | undefined {
    if (this.fault !== undefined) return this.fault;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.body === undefined) {
        let length: number;
        if (this.headerFilled === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          length = readU32(chunk, offset);
          offset += FRAME_HEADER_BYTES;
        } else {
          const n = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - offset);
          this.header.set(chunk.subarray(offset, offset + n), this.headerFilled);
          this.headerFilled += n;
          offset += n;
          if (this.headerFilled < FRAME_HEADER_BYTES) break;
          this.headerFilled = 0;
          length = readU32(this.header, 0);
        }
        if (length === 0) return (this.fault = 'EMPTY_FRAME');
        if (length > this.frameBytesMax) return (this.fault = 'OVERSIZED_FRAME');
        if (chunk.length - offset >= length) {
          out.push(new Uint8Array(chunk.buffer, chunk.byteOffset + offset, length));
          offset += length;
          continue;
        }
        this.body = new Uint8Array(length);
        this.bodyFilled = 0;
      }
      const n = Math.min(this.body.length - this.bodyFilled, chunk.length - offset);
      this.body.set(chunk.subarray(offset, offset + n), this.bodyFilled);
      this.bodyFilled += n;
      offset += n;
      if (this.bodyFilled === this.body.length) {
        out.push(this.body);
        this.body = undefined;
      }
    }
    return undefined;
  }
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
