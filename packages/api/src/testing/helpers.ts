/** Small helpers shared by the API's tests (and usable by others' tests of the API). */
import { api } from '@tongbao/protocol';
import { Compile } from 'typebox/compile';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApiServer } from '../server.js';
import type { ApiOptions } from '../options.js';
import { FakeNodeService, type FakeNodeServiceOptions } from './fake-node-service.js';

const errorBody = Compile(api.ErrorBody);
const submitResult = Compile(api.SubmitResult);
const submitBatchResponse = Compile(api.SubmitBatchResponse);

export function isErrorBody(value: unknown): value is api.ErrorBody {
  return errorBody.Check(value);
}
export function isSubmitResult(value: unknown): value is api.SubmitResult {
  return submitResult.Check(value);
}
export function isSubmitBatchResponse(value: unknown): value is api.SubmitBatchResponse {
  return submitBatchResponse.Check(value);
}

export function parseJson(response: LightMyRequestResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

export interface TestApi {
  app: FastifyInstance;
  service: FakeNodeService;
  request(options: InjectOptions): Promise<{ status: number; body: unknown; response: LightMyRequestResponse }>;
}

export async function createTestApi(options: Partial<ApiOptions> = {}, fake: FakeNodeServiceOptions = {}): Promise<TestApi> {
  const service = new FakeNodeService(fake);
  const app = createApiServer(service, options);
  await app.ready();
  return {
    app,
    service,
    async request(inject) {
      const response = await app.inject(inject);
      return { status: response.statusCode, body: parseJson(response), response };
    },
  };
}

export const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
