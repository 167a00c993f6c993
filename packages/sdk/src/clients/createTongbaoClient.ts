import { createClient, type Client, type ClientConfig } from './createClient.js';
import { tongbaoActions, type TongbaoActions } from './decorators/tongbao.js';

export type TongbaoClient = Client<TongbaoActions>;

/**
 * A client with every action as a method: `createClient(config).extend(tongbaoActions)`.
 *
 * @example
 * const client = createTongbaoClient({ url: 'https://node.example.cn' })
 * const { height } = await client.getStatus()
 */
export function createTongbaoClient(config: ClientConfig): TongbaoClient {
  return createClient(config).extend(tongbaoActions);
}
