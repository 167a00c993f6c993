import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { equalBytes } from './bytes.js';
import { DecodeError } from './errors.js';

/**
 * Deterministic encoding. protobuf-es writes fields in field-number order and our schemas
 * have no maps, so one message has exactly one encoding. Decoding enforces the converse:
 * bytes are accepted only if re-encoding the decoded message gives them back, which
 * rejects unknown fields, duplicated fields, non-minimal varints and default values
 * written out. Hashes and signatures are therefore over the one canonical form.
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
  if (!equalBytes(toBinary(schema, message), bytes)) {
    throw new DecodeError(
      'NON_CANONICAL_ENCODING',
      `${schema.typeName} is not in canonical encoding (unknown or repeated fields, defaults written out, or non-minimal integers); re-encode it with a conforming encoder`,
      { details: { type: schema.typeName } },
    );
  }
  return message;
}
