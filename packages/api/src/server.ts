/**
 * createApiServer: the node's HTTP + JSON and WebSocket interface as a Fastify
 * instance. The node creates it with its NodeService and calls `listen`; tests call
 * `inject`. Everything that answers an error goes through one error handler and the
 * table in errors.ts.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { api } from '@tongbao/protocol';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import { ApiError, schemaErrorMessage, toErrorReply, type SchemaError } from './errors.js';
import type { NodeService } from './node-service.js';
import { resolveApiOptions, type ApiOptions } from './options.js';
import { buildOpenApiDocument } from './openapi.js';
import { OPENAPI_PATH, ROUTES, type RouteSpec } from './routes.js';
import { registerSubscriptions } from './websocket.js';

/** Longest path parameter accepted (a 512-byte key in hex plus slack); longer ones do not match a route. */
const PARAM_CHARS_MAX = 1_100;

export function createApiServer(service: NodeService, options: Partial<ApiOptions> = {}): FastifyInstance {
  const limits = resolveApiOptions(options);
  const app = Fastify({
    ...(limits.logger === undefined ? { logger: false } : { loggerInstance: limits.logger }),
    // A line per request would dominate the log at the rates high-rate clients submit;
    // failures (500s) are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytesMax,
    trustProxy: limits.trustProxy,
    routerOptions: { maxParamLength: PARAM_CHARS_MAX },
    // Fastify's own 503 while closing is not an ErrorBody; the onRequest hook below answers instead.
    return503OnClosing: false,
    // Errors the router raises before any route (bad percent-encoding, overlong
    // parameters) go through the same table instead of Fastify's own body.
    frameworkErrors: (error, _request, reply) => {
      const { statusCode, body } = toErrorReply(error);
      void (reply as FastifyReply).code(statusCode).type('application/json; charset=utf-8').send(body);
    },
    schemaErrorFormatter: (errors, dataVar) => new Error(schemaErrorMessage(errors as unknown as SchemaError[], dataVar)),
    ajv: {
      // Reject what does not match, never repair it: no stripping of extra fields, no
      // coercion of "1" to 1, no defaults filled in.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  }) as unknown as FastifyInstance;

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError('SHUTTING_DOWN', 'the node is shutting down; retry against another node');
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { statusCode, body, internal } = toErrorReply(error);
    if (internal) request.log.error({ err: error }, 'request failed');
    return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
  });

  void app.register(rateLimit, {
    global: true,
    max: limits.rateLimitRequestsMax,
    timeWindow: limits.rateLimitWindowMs,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMITED', `more than ${context.max} requests in ${limits.rateLimitWindowMs} ms from this address; retry in ${context.after}`, {
        details: { requestsMax: context.max, retryAfterMs: context.ttl },
      }),
  });
  void app.register(websocket, { options: { maxPayload: limits.websocketMessageBytesMax } });

  void app.register(async (scope) => {
    scope.setNotFoundHandler({ preHandler: scope.rateLimit() }, async (request) => {
      throw new ApiError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`);
    });
    registerSubscriptions(scope, service, limits);
    scope.get(OPENAPI_PATH, async () => openApi);

    // JSON routes: application/json only (Fastify also parses text/plain by default).
    void scope.register(async (jsonScope) => {
      jsonScope.removeContentTypeParser('text/plain');
      for (const route of ROUTES.filter((r) => r.body !== 'binary')) register(jsonScope, route);
    });
    // The binary route: application/octet-stream only, with its own body limit.
    void scope.register(async (binaryScope) => {
      binaryScope.removeAllContentTypeParsers();
      binaryScope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limits.binaryBodyBytesMax }, (_request, body, done) => {
        done(null, body);
      });
      for (const route of ROUTES.filter((r) => r.body === 'binary')) register(binaryScope, route, limits.binaryBodyBytesMax);
    });
  });

  const openApi = buildOpenApiDocument();

  function register(scope: FastifyInstance, route: RouteSpec, bodyLimit?: number): void {
    const { body, params, querystring, response } = route.schema;
    scope.route({
      method: route.method,
      url: route.url,
      ...(bodyLimit === undefined ? {} : { bodyLimit }),
      schema: {
        ...(route.body === 'json' && body !== undefined ? { body } : {}),
        ...(params === undefined ? {} : { params }),
        ...(querystring === undefined ? {} : { querystring }),
        response: route.produces === undefined ? { ...response, '4xx': api.ErrorBody, '5xx': api.ErrorBody } : {},
      },
      handler: (request, reply) => route.handler(service, limits, request, reply),
    });
  }

  return app;
}
