/**
 * Every HTTP route, described once: method, path, schemas (taken from the shared
 * shapes of @tongbao/protocol), the error codes it may answer and its handler. The
 * server registers this table and the OpenAPI document is generated from it, so the
 * two cannot disagree.
 */
import { api, assert } from '@tongbao/protocol';
import { Type, type TSchema } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ApiErrorCode } from './errors.js';
import { base64ToBytes, decodeTransactionFrames, hexParamToBytes, parseHeight } from './codec.js';
import type { NodeService, SubmitOptions } from './node-service.js';
import type { ApiOptions } from './options.js';

export type BodyKind = 'json' | 'binary' | 'none';

export interface RouteSpec {
  method: 'GET' | 'POST';
  /** Fastify path syntax (`:name` parameters). */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  body: BodyKind;
  schema: {
    body?: TSchema;
    params?: TSchema;
    querystring?: TSchema;
    /** Success responses by status; error responses are added from `errors`. */
    response: Record<number, TSchema>;
  };
  /** Codes this route answers beyond those every route may answer (see COMMON_ERRORS). */
  errors: readonly ApiErrorCode[];
  /** The success body is not JSON (metrics). */
  produces?: string;
  handler: (service: NodeService, options: ApiOptions, request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;
}

/** Every route may answer these. */
export const COMMON_ERRORS: readonly ApiErrorCode[] = ['MALFORMED_REQUEST', 'RATE_LIMITED', 'INTERNAL', 'SHUTTING_DOWN'];
/** Every route with a body may also answer these. */
export const BODY_ERRORS: readonly ApiErrorCode[] = ['OVERSIZED', 'UNSUPPORTED_MEDIA_TYPE'];

const TimeoutMsQuery = Type.String({ pattern: '^[1-9][0-9]{0,4}$', description: `milliseconds, 1..${api.SUBMIT_WAIT_MS_MAX}` });
const BinaryQuery = Type.Object(
  { wait: Type.Optional(api.WaitMode), timeoutMs: Type.Optional(TimeoutMsQuery), receipts: Type.Optional(api.ReceiptDetail) },
  { additionalProperties: false },
);
const TransactionIdParams = Type.Object({ id: api.Hash }, { additionalProperties: false });
const HeightParams = Type.Object({ height: api.U64 }, { additionalProperties: false });
const AccountParams = Type.Object({ accountId: api.AccountId }, { additionalProperties: false });
const WalletParams = Type.Object({ walletId: api.Identifier }, { additionalProperties: false });
const PublicKeyHex = Type.String({ pattern: '^([0-9a-f]{2}){1,512}$', description: 'public key, lowercase hex' });
const SignerParams = Type.Object({ publicKey: PublicKeyHex }, { additionalProperties: false });
const EvidenceLimitQuery = Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: `records per page, 1..${api.EVIDENCE_PAGE_RECORDS_MAX} (default ${api.EVIDENCE_PAGE_RECORDS_MAX})` });
const EvidenceCursor = Type.String({ pattern: '^([0-9a-f]{2}){1,512}$', description: 'the `next` of the previous page' });
const EvidenceQuery = Type.Object(
  { validator: Type.Optional(PublicKeyHex), after: Type.Optional(EvidenceCursor), limit: Type.Optional(EvidenceLimitQuery) },
  { additionalProperties: false },
);

function waitOptions(
  options: ApiOptions,
  wait: api.WaitMode | undefined,
  timeoutMs: number | undefined,
  receipts: api.ReceiptDetail | undefined,
): SubmitOptions {
  return { wait: wait ?? 'none', timeoutMs: timeoutMs ?? options.waitTimeoutMsDefault, receipts: receipts ?? 'full' };
}

async function submitAll(service: NodeService, transactions: readonly Uint8Array[], wait: SubmitOptions): Promise<api.SubmitResult[]> {
  const results = await service.submit(transactions, wait);
  assert(results.length === transactions.length, `service.submit answered ${results.length} results for ${transactions.length} transactions`);
  return results;
}

function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ApiError('NOT_FOUND', `${what} is not known to this node`);
  return value;
}

export const ROUTES: readonly RouteSpec[] = [
  {
    method: 'POST',
    url: '/v1/transactions',
    operationId: 'submitTransaction',
    summary: 'Submit one transaction',
    description: 'HTTP 200 when accepted (or committed, with wait "committed"); 422 with the same SubmitResult shape when rejected.',
    body: 'json',
    schema: { body: api.SubmitRequest, response: { 200: api.SubmitResult, 422: api.SubmitResult } },
    errors: ['MEMPOOL_FULL'],
    async handler(service, options, request, reply) {
      const body = request.body as api.SubmitRequest;
      const transaction = base64ToBytes(body.transaction, 'transaction');
      const [result] = await submitAll(service, [transaction], waitOptions(options, body.wait, body.timeoutMs, body.receipts));
      return reply.code(result!.status === 'rejected' ? 422 : 200).send(result);
    },
  },
  {
    method: 'POST',
    url: '/v1/transactions/batch',
    operationId: 'submitTransactionBatch',
    summary: 'Submit many transactions',
    description: 'HTTP 200 with one result per transaction, in order, whatever each one\'s fate.',
    body: 'json',
    schema: { body: api.SubmitBatchRequest, response: { 200: api.SubmitBatchResponse } },
    errors: ['MEMPOOL_FULL'],
    async handler(service, options, request) {
      const body = request.body as api.SubmitBatchRequest;
      const transactions = body.transactions.map((t, i) => base64ToBytes(t, `transactions[${i}]`));
      return { results: await submitAll(service, transactions, waitOptions(options, body.wait, body.timeoutMs, body.receipts)) };
    },
  },
  {
    method: 'POST',
    url: '/v1/transactions/binary',
    operationId: 'submitTransactionFrames',
    summary: 'Submit many transactions in the compact binary form',
    description:
      'Content-Type application/octet-stream; the body is repeated (u32 big-endian length ‖ encoded Transaction). ' +
      'HTTP 200 with one result per frame, in order; a malformed frame sequence is 400 MALFORMED_REQUEST and submits nothing.',
    body: 'binary',
    schema: { querystring: BinaryQuery, response: { 200: api.SubmitBatchResponse } },
    errors: ['MEMPOOL_FULL'],
    async handler(service, options, request) {
      const query = request.query as { wait?: api.WaitMode; timeoutMs?: string; receipts?: api.ReceiptDetail };
      const timeoutMs = query.timeoutMs === undefined ? undefined : Number(query.timeoutMs);
      if (timeoutMs !== undefined && timeoutMs > api.SUBMIT_WAIT_MS_MAX) {
        throw new ApiError('MALFORMED_REQUEST', `querystring/timeoutMs must be at most ${api.SUBMIT_WAIT_MS_MAX}`, { details: { in: 'querystring' } });
      }
      const frames = decodeTransactionFrames(request.body as Buffer);
      return { results: await submitAll(service, frames, waitOptions(options, query.wait, timeoutMs, query.receipts)) };
    },
  },
  {
    method: 'GET',
    url: '/v1/status',
    operationId: 'getStatus',
    summary: "The node's chain, head and mempool",
    body: 'none',
    schema: { response: { 200: api.StatusResponse } },
    errors: [],
    handler: (service) => service.status(),
  },
  {
    method: 'GET',
    url: '/v1/genesis',
    operationId: 'getGenesis',
    summary: 'The genesis document of the chain and its hash',
    body: 'none',
    schema: { response: { 200: api.GenesisResponse } },
    errors: [],
    handler: (service) => service.genesis(),
  },
  {
    method: 'GET',
    url: '/v1/transactions/:id',
    operationId: 'getTransaction',
    summary: 'A transaction by id: pending in the mempool, or committed with its receipt',
    body: 'none',
    schema: { params: TransactionIdParams, response: { 200: api.TransactionResponse } },
    errors: ['NOT_FOUND'],
    handler(service, _options, request) {
      const { id } = request.params as { id: string };
      return found(service.transaction(hexParamToBytes(id, 'params/id')), `transaction ${id}`);
    },
  },
  {
    method: 'GET',
    url: '/v1/blocks/latest',
    operationId: 'getLatestBlock',
    summary: 'The last committed block',
    body: 'none',
    schema: { response: { 200: api.BlockResponse } },
    errors: ['NOT_FOUND'],
    handler: (service) => found(service.block('latest'), 'the latest block'),
  },
  {
    method: 'GET',
    url: '/v1/blocks/:height',
    operationId: 'getBlock',
    summary: 'A committed block by height',
    body: 'none',
    schema: { params: HeightParams, response: { 200: api.BlockResponse } },
    errors: ['NOT_FOUND'],
    handler(service, _options, request) {
      const { height } = request.params as { height: string };
      return found(service.block(parseHeight(height)), `block ${height}`);
    },
  },
  {
    method: 'GET',
    url: '/v1/accounts/:accountId',
    operationId: 'getAccount',
    summary: 'An account with a state proof against the latest header',
    body: 'none',
    schema: { params: AccountParams, response: { 200: api.AccountResponse } },
    errors: ['NOT_FOUND'],
    handler(service, _options, request) {
      return service.account((request.params as { accountId: string }).accountId);
    },
  },
  {
    method: 'GET',
    url: '/v1/wallets/:walletId',
    operationId: 'getWallet',
    summary: 'A wallet, its balance, and state proofs against the latest header',
    body: 'none',
    schema: { params: WalletParams, response: { 200: api.WalletResponse } },
    errors: ['NOT_FOUND'],
    handler(service, _options, request) {
      return service.wallet((request.params as { walletId: string }).walletId);
    },
  },
  {
    method: 'GET',
    url: '/v1/supply',
    operationId: 'getSupply',
    summary: 'The money supply and each operator\'s quota, outstanding issuance and vault',
    body: 'none',
    schema: { response: { 200: api.SupplyResponse } },
    errors: [],
    handler: (service) => service.supply(),
  },
  {
    method: 'GET',
    url: '/v1/signers/:publicKey',
    operationId: 'getSigner',
    summary: 'A signing key\'s next nonce, committed and pending',
    body: 'none',
    schema: { params: SignerParams, response: { 200: api.SignerResponse } },
    errors: [],
    handler(service, _options, request) {
      return service.signer(hexParamToBytes((request.params as { publicKey: string }).publicKey, 'params/publicKey'));
    },
  },
  {
    method: 'GET',
    url: '/v1/evidence',
    operationId: 'listEvidence',
    summary: "Recorded misbehaviour: validators' conflicting votes and proposals, with the evidence",
    description: 'In state-key order (validator key, epoch, kind, round); `validator` narrows to one key; page with `limit` and `after` = the previous `next`.',
    body: 'none',
    schema: { querystring: EvidenceQuery, response: { 200: api.EvidenceListResponse } },
    errors: [],
    handler(service, _options, request) {
      const query = request.query as { validator?: string; after?: string; limit?: string };
      const limit = query.limit === undefined ? api.EVIDENCE_PAGE_RECORDS_MAX : Number(query.limit);
      if (limit > api.EVIDENCE_PAGE_RECORDS_MAX) {
        throw new ApiError('MALFORMED_REQUEST', `querystring/limit must be at most ${api.EVIDENCE_PAGE_RECORDS_MAX}`, { details: { in: 'querystring' } });
      }
      return service.evidence({
        ...(query.validator === undefined ? {} : { validator: hexParamToBytes(query.validator, 'querystring/validator') }),
        ...(query.after === undefined ? {} : { after: hexParamToBytes(query.after, 'querystring/after') }),
        limit,
      });
    },
  },
  {
    method: 'GET',
    url: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (text exposition format)',
    body: 'none',
    schema: { response: {} },
    errors: [],
    produces: 'text/plain',
    async handler(service, _options, _request, reply) {
      const { contentType, body } = await service.metrics();
      return reply.type(contentType).send(body);
    },
  },
];

/** The WebSocket route, documented in OpenAPI but served by websocket.ts. */
export const SUBSCRIBE_PATH = '/v1/subscribe';
export const OPENAPI_PATH = '/openapi.json';
