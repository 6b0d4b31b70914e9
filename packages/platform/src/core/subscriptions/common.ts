/** What the three subscription services share: the client a subscription pushes to. */
import { clientOf } from '../clients/registry.js';
import { problem } from '../problem.js';
import type { ClientRow, Store } from '../store.js';

/** One active client of the enterprise (from 查询客户端); another enterprise's client is "not found". */
export async function subscribingClient(store: Store, enterpriseCode: string, clientId: string): Promise<ClientRow> {
  const client = await clientOf(store, enterpriseCode, clientId);
  if (client.status !== 'active')
    throw problem(
      'OSW_CLIENT_DISABLED',
      `客户端[${clientId}]已停用，不能订阅`,
      `client ${clientId} is disabled and cannot receive subscriptions`,
    );
  return client;
}
