export type { EvidenceQuery, NodeService, SubmitOptions, SubscriptionTopic } from './node-service.js';
export { createApiServer } from './server.js';
export { API_OPTIONS_DEFAULT, resolveApiOptions, type ApiOptions } from './options.js';
export { ApiError, ERROR_STATUS, MESSAGE_ONLY_CODES, toErrorReply, type ApiErrorCode, type ErrorReply } from './errors.js';
export { buildOpenApiDocument, type OpenApiInfo } from './openapi.js';
export { decodeTransactionFrames, encodeTransactionFrames, FRAME_HEADER_BYTES } from './codec.js';
export { ROUTES, SUBSCRIBE_PATH, OPENAPI_PATH, type RouteSpec } from './routes.js';
