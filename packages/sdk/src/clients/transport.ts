/**
 * The HTTP transport: one request over the injected fetch, with a deadline, errors mapped
 * onto TongbaoApiError / TongbaoTransportError, and retries for GETs only. GETs are
 * idempotent reads; a POST that failed in transit may still have reached the node, so
 * resending it blindly could submit twice (a transaction with a used nonce is refused,
 * but the caller deserves to decide).
 */
import { TongbaoApiError, TongbaoTransportError } from '../errors.js';

/** The part of `fetch` the SDK uses: the global one in browsers and Node ≥ 18. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array; signal: AbortSignal },
) => Promise<{
  readonly status: number;
  readonly ok: boolean;
  text(): Promise<string>;
}>;

export interface TransportConfig {
  readonly url: string;
  readonly fetch: FetchLike;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly retryCount: number;
  readonly retryDelayMs: number;
}

export interface RequestParameters {
  readonly method: 'GET' | 'POST';
  /** Below the base URL, e.g. '/v1/status'. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** A JSON body (POST). */
  readonly json?: unknown;
  /** A binary body sent as application/octet-stream (POST). */
  readonly binary?: Uint8Array;
  /** Overrides the client's deadline, e.g. for a submission that waits for a commit. */
  readonly timeoutMs?: number;
}

/** Hard ceiling on retries of one GET, whatever the client is configured with. */
export const RETRY_COUNT_MAX = 10;
/** Longest pause between two attempts of a GET. */
export const RETRY_DELAY_MS_MAX = 5_000;
/** Statuses worth retrying a GET on: the node is overloaded or restarting. */
const RETRIABLE_STATUSES = new Set([429, 502, 503, 504]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function buildUrl(base: string, path: string, query: RequestParameters['query']): string {
  let url = base + path;
  if (query !== undefined) {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    }
    if (parts.length > 0) url += `?${parts.join('&')}`;
  }
  return url;
}

function errorFromBody(status: number, text: string, url: string): TongbaoApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: unknown } | undefined)?.error as
    | { code?: unknown; message?: unknown; details?: unknown }
    | undefined;
  if (error !== undefined && typeof error.code === 'string' && typeof error.message === 'string') {
    const details =
      typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : undefined;
    return new TongbaoApiError(error.code, error.message, status, details === undefined ? {} : { details });
  }
  // Not our error body: a proxy, a load balancer or a crashed node answered.
  return new TongbaoApiError(`HTTP_${status}`, `the server answered HTTP ${status} without an error body`, status, {
    details: { url, body: text.slice(0, 200) },
  });
}

async function attempt(config: TransportConfig, parameters: RequestParameters, url: string): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json', ...config.headers };
  let body: string | Uint8Array | undefined;
  if (parameters.binary !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = parameters.binary;
  } else if (parameters.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(parameters.json);
  }
  const controller = new AbortController();
  const timeoutMs = parameters.timeoutMs ?? config.timeoutMs;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let status: number;
  let text: string;
  try {
    const response = await config.fetch(url, {
      method: parameters.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: controller.signal,
    });
    status = response.status;
    text = await response.text();
  } catch (cause) {
    if (controller.signal.aborted) {
      throw new TongbaoTransportError('TIMEOUT', `${parameters.method} ${url} got no answer within ${timeoutMs} ms`, {
        details: { url, method: parameters.method, timeoutMs },
        cause,
      });
    }
    throw new TongbaoTransportError('NETWORK_ERROR', `${parameters.method} ${url} failed: ${(cause as Error)?.message ?? cause}`, {
      details: { url, method: parameters.method },
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
  if (status < 200 || status >= 300) throw errorFromBody(status, text, url);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TongbaoApiError('INVALID_JSON', `${parameters.method} ${url} answered HTTP ${status} with a body that is not JSON`, status, {
      details: { url, body: text.slice(0, 200) },
      cause,
    });
  }
}

function isRetriable(error: unknown): boolean {
  if (error instanceof TongbaoTransportError) return true;
  return error instanceof TongbaoApiError && RETRIABLE_STATUSES.has(error.httpStatus);
}

/** Sends one request; GETs are retried with doubling pauses on network errors and 429/502/503/504. */
export async function request(config: TransportConfig, parameters: RequestParameters): Promise<unknown> {
  const url = buildUrl(config.url, parameters.path, parameters.query);
  const retries = parameters.method === 'GET' ? Math.min(config.retryCount, RETRY_COUNT_MAX) : 0;
  for (let i = 0; ; i++) {
    try {
      return await attempt(config, parameters, url);
    } catch (error) {
      if (i >= retries || !isRetriable(error)) throw error;
      await sleep(Math.min(config.retryDelayMs * 2 ** i, RETRY_DELAY_MS_MAX));
    }
  }
}
