import { api, bytesToHex, EvidenceRecordSchema, type EvidenceRecord } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import { InvalidParameterError, type InvalidResponseError, type TongbaoApiError, type TongbaoTransportError } from '../errors.js';
import { checkShape, decodeProtoJson } from '../utils/response.js';
import { toBytes } from '../utils/validate.js';

export interface ListEvidenceParameters {
  /** Only this validator's records: its public key, bytes or hex. */
  readonly validator?: Uint8Array | string;
  /** The `next` of the previous page. */
  readonly after?: string;
  /** Records per page, 1..100 (default 100). */
  readonly limit?: number;
}

export interface ListEvidenceReturnType {
  /** The committed height when the listing began. */
  readonly height: bigint;
  /** Each misbehaviour recorded on chain, with both signed messages that prove it. */
  readonly records: readonly EvidenceRecord[];
  /** Present when more records follow: pass it as `after`. */
  readonly next: string | undefined;
}

export type ListEvidenceErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError | InvalidParameterError;

/**
 * Misbehaviour recorded on chain — a validator's two conflicting votes or proposals for
 * one round — a page at a time (GET /v1/evidence), in order of validator key, epoch,
 * kind and round. Each record carries the two signed messages, so it proves itself.
 *
 * @example
 * let page = await listEvidence(client, {})
 * for (const record of page.records) console.log(bytesToHex(record.validatorPublicKey), record.round)
 * if (page.next !== undefined) page = await listEvidence(client, { after: page.next })
 */
export async function listEvidence(client: Client, parameters: ListEvidenceParameters = {}): Promise<ListEvidenceReturnType> {
  const { validator, after, limit } = parameters;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > api.EVIDENCE_PAGE_RECORDS_MAX)) {
    throw new InvalidParameterError(`limit must be an integer in 1..${api.EVIDENCE_PAGE_RECORDS_MAX}`, { details: { parameter: 'limit' } });
  }
  if (after !== undefined && (typeof after !== 'string' || !/^([0-9a-f]{2})+$/.test(after))) {
    throw new InvalidParameterError('after must be the lower-case hex `next` of a previous page', { details: { parameter: 'after' } });
  }
  const what = 'GET /v1/evidence';
  const body = checkShape(
    api.EvidenceListResponse,
    await client.request({
      method: 'GET',
      path: '/v1/evidence',
      query: {
        validator: validator === undefined ? undefined : bytesToHex(toBytes('validator', validator, 256)),
        after,
        limit: limit?.toString(),
      },
    }),
    what,
  );
  return {
    height: BigInt(body.height),
    records: body.records.map((record, i) => decodeProtoJson(EvidenceRecordSchema, record, `${what}: records[${i}]`)),
    next: body.next,
  };
}
