/**
 * Checks at the edge for what the node answers: the JSON against the API's shared
 * TypeBox schemas, embedded protobuf JSON through protobuf-es, and ledger hashes. Every
 * failure is an InvalidResponseError naming what was wrong.
 */
import { fromJson, hexToBytes, type DescMessage, type MessageShape } from '@tongbao/protocol/portable';
import type { TSchema, Static } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { Value } from 'typebox/value';
import { InvalidResponseError } from '../errors.js';

/**
 * A compiled checker per response schema, built on first use. Compiled checks run as
 * generated code where the platform allows it (falling back to interpreting the schema
 * where it does not): checking a batch answer of a thousand results interpreted cost a
 * high-rate client more than parsing it.
 */
const validators = new WeakMap<TSchema, Validator>();

function validatorOf(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema) as Validator;
    validators.set(schema, validator);
  }
  return validator;
}

export function checkShape<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  if (validatorOf(schema).Check(value)) return value as Static<T>;
  const first = Value.Errors(schema, value)[0];
  throw new InvalidResponseError(
    `${what}: the node's answer does not have the documented shape${first === undefined ? '' : ` (${first.instancePath || '/'}: ${first.message})`}`,
    { details: { what, path: first?.instancePath } },
  );
}

/** A record given as proto3 JSON, decoded; unknown fields from a newer node are ignored. */
export function decodeProtoJson<Desc extends DescMessage>(schema: Desc, json: unknown, what: string): MessageShape<Desc> {
  try {
    return fromJson(schema, json as never, { ignoreUnknownFields: true });
  } catch (cause) {
    throw new InvalidResponseError(`${what}: not a valid proto3 JSON ${schema.typeName}: ${(cause as Error).message}`, {
      details: { what },
      cause,
    });
  }
}

export function decodeHex(hex: string, what: string): Uint8Array {
  try {
    return hexToBytes(hex);
  } catch (cause) {
    throw new InvalidResponseError(`${what}: not hex`, { details: { what }, cause });
  }
}
