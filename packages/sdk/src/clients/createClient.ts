import type { SuiteName } from '@tongbao/protocol/portable';
import { InvalidParameterError, InvalidResponseError } from '../errors.js';
import { request, type FetchLike, type RequestParameters, type TransportConfig } from './transport.js';

/**
 * The part of the WebSocket API the SDK uses: the browser's `WebSocket`, or in Node the
 * `ws` package's (`import WebSocket from 'ws'`), passed to createClient.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ClientConfig {
  /** The node's base URL, e.g. 'http://127.0.0.1:8080'. */
  readonly url: string;
  /** The chain's crypto suite; asked of the node (GET /v1/status) when absent. */
  readonly suite?: SuiteName;
  /** The chain id to sign for; asked of the node when absent. */
  readonly chainId?: string;
  /** Defaults to globalThis.fetch. */
  readonly fetch?: FetchLike;
  /** Defaults to globalThis.WebSocket (browsers, Node ≥ 22); in Node 20 pass `ws`. */
  readonly WebSocket?: WebSocketConstructor;
  /** Sent with every HTTP request (e.g. an authorization header). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline of one HTTP request; default 30 s. */
  readonly timeoutMs?: number;
  /** Retries of a failed GET; default 3, at most 10. POSTs are never retried. */
  readonly retryCount?: number;
  /** First pause before a GET is retried, doubling each time; default 200 ms. */
  readonly retryDelayMs?: number;
}

/** What signing needs to know about the chain. */
export interface ChainContext {
  readonly chainId: string;
  readonly suite: SuiteName;
}

export interface BaseClient {
  /** The base URL, without a trailing slash. */
  readonly url: string;
  /** The WebSocket subscription URL (ws:// or wss://…/v1/subscribe). */
  readonly subscribeUrl: string;
  readonly transport: TransportConfig;
  readonly WebSocket: WebSocketConstructor | undefined;
  /** One HTTP request; the JSON answer, or a thrown TongbaoApiError / TongbaoTransportError. */
  request(parameters: RequestParameters): Promise<unknown>;
  /** The chain id and suite: from the config, else asked once of the node and kept. */
  getChainContext(): Promise<ChainContext>;
}

/** A client extended with the members `extend` added. */
export type Client<TExtended extends object = {}> = BaseClient &
  TExtended & {
    /**
     * A new client with the members `fn` returns added; `fn` receives this client.
     * @example
     * const client = createClient({ url }).extend(tongbaoActions)
     */
    extend<TMore extends object>(fn: (client: Client<TExtended>) => TMore): Client<TExtended & TMore>;
  };

function extendWith<T extends object>(base: Client<T>) {
  return <TMore extends object>(fn: (client: Client<T>) => TMore): Client<T & TMore> => {
    const extended = { ...base, ...fn(base) } as Client<T & TMore>;
    (extended as { extend: unknown }).extend = extendWith(extended);
    return extended;
  };
}

const CHAIN_ID_PATTERN = /^.{1,64}$/su;

/**
 * A bare client: the HTTP transport over fetch, the WebSocket constructor and the chain
 * context. Add actions with `extend(tongbaoActions)`, or call actions as functions over
 * it (`getStatus(client)`), which lets bundlers drop the actions an application does not
 * use.
 *
 * @example
 * import WebSocket from 'ws' // Node 20 only; browsers have WebSocket
 * const client = createClient({ url: 'http://127.0.0.1:8080', WebSocket })
 * const status = await getStatus(client)
 */
export function createClient(config: ClientConfig): Client {
  if (typeof config?.url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(config.url)) {
    throw new InvalidParameterError(`url must be an http:// or https:// URL, got ${JSON.stringify(config?.url)}`);
  }
  if (config.suite !== undefined && config.suite !== 'ed25519' && config.suite !== 'sm2') {
    throw new InvalidParameterError(`suite must be 'ed25519' or 'sm2', got ${JSON.stringify(config.suite)}`);
  }
  if (config.chainId !== undefined && !CHAIN_ID_PATTERN.test(config.chainId)) {
    throw new InvalidParameterError('chainId must be 1..64 characters');
  }
  const fetchFn = config.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (fetchFn === undefined) throw new InvalidParameterError('no fetch available: pass config.fetch');
  const url = config.url.replace(/\/+$/, '');
  const transport: TransportConfig = {
    url,
    fetch: config.fetch ?? ((input, init) => (globalThis.fetch as unknown as FetchLike)(input, init)),
    headers: { ...config.headers },
    timeoutMs: config.timeoutMs ?? 30_000,
    retryCount: config.retryCount ?? 3,
    retryDelayMs: config.retryDelayMs ?? 200,
  };
  const WebSocketImpl =
    config.WebSocket ?? ((globalThis as { WebSocket?: unknown }).WebSocket as WebSocketConstructor | undefined);

  let chainContext: Promise<ChainContext> | undefined;
  const getChainContext = (): Promise<ChainContext> => {
    if (config.suite !== undefined && config.chainId !== undefined) {
      return Promise.resolve({ chainId: config.chainId, suite: config.suite });
    }
    chainContext ??= request(transport, { method: 'GET', path: '/v1/status' }).then(
      (status) => {
        const { chainId, cryptoSuite } = (status ?? {}) as { chainId?: unknown; cryptoSuite?: unknown };
        if (typeof chainId !== 'string' || (cryptoSuite !== 'ed25519' && cryptoSuite !== 'sm2')) {
          throw new InvalidResponseError('GET /v1/status did not name the chain id and crypto suite');
        }
        if (config.suite !== undefined && config.suite !== cryptoSuite) {
          throw new InvalidParameterError(`the client is configured for suite ${config.suite} but the node's chain uses ${cryptoSuite}`);
        }
        if (config.chainId !== undefined && config.chainId !== chainId) {
          throw new InvalidParameterError(`the client is configured for chain ${config.chainId} but the node serves ${chainId}`);
        }
        return { chainId, suite: cryptoSuite };
      },
      (error: unknown) => {
        chainContext = undefined; // ask again next time
        throw error;
      },
    );
    return chainContext;
  };

  const base = {
    url,
    subscribeUrl: `${url.replace(/^http/i, 'ws')}/v1/subscribe`,
    transport,
    WebSocket: WebSocketImpl,
    request: (parameters: RequestParameters) => request(transport, parameters),
    getChainContext,
  } as Client;
  (base as { extend: unknown }).extend = extendWith(base);
  return base;
}
