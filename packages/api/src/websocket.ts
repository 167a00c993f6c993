/**
 * GET /v1/subscribe: WebSocket subscriptions. Each client message is a ClientMessage
 * (subscribe or unsubscribe, JSON); the server answers each with a SubscriptionAck or an
 * ErrorBody and keeps the connection open either way, and pushes SubscriptionEvent JSON
 * for every live subscription. Limits: open connections over all clients, subscriptions
 * per connection, bytes per client message (enforced by ws itself: close code 1009),
 * bytes of events left unread by a client (past it the connection is terminated).
 * Closing the connection ends every subscription it held.
 */
import { api } from '@tongbao/protocol';
import { Compile } from 'typebox/compile';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError, toErrorReply } from './errors.js';
import type { NodeService, SubscriptionTopic } from './node-service.js';
import type { ApiOptions } from './options.js';
import { SUBSCRIBE_PATH } from './routes.js';

const clientMessage = Compile(api.ClientMessage);

/** Close code for "try again later" (RFC 6455 registry). */
export const WS_CLOSE_TRY_AGAIN_LATER = 1013;

function topicOf(message: api.ClientMessage): { topic: SubscriptionTopic; key: string; echo: { walletId?: string; id?: string } } {
  const kind = 'subscribe' in message ? message.subscribe : message.unsubscribe;
  if (kind === 'wallet') {
    const walletId = (message as { walletId: string }).walletId;
    return { topic: { kind, walletId }, key: `wallet/${walletId}`, echo: { walletId } };
  }
  if (kind === 'receipt') {
    const id = (message as { id: string }).id;
    return { topic: { kind, id }, key: `receipt/${id}`, echo: { id } };
  }
  return { topic: { kind: 'blocks' }, key: 'blocks', echo: {} };
}

function errorMessage(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } } satisfies api.ErrorBody);
}

export interface WebSocketState {
  /** Connections open now. */
  connections(): number;
}

export function registerSubscriptions(app: FastifyInstance, service: NodeService, options: ApiOptions): WebSocketState {
  let open = 0;
  app.route({
    method: 'GET',
    url: SUBSCRIBE_PATH,
    // A clean HTTP answer before the upgrade when the server is full (the wsHandler
    // checks again, since two upgrades may pass this point together).
    preValidation: async () => {
      if (open >= options.websocketConnectionsMax) {
        throw new ApiError('TOO_MANY_CONNECTIONS', `this node serves at most ${options.websocketConnectionsMax} WebSocket connections; retry later`);
      }
    },
    handler: async () => {
      throw new ApiError('UPGRADE_REQUIRED', `${SUBSCRIBE_PATH} is a WebSocket endpoint: connect with an Upgrade: websocket request`);
    },
    wsHandler: (socket: WebSocket) => {
      if (open >= options.websocketConnectionsMax) {
        socket.close(WS_CLOSE_TRY_AGAIN_LATER, 'too many connections');
        return;
      }
      open++;
      const subscriptions = new Map<string, () => void>();
      const send = (text: string): void => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > options.websocketBufferedBytesMax) {
          // A client that does not read: drop it at once (a closing handshake would
          // queue behind the very bytes it is not reading). 'close' still runs.
          socket.terminate();
          return;
        }
        socket.send(text);
      };
      socket.on('message', (data, isBinary) => {
        let parsed: unknown;
        try {
          parsed = isBinary ? undefined : JSON.parse(data.toString());
        } catch {
          parsed = undefined;
        }
        if (parsed === undefined || !clientMessage.Check(parsed)) {
          send(errorMessage('MALFORMED_REQUEST', 'a message must be a JSON ClientMessage: {"subscribe":"blocks"}, {"subscribe":"wallet","walletId":…}, {"subscribe":"receipt","id":<64 hex>} or the same with "unsubscribe"'));
          return;
        }
        const message = parsed;
        const { topic, key, echo } = topicOf(message);
        try {
          handle(message, topic, key, echo);
        } catch (error) {
          const reply = toErrorReply(error);
          if (reply.internal) app.log.error({ err: error }, 'subscription failed');
          send(JSON.stringify(reply.body));
        }
      });
      const handle = (message: api.ClientMessage, topic: SubscriptionTopic, key: string, echo: { walletId?: string; id?: string }): void => {
        if ('subscribe' in message) {
          if (!subscriptions.has(key)) {
            if (subscriptions.size >= options.websocketSubscriptionsPerConnectionMax) {
              send(errorMessage('TOO_MANY_SUBSCRIPTIONS', `a connection holds at most ${options.websocketSubscriptionsPerConnectionMax} subscriptions; unsubscribe first`));
              return;
            }
            subscriptions.set(key, service.subscribe(topic, (event) => send(JSON.stringify(event))));
          }
          send(JSON.stringify({ subscribed: topic.kind, ...echo } satisfies api.SubscriptionAck));
        } else {
          subscriptions.get(key)?.();
          subscriptions.delete(key);
          send(JSON.stringify({ unsubscribed: topic.kind, ...echo } satisfies api.SubscriptionAck));
        }
      };
      socket.on('close', () => {
        open--;
        for (const unsubscribe of subscriptions.values()) unsubscribe();
        subscriptions.clear();
      });
    },
  });
  return { connections: () => open };
}
