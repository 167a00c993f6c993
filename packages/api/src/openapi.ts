/**
 * The OpenAPI 3.1 document, assembled by hand from the route table and the shared
 * TypeBox shapes. OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what TypeBox
 * emits, so the shapes go in unchanged: named shapes become components and are
 * referenced, anything else is inlined. Every route lists every error it may answer.
 */
import { api } from '@tongbao/protocol';
import type { TSchema } from 'typebox';
import { ERROR_STATUS, MESSAGE_ONLY_CODES, type ApiErrorCode } from './errors.js';
import { BODY_ERRORS, COMMON_ERRORS, OPENAPI_PATH, ROUTES, SUBSCRIBE_PATH, type RouteSpec } from './routes.js';

/** The shapes published as components, by name. */
const COMPONENTS: Readonly<Record<string, TSchema>> = {
  ErrorBody: api.ErrorBody,
  SubmitRequest: api.SubmitRequest,
  SubmitBatchRequest: api.SubmitBatchRequest,
  SubmitResult: api.SubmitResult,
  SubmitBatchResponse: api.SubmitBatchResponse,
  StatusResponse: api.StatusResponse,
  GenesisResponse: api.GenesisResponse,
  TransactionResponse: api.TransactionResponse,
  BlockResponse: api.BlockResponse,
  AccountResponse: api.AccountResponse,
  WalletResponse: api.WalletResponse,
  SupplyResponse: api.SupplyResponse,
  SignerResponse: api.SignerResponse,
  EvidenceListResponse: api.EvidenceListResponse,
  SubscribeMessage: api.SubscribeMessage,
  UnsubscribeMessage: api.UnsubscribeMessage,
  ClientMessage: api.ClientMessage,
  SubscriptionAck: api.SubscriptionAck,
  SubscriptionEvent: api.SubscriptionEvent,
};
const NAME_OF = new Map<TSchema, string>(Object.entries(COMPONENTS).map(([name, schema]) => [schema, name]));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A plain JSON copy (TypeBox marks schemas with symbol keys, which JSON leaves out). */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

function ref(schema: TSchema): Json {
  const name = NAME_OF.get(schema);
  return name === undefined ? plain(schema) : { $ref: `#/components/schemas/${name}` };
}

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, '{$1}');
}

const json = (schema: TSchema): Json => ({ 'application/json': { schema: ref(schema) } });

function errorResponses(codes: readonly ApiErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const unique = [...new Set(list)].sort();
    out[String(status)] = {
      description: `ErrorBody with error.code ${unique.join(' | ')}`,
      content: json(api.ErrorBody),
      ...(status === 429 ? { headers: { 'Retry-After': { description: 'seconds until the window resets', schema: { type: 'integer' } } } } : {}),
    };
  }
  return out;
}

function parameters(route: RouteSpec): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', route.schema.params], ['query', route.schema.querystring]] as const) {
    if (schema === undefined) continue;
    const object = schema as TSchema & { properties: Record<string, TSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties)) {
      out.push({ name, in: where, required: where === 'path' || (object.required ?? []).includes(name), schema: plain(property) });
    }
  }
  return out;
}

function operation(route: RouteSpec): Json {
  const errors = [...COMMON_ERRORS, ...(route.body === 'none' ? [] : BODY_ERRORS), ...route.errors];
  const responses: Record<string, Json> = {};
  for (const [status, schema] of Object.entries(route.schema.response)) {
    responses[status] = { description: status === '422' ? 'rejected: a SubmitResult with status rejected and its error' : 'success', content: json(schema) };
  }
  if (route.produces !== undefined) {
    responses['200'] = { description: 'success', content: { [route.produces]: { schema: { type: 'string' } } } };
  }
  const op: Record<string, Json> = {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    parameters: parameters(route),
    responses: { ...responses, ...errorResponses(errors) },
  };
  if (route.body === 'json' && route.schema.body !== undefined) {
    op.requestBody = { required: true, content: json(route.schema.body) };
  } else if (route.body === 'binary') {
    op.requestBody = {
      required: true,
      description: 'repeated (u32 big-endian length ‖ encoded tongbao.v1.Transaction)',
      content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
    };
  }
  return op;
}

export interface OpenApiInfo {
  title?: string;
  version?: string;
}

/** The whole document, a plain JSON value. */
export function buildOpenApiDocument(info: OpenApiInfo = {}): Record<string, Json> {
  const paths: Record<string, Record<string, Json>> = {};
  const add = (path: string, method: string, op: Json): void => {
    paths[path] = { ...(paths[path] ?? {}), [method]: op };
  };
  for (const route of ROUTES) add(openApiPath(route.url), route.method.toLowerCase(), operation(route));
  add(SUBSCRIBE_PATH, 'get', {
    operationId: 'subscribe',
    summary: 'WebSocket subscriptions to blocks, wallets and receipts',
    description:
      'Upgrade to a WebSocket. The client sends ClientMessage JSON messages (subscribe or unsubscribe); the server answers each ' +
      'with a SubscriptionAck or an ErrorBody (error.code MALFORMED_REQUEST or TOO_MANY_SUBSCRIPTIONS; the connection stays open), ' +
      'and pushes SubscriptionEvent JSON messages. Subscriptions end when the connection closes.',
    parameters: [],
    responses: {
      '101': { description: 'switching to the WebSocket protocol' },
      ...errorResponses([...COMMON_ERRORS, 'TOO_MANY_CONNECTIONS', 'UPGRADE_REQUIRED']),
    },
  });
  add(OPENAPI_PATH, 'get', {
    operationId: 'getOpenApi',
    summary: 'This document',
    parameters: [],
    responses: { '200': { description: 'the OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } }, ...errorResponses(COMMON_ERRORS) },
  });
  const schemas: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(COMPONENTS)) schemas[name] = plain(schema);
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Tongbao node API',
      version: info.version ?? '1',
      description:
        'Client API of a Tongbao node. Errors always have the ErrorBody shape; codes are stable. ' +
        `Codes found only inside results and WebSocket messages: ${MESSAGE_ONLY_CODES.join(', ')}.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: { schemas },
  };
}
