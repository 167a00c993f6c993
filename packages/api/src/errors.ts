/**
 * The API's error codes and the one table that maps each to an HTTP status. Every
 * error answer, whatever raised it (a route, the service, Fastify's parser or
 * validator, the rate limiter, the router), leaves through `toErrorReply` and has the
 * ErrorBody shape `{ error: { code, message, details? } }`. Codes are never renamed.
 */
import { TongbaoError } from '@tongbao/protocol';
import type { api } from '@tongbao/protocol';

export const ERROR_STATUS = {
  MALFORMED_REQUEST: 400,
  INVALID_QUERY: 400,
  MALFORMED_ENCODING: 400,
  NON_CANONICAL_ENCODING: 400,
  NOT_FOUND: 404,
  OVERSIZED: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  MEMPOOL_FULL: 503,
  SHUTTING_DOWN: 503,
  TOO_MANY_CONNECTIONS: 503,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof ERROR_STATUS;

/** Codes that only appear inside a SubmitResult or a WebSocket message, never as an HTTP answer. */
export const MESSAGE_ONLY_CODES = ['WAIT_TIMEOUT', 'TOO_MANY_SUBSCRIPTIONS'] as const;

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/** An operational error raised by the API layer itself. */
export class ApiError extends TongbaoError {
  declare readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'ApiError';
  }
}

/** The errors Fastify and its plugins raise, by their code, mapped onto ours. */
const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'OVERSIZED',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_ASYNC_CONSTRAINT: 'MALFORMED_REQUEST',
};

export interface ErrorReply {
  statusCode: number;
  body: api.ErrorBody;
}

function body(code: string, message: string, details?: Readonly<Record<string, unknown>>): api.ErrorBody {
  return details !== undefined && Object.keys(details).length > 0
    ? { error: { code, message, details: { ...details } } }
    : { error: { code, message } };
}

/** Fastify's messages may quote the request's path: keep an answer small whatever was sent. */
function clip(message: string): string {
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

const INTERNAL_REPLY: ErrorReply = {
  statusCode: 500,
  body: body('INTERNAL', 'the node failed to answer this request; the failure is logged on the node'),
};

/**
 * What to answer for an error. `internal` is true when the error is a bug or an
 * unexpected failure that must be logged (its message is never sent).
 */
export function toErrorReply(error: unknown): ErrorReply & { internal: boolean } {
  if (error instanceof TongbaoError) {
    if (isApiErrorCode(error.code) && error.code !== 'INTERNAL') {
      return { statusCode: ERROR_STATUS[error.code], body: body(error.code, error.message, error.details), internal: false };
    }
    return { ...INTERNAL_REPLY, internal: true };
  }
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown; validationContext?: unknown };
    const message = typeof e.message === 'string' ? e.message : 'malformed request';
    if (Array.isArray(e.validation)) {
      const where = typeof e.validationContext === 'string' ? e.validationContext : 'request';
      return { statusCode: 400, body: body('MALFORMED_REQUEST', clip(message), { in: where }), internal: false };
    }
    const mapped = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
    if (mapped !== undefined) return { statusCode: ERROR_STATUS[mapped], body: body(mapped, clip(message)), internal: false };
    // Any other client error Fastify raised on its own (it sets a 4xx statusCode):
    // the request was at fault, so it is a malformed request with that status.
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && typeof e.code === 'string' && e.code.startsWith('FST_')) {
      const code: ApiErrorCode = e.statusCode === 413 ? 'OVERSIZED' : e.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : e.statusCode === 404 ? 'NOT_FOUND' : 'MALFORMED_REQUEST';
      return { statusCode: ERROR_STATUS[code], body: body(code, clip(message)), internal: false };
    }
    // A JSON body that does not parse (secure-json-parse raises a SyntaxError with 400).
    if (error instanceof SyntaxError && e.statusCode === 400) {
      return { statusCode: 400, body: body('MALFORMED_REQUEST', clip(`body is not valid JSON: ${message}`)), internal: false };
    }
  }
  return { ...INTERNAL_REPLY, internal: true };
}

/** The fields of an Ajv error that a message is built from. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * One sentence for a failed validation, naming the field: Ajv reports a failed `anyOf`
 * of literals (WaitMode, the subscription kinds) as one "must be equal to constant" per
 * branch plus "must match a schema in anyOf"; say "must be one of …" instead.
 */
export function schemaErrorMessage(errors: readonly SchemaError[], dataVar: string): string {
  const first = errors[0];
  if (first === undefined) return `${dataVar} is invalid`;
  const where = `${dataVar}${first.instancePath}`;
  const allowed = errors
    .filter((e) => e.instancePath === first.instancePath && e.keyword === 'const')
    .map((e) => JSON.stringify(e.params.allowedValue));
  if (allowed.length > 0) return `${where} must be one of ${allowed.join(', ')}`;
  if (first.keyword === 'additionalProperties') return `${where} must NOT have additional properties (found ${JSON.stringify(first.params.additionalProperty)})`;
  return `${where} ${first.message ?? 'is invalid'}`;
}
