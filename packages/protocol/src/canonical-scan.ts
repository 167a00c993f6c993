import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { getTextEncoding } from '@bufbuild/protobuf/wire';

/**
 * Whether `bytes` are exactly what protobuf-es's toBinary writes for some message of
 * `schema` — the canonical encoding that decodeCanonical insists on — checked in one
 * pass over the bytes, without decoding into objects or encoding again (decoding and
 * re-encoding a 150-byte transaction costs about 18 µs here; this pass about 1).
 *
 * It is a fast path only, and may say false for bytes that are canonical: decodeCanonical
 * then decides by decoding and re-encoding, as before. It must never say true for bytes
 * that are not: encoding.test.ts checks that on random messages of every schema and
 * random corruptions of them. Messages that use what it does not model (maps, groups,
 * fixed-width and floating-point fields, required fields) always go the slow way.
 *
 * What toBinary writes for a message, and so what is accepted here: the set fields in
 * ascending field number, each once, except a repeated field's consecutive elements;
 * no unknown field; every varint minimal (the tag's and lengths' too); a field with
 * implicit presence only if it is not zero or empty; at most one member of a oneof;
 * repeated numbers packed in one non-empty record; int32 and enum values below 2³¹ or
 * negative as ten bytes, 32-bit types below 2³², bool 0 or 1; strings that decode and
 * encode back to the same bytes (valid UTF-8, no leading byte-order mark); nested
 * messages canonical in turn.
 */
export function isCanonicalEncoding(schema: DescMessage, bytes: Uint8Array): boolean {
  return scanMessage(schema, bytes, 0, bytes.length, 0);
}

/** Nesting deeper than this goes the slow way (our schemas nest 4 deep). */
const NESTING_MAX = 32;

const enum Wire {
  Varint = 0,
  Delimited = 2,
}

/** FieldPresence.IMPLICIT of protobuf-es's descriptors (proto3 singular fields without `optional`). */
const IMPLICIT_PRESENCE = 2;
const LEGACY_REQUIRED_PRESENCE = 3;

interface FieldPlan {
  readonly field: DescField;
  /** A value of a scalar or enum field (or list element): its type; enums are int32. */
  readonly scalar: ScalarType | undefined;
  readonly list: boolean;
  readonly packed: boolean;
  readonly implicit: boolean;
  readonly message: DescMessage | undefined;
}

/** Per message type: its fields by number, or null when the message uses something not modelled. */
const plans = new WeakMap<DescMessage, ReadonlyMap<number, FieldPlan> | null>();

function planOf(desc: DescMessage): ReadonlyMap<number, FieldPlan> | null {
  let plan = plans.get(desc);
  if (plan === undefined) {
    plan = makePlan(desc);
    plans.set(desc, plan);
  }
  return plan;
}

function makePlan(desc: DescMessage): ReadonlyMap<number, FieldPlan> | null {
  const plan = new Map<number, FieldPlan>();
  for (const field of desc.fields) {
    if (field.presence === LEGACY_REQUIRED_PRESENCE) return null;
    switch (field.fieldKind) {
      case 'map':
        return null;
      case 'message':
        if (field.delimitedEncoding) return null;
        plan.set(field.number, { field, scalar: undefined, list: false, packed: false, implicit: false, message: field.message });
        break;
      case 'scalar':
      case 'enum': {
        const scalar = field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar;
        if (!modelled(scalar)) return null;
        plan.set(field.number, { field, scalar, list: false, packed: false, implicit: field.presence === IMPLICIT_PRESENCE && field.oneof === undefined, message: undefined });
        break;
      }
      case 'list':
        if (field.listKind === 'message') {
          if (field.delimitedEncoding) return null;
          plan.set(field.number, { field, scalar: undefined, list: true, packed: false, implicit: false, message: field.message });
        } else {
          const scalar = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
          if (!modelled(scalar)) return null;
          plan.set(field.number, { field, scalar, list: true, packed: field.packed, implicit: false, message: undefined });
        }
        break;
    }
  }
  return plan;
}

/**
 * Varint types, strings and bytes: all our schemas use. Fixed-width types are left to
 * the slow path (none of our fields has one, so no test could cover them), and so is
 * floating point, whose NaN payloads need not survive decoding and encoding.
 */
function modelled(scalar: ScalarType): boolean {
  switch (scalar) {
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.BOOL:
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return true;
    default:
      return false;
  }
}

function wireOf(scalar: ScalarType): Wire {
  return scalar === ScalarType.STRING || scalar === ScalarType.BYTES ? Wire.Delimited : Wire.Varint;
}

/** The low and high 32 bits of the varint readVarint last read (module state: no object per varint). */
let varintLow = 0;
let varintHigh = 0;

/** Reads a minimal varint of at most 64 bits at `at`, before `end`; the position after it, or −1. */
function readVarint(bytes: Uint8Array, at: number, end: number): number {
  let low = 0;
  let high = 0;
  for (let i = 0; i < 10; i++) {
    if (at + i >= end) return -1;
    const byte = bytes[at + i]!;
    const bits = byte & 0x7f;
    if (i < 4) low |= bits << (7 * i);
    else if (i === 4) {
      low |= (bits & 0x0f) << 28;
      high |= bits >>> 4;
    } else high |= bits << (7 * i - 32);
    if (byte < 0x80) {
      // Minimal: no trailing zero group; and the tenth byte holds only bit 63.
      if (i > 0 && byte === 0) return -1;
      if (i === 9 && byte !== 1) return -1;
      varintLow = low >>> 0;
      varintHigh = high >>> 0;
      return at + i + 1;
    }
  }
  return -1;
}

/** A 32-bit varint (tags, lengths): the position after it, or −1; the value in varintLow. */
function readVarint32(bytes: Uint8Array, at: number, end: number): number {
  const next = readVarint(bytes, at, end);
  return next === -1 || varintHigh !== 0 ? -1 : next;
}

function scanMessage(desc: DescMessage, bytes: Uint8Array, start: number, end: number, depth: number): boolean {
  if (depth > NESTING_MAX) return false;
  const plan = planOf(desc);
  if (plan === null) return false;
  let at = start;
  let lastNumber = 0;
  let lastRepeatable = false;
  let oneofsSeen: unknown[] | undefined;
  while (at < end) {
    at = readVarint32(bytes, at, end);
    if (at === -1) return false;
    const number = varintLow >>> 3;
    const wire = varintLow & 7;
    const field = plan.get(number);
    if (field === undefined) return false;
    if (number < lastNumber) return false;
    if (number === lastNumber && !lastRepeatable) return false;
    lastNumber = number;
    // A repeated field's records follow one another; a packed one is a single record.
    lastRepeatable = field.list && !field.packed;
    const oneof = field.field.oneof;
    if (oneof !== undefined) {
      oneofsSeen ??= [];
      if (oneofsSeen.includes(oneof)) return false;
      oneofsSeen.push(oneof);
    }
    if (field.message !== undefined) {
      if (wire !== Wire.Delimited) return false;
      at = readVarint32(bytes, at, end);
      if (at === -1 || varintLow > end - at) return false;
      const length = varintLow;
      if (!scanMessage(field.message, bytes, at, at + length, depth + 1)) return false;
      at += length;
      continue;
    }
    const scalar = field.scalar!;
    if (field.packed) {
      if (wire !== Wire.Delimited) return false;
      at = readVarint32(bytes, at, end);
      if (at === -1 || varintLow === 0 || varintLow > end - at) return false;
      const recordEnd = at + varintLow;
      while (at < recordEnd) {
        at = readValue(scalar, bytes, at, recordEnd, false);
        if (at === -1) return false;
      }
      continue;
    }
    if (wire !== wireOf(scalar)) return false;
    at = readValue(scalar, bytes, at, end, field.implicit);
    if (at === -1) return false;
  }
  return at === end;
}

/** One value of type `scalar` (its tag read); the position after it, or −1. `implicit`: a zero value is refused. */
function readValue(scalar: ScalarType, bytes: Uint8Array, at: number, end: number, implicit: boolean): number {
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES: {
      const next = readVarint32(bytes, at, end);
      if (next === -1 || varintLow > end - next) return -1;
      const length = varintLow;
      if (implicit && length === 0) return -1;
      if (scalar === ScalarType.STRING && !roundTripsAsText(bytes.subarray(next, next + length))) return -1;
      return next + length;
    }
    default: {
      const next = readVarint(bytes, at, end);
      if (next === -1) return -1;
      const low = varintLow;
      const high = varintHigh;
      if (implicit && low === 0 && high === 0) return -1;
      switch (scalar) {
        case ScalarType.INT32:
          // Non-negative below 2³¹, or negative sign-extended to 64 bits (ten bytes).
          return (high === 0 && low < 0x80000000) || (high === 0xffffffff && low >= 0x80000000) ? next : -1;
        case ScalarType.UINT32:
        case ScalarType.SINT32:
          return high === 0 ? next : -1;
        case ScalarType.BOOL:
          return high === 0 && low <= 1 ? next : -1;
        case ScalarType.INT64:
        case ScalarType.UINT64:
        case ScalarType.SINT64:
          return next;
        default:
          return -1;
      }
    }
  }
}

/**
 * Whether decoding as protobuf-es does (its own text encoding: a non-fatal UTF-8
 * decoder, which replaces invalid sequences and drops a leading byte-order mark) and
 * encoding again gives the same bytes. ASCII, the common case, always does.
 */
function roundTripsAsText(text: Uint8Array): boolean {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return true;
  const encoding = getTextEncoding();
  const again = encoding.encodeUtf8(encoding.decodeUtf8(text));
  if (again.length !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (again[i] !== text[i]) return false;
  return true;
}
