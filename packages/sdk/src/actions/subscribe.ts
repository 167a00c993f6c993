import { ReceiptSchema, api, type Receipt, type TongbaoError } from '@tongbao/protocol/portable';
import type { Client, WebSocketLike } from '../clients/createClient.js';
import { InvalidParameterError, InvalidResponseError, SubscriptionError, TongbaoApiError, TongbaoTransportError } from '../errors.js';
import { checkShape, decodeProtoJson } from '../utils/response.js';
import { checkIdentifier, toHashHex } from '../utils/validate.js';

/** What to subscribe to: every block, one wallet's money movements, or one transaction's receipt. */
export type SubscriptionTopic =
  | { readonly subscribe: 'blocks' }
  | { readonly subscribe: 'wallet'; readonly walletId: string }
  | { readonly subscribe: 'receipt'; readonly id: string };

export type SubscriptionEvent =
  | { readonly type: 'block'; readonly height: bigint; readonly hash: string; readonly timestampMs: bigint; readonly transactionCount: number }
  | { readonly type: 'receipt'; readonly id: string; readonly height: bigint; readonly receipt: Receipt }
  | { readonly type: 'wallet'; readonly walletId: string; readonly id: string; readonly height: bigint; readonly receipt: Receipt }
  /** To a receipt subscription: the transaction was ordered into block `height` but left out (it could not consume its nonce). */
  | { readonly type: 'discarded'; readonly id: string; readonly height: bigint; readonly code: string; readonly message: string };

/** 'open' after every (re)connection: a caller that must not miss events catches up by querying then. */
export type SubscriptionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ReconnectOptions {
  /** Pause before the first reconnection attempt; default 250 ms. */
  readonly initialDelayMs?: number;
  /** Cap of the doubling pause; default 10 s. */
  readonly maxDelayMs?: number;
}

export interface SubscribeParameters {
  readonly topics: readonly SubscriptionTopic[];
  /** Receives every event; when given, the async iterator yields nothing. */
  readonly onEvent?: (event: SubscriptionEvent) => void;
  /**
   * Receives errors that do not end the subscription: connection failures (it
   * reconnects) and the node's error messages. Without it, a node error message ends
   * the subscription and the iterator throws it.
   */
  readonly onError?: (error: TongbaoError) => void;
  readonly onStatus?: (status: SubscriptionStatus) => void;
  readonly reconnect?: ReconnectOptions;
  /** Most events buffered for a slow iterator before it fails with SUBSCRIPTION_OVERFLOW; default 10,000. */
  readonly queueCountMax?: number;
}

/** A live subscription: iterate it with for await, or pass onEvent; close() stops everything. */
export interface Subscription extends AsyncIterable<SubscriptionEvent> {
  close(): void;
  readonly status: SubscriptionStatus;
}

export type SubscribeReturnType = Subscription;
export type SubscribeErrorType = InvalidParameterError | SubscriptionError | TongbaoApiError;

/** Most topics one subscription carries. */
export const SUBSCRIPTION_TOPIC_COUNT_MAX = 64;
const decoder = new TextDecoder();

function checkTopic(topic: SubscriptionTopic): api.SubscribeMessage {
  switch (topic?.subscribe) {
    case 'blocks':
      return { subscribe: 'blocks' };
    case 'wallet':
      return { subscribe: 'wallet', walletId: checkIdentifier('walletId', topic.walletId) };
    case 'receipt':
      return { subscribe: 'receipt', id: toHashHex('id', topic.id) };
    default:
      throw new InvalidParameterError(`a topic is { subscribe: 'blocks' | 'wallet' | 'receipt', … }, got ${JSON.stringify(topic)}`);
  }
}

function messageText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return decoder.decode(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (Array.isArray(data)) return data.map(messageText).join(''); // ws fragments
  return String(data);
}

function toEvent(json: unknown): SubscriptionEvent {
  const what = 'subscription event';
  const event = checkShape(api.SubscriptionEvent, json, what);
  switch (event.type) {
    case 'block':
      return {
        type: 'block',
        height: BigInt(event.height),
        hash: event.hash,
        timestampMs: BigInt(event.timestampMs),
        transactionCount: event.transactionCount,
      };
    case 'receipt':
      return { type: 'receipt', id: event.id, height: BigInt(event.height), receipt: decodeProtoJson(ReceiptSchema, event.receipt, what) };
    case 'wallet':
      return {
        type: 'wallet',
        walletId: event.walletId,
        id: event.id,
        height: BigInt(event.height),
        receipt: decodeProtoJson(ReceiptSchema, event.receipt, what),
      };
    case 'discarded':
      return { type: 'discarded', id: event.id, height: BigInt(event.height), code: event.code, message: event.message };
  }
}

/**
 * Subscribes over WebSocket (/v1/subscribe) and keeps the subscription alive: when the
 * connection drops it reconnects after a doubling, jittered pause (capped), and sends
 * every topic again. Events committed while disconnected are not replayed: listen to
 * onStatus('open') to catch up by querying. close() stops reconnection and ends the
 * iterator.
 *
 * @example
 * const sub = subscribe(client, { topics: [{ subscribe: 'wallet', walletId: 'alice' }] })
 * for await (const event of sub) {
 *   if (event.type === 'wallet') console.log('money moved at height', event.height)
 * }
 */
export function subscribe(client: Client, parameters: SubscribeParameters): Subscription {
  const WebSocketImpl = client.WebSocket;
  if (WebSocketImpl === undefined) {
    throw new SubscriptionError('SUBSCRIPTION_UNAVAILABLE', 'no WebSocket available: pass createClient({ WebSocket }) (in Node 20: the ws package)');
  }
  if (!Array.isArray(parameters.topics) || parameters.topics.length === 0 || parameters.topics.length > SUBSCRIPTION_TOPIC_COUNT_MAX) {
    throw new InvalidParameterError(`topics must be an array of 1..${SUBSCRIPTION_TOPIC_COUNT_MAX} topics`);
  }
  const messages = parameters.topics.map((t) => JSON.stringify(checkTopic(t)));
  const initialDelayMs = Math.max(1, parameters.reconnect?.initialDelayMs ?? 250);
  const maxDelayMs = Math.max(initialDelayMs, parameters.reconnect?.maxDelayMs ?? 10_000);
  const queueCountMax = parameters.queueCountMax ?? 10_000;

  let status: SubscriptionStatus = 'connecting';
  let socket: WebSocketLike | undefined;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const queue: SubscriptionEvent[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;

  const setStatus = (next: SubscriptionStatus): void => {
    if (status === next) return;
    status = next;
    parameters.onStatus?.(next);
  };
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (error: Error): void => {
    failure ??= error;
    close();
  };
  const report = (error: TongbaoError): void => {
    if (parameters.onError !== undefined) parameters.onError(error);
  };
  const deliver = (event: SubscriptionEvent): void => {
    if (parameters.onEvent !== undefined) {
      parameters.onEvent(event);
      return;
    }
    if (queue.length >= queueCountMax) {
      fail(new SubscriptionError('SUBSCRIPTION_OVERFLOW', `the consumer fell ${queueCountMax} events behind; the subscription was closed`));
      return;
    }
    queue.push(event);
    notify();
  };

  function connect(): void {
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl!(client.subscribeUrl);
    } catch (cause) {
      report(new TongbaoTransportError('NETWORK_ERROR', `cannot open ${client.subscribeUrl}`, { cause }));
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      attempt = 0;
      for (const message of messages) ws.send(message);
      setStatus('open');
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (socket !== ws) return;
      let json: unknown;
      try {
        json = JSON.parse(messageText(event.data));
      } catch (cause) {
        report(new InvalidResponseError('a subscription message is not JSON', { cause }));
        return;
      }
      const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (error !== undefined && typeof error?.code === 'string') {
        const apiError = new TongbaoApiError(error.code, String(error.message ?? ''), 0);
        if (parameters.onError !== undefined) parameters.onError(apiError);
        else fail(apiError);
        return;
      }
      try {
        deliver(toEvent(json));
      } catch (cause) {
        report(cause as TongbaoError);
      }
    };
    ws.onerror = () => {
      // onclose follows; the reconnection is decided there.
    };
    ws.onclose = (event: { code?: number; reason?: unknown }) => {
      if (socket !== ws) return;
      socket = undefined;
      if (status === 'closed') return;
      report(
        new TongbaoTransportError('NETWORK_ERROR', `the subscription connection closed (code ${event?.code ?? '?'}); reconnecting`, {
          details: { url: client.subscribeUrl, code: event?.code },
        }),
      );
      scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    if (status === 'closed') return;
    setStatus('reconnecting');
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
    attempt++;
    // Half fixed, half random: many clients dropped at once do not return at once.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    timer = setTimeout(() => {
      timer = undefined;
      if (status !== 'closed') connect();
    }, delay);
  }

  function close(): void {
    if (status === 'closed') return;
    setStatus('closed');
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const ws = socket;
    socket = undefined;
    if (ws !== undefined) {
      try {
        ws.close(1000, 'closed by client');
      } catch {
        // already closing
      }
    }
    notify();
  }

  parameters.onStatus?.('connecting');
  connect();

  return {
    close,
    get status() {
      return status;
    },
    [Symbol.asyncIterator](): AsyncIterator<SubscriptionEvent> {
      return {
        async next(): Promise<IteratorResult<SubscriptionEvent>> {
          for (;;) {
            const event = queue.shift();
            if (event !== undefined) return { value: event, done: false };
            if (failure !== undefined) {
              const error = failure;
              failure = undefined;
              throw error;
            }
            if (status === 'closed') return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        async return(): Promise<IteratorResult<SubscriptionEvent>> {
          close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
