import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { assert } from './assert.js';
import { equalBytes } from './bytes.js';
import { DecodeError } from './errors.js';
import { isCanonicalEncoding } from './canonical-scan.js';

/**
 * Deterministic encoding. protobuf-es writes fields in field-number order and our schemas
 * have no maps, so one message has exactly one encoding. Decoding enforces the converse:
 * bytes are accepted only if re-encoding the decoded message gives them back, which
 * rejects unknown fields, duplicated fields, non-minimal varints and default values
 * written out. Hashes and signatures are therefore over the one canonical form. (A scan
 * of the bytes against the schema, canonical-scan.ts, settles most cases without the
 * re-encoding, which cost about 8 of the 70 µs a transaction took to verify.)
 */
export function encode<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
  return toBinary(schema, message);
}

export function decodeCanonical<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
  maxBytes: number,
): MessageShape<Desc> {
  if (bytes.length > maxBytes) {
    throw new DecodeError('OVERSIZED', `${schema.typeName} of ${bytes.length} bytes exceeds the limit of ${maxBytes} bytes`, {
      details: { type: schema.typeName, bytes: bytes.length, maxBytes },
    });
  }
  let message: MessageShape<Desc>;
  try {
    message = fromBinary(schema, bytes, { readUnknownFields: false });
  } catch (cause) {
    throw new DecodeError('MALFORMED_ENCODING', `bytes are not a valid ${schema.typeName}: ${(cause as Error).message}`, {
      details: { type: schema.typeName },
      cause,
    });
  }
  // The scan proves most canonical bytes so without encoding again; what it cannot prove
  // is settled the sure way.
  if (!isCanonicalEncoding(schema, bytes) && !equalBytes(toBinary(schema, message), bytes)) {
    throw new DecodeError(
      'NON_CANONICAL_ENCODING',
      `${schema.typeName} is not in canonical encoding (unknown or repeated fields, defaults written out, or non-minimal integers); re-encode it with a conforming encoder`,
      { details: { type: schema.typeName } },
    );
  }
  return message;
}

/**
 * The bytes of length-delimited field `fieldNumber` (a message, bytes or string field)
 * inside a CANONICAL encoding, as a view — undefined when the field is absent. In
 * canonical bytes a message field holds exactly the canonical encoding of the message,
 * so this spares encoding it again (a batch of thousands of transactions, say). Only for
 * bytes already decoded and found canonical, or stored after such a check; it walks
 * the top-level fields and trusts their tags and lengths.
 */
export function canonicalFieldBytes(canonical: Uint8Array, fieldNumber: number): Uint8Array | undefined {
  let offset = 0;
  const readVarint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = canonical[offset++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (offset < canonical.length) {
    const tag = readVarint();
    const wireType = tag & 7;
    if (wireType === 0) {
      readVarint();
      continue;
    }
    if (wireType === 1 || wireType === 5) {
      offset += wireType === 1 ? 8 : 4;
      continue;
    }
    assert(wireType === 2, `canonicalFieldBytes reads only proto3 wire types, found ${wireType}`);
    const length = readVarint();
    if (tag >>> 3 === fieldNumber) return canonical.subarray(offset, offset + length);
    offset += length;
  }
  return undefined;
}
