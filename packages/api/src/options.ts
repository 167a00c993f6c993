/**
 * The API server's limits, every one named with its unit last and checked when the
 * server is created, so a bad configuration fails at start-up with a sentence that says
 * which limit and why, never later under load.
 */
import { TongbaoError, api } from '@tongbao/protocol';
import type { FastifyBaseLogger } from 'fastify';

export interface ApiOptions {
  /** Largest JSON request body, in bytes (a batch of base64 transactions is the largest). */
  bodyBytesMax: number;
  /** Largest body of POST /v1/transactions/binary, in bytes. */
  binaryBodyBytesMax: number;
  /** Requests one client (by IP address) may make per rate-limit window. */
  rateLimitRequestsMax: number;
  /** Length of the rate-limit window, in milliseconds. */
  rateLimitWindowMs: number;
  /** Open WebSocket connections, over all clients. */
  websocketConnectionsMax: number;
  /** Subscriptions one WebSocket connection may hold. */
  websocketSubscriptionsPerConnectionMax: number;
  /** Largest message a WebSocket client may send, in bytes. */
  websocketMessageBytesMax: number;
  /**
   * Bytes of events a WebSocket client may leave unread before it is disconnected: a
   * client that stops reading must not make the node buffer without bound.
   */
  websocketBufferedBytesMax: number;
  /** How long a submission with wait 'committed' waits when the request names no timeoutMs. */
  waitTimeoutMsDefault: number;
  /** Take the client address from X-Forwarded-For (only behind a trusted proxy). */
  trustProxy: boolean;
  /** Where Fastify logs (the node passes its pino logger); none when absent. */
  logger?: FastifyBaseLogger;
}

export const API_OPTIONS_DEFAULT: Readonly<Omit<ApiOptions, 'logger'>> = Object.freeze({
  bodyBytesMax: 4 * 1024 * 1024,
  binaryBodyBytesMax: 16 * 1024 * 1024,
  rateLimitRequestsMax: 6_000,
  rateLimitWindowMs: 60_000,
  websocketConnectionsMax: 1_000,
  websocketSubscriptionsPerConnectionMax: 64,
  websocketMessageBytesMax: 4_096,
  websocketBufferedBytesMax: 4 * 1024 * 1024,
  waitTimeoutMsDefault: 10_000,
  trustProxy: false,
});

/** Hard ceilings no configuration may pass: beyond them a single request could exhaust the node. */
export const BODY_BYTES_CEILING = 256 * 1024 * 1024;
const INTEGER_BOUNDS: ReadonlyArray<readonly [keyof ApiOptions, number, number]> = [
  ['bodyBytesMax', 64, BODY_BYTES_CEILING],
  ['binaryBodyBytesMax', 64, BODY_BYTES_CEILING],
  ['rateLimitRequestsMax', 1, 1_000_000_000],
  ['rateLimitWindowMs', 1, 24 * 60 * 60 * 1000],
  ['websocketConnectionsMax', 1, 1_000_000],
  ['websocketSubscriptionsPerConnectionMax', 1, 1_000_000],
  ['websocketMessageBytesMax', 64, 1024 * 1024],
  ['websocketBufferedBytesMax', 1024, 1024 * 1024 * 1024],
  ['waitTimeoutMsDefault', 1, api.SUBMIT_WAIT_MS_MAX],
];

function invalid(name: string, message: string, value: unknown): TongbaoError {
  return new TongbaoError('INVALID_API_OPTIONS', `API option ${name} ${message}`, { details: { option: name, value: String(value) } });
}

/** Fills defaults and checks every limit; throws a TongbaoError INVALID_API_OPTIONS naming the first bad one. */
export function resolveApiOptions(options: Partial<ApiOptions> = {}): ApiOptions {
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(API_OPTIONS_DEFAULT, key) && key !== 'logger') throw invalid(key, 'is not a known option', (options as Record<string, unknown>)[key]);
  }
  const resolved: ApiOptions = { ...API_OPTIONS_DEFAULT, ...options };
  for (const [name, low, high] of INTEGER_BOUNDS) {
    const value = resolved[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(name, 'must be an integer', value);
    if (value < low || value > high) throw invalid(name, `must be between ${low} and ${high}, got ${value}`, value);
  }
  if (typeof resolved.trustProxy !== 'boolean') throw invalid('trustProxy', 'must be a boolean', resolved.trustProxy);
  return resolved;
}
