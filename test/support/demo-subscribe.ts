/** The importer of a running demo subscribes its client to declaration data and every receipt type, as the console does. */
import type { RunningDemo } from '../../packages/cli/src/demo.js';

export async function subscribeImporter(demo: RunningDemo): Promise<void> {
  const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
  const base = `${demo.platform.url}/api/v1`;
  const acct = demo.contract.accounts.find((a) => a.enterpriseCode === owner.enterpriseCode)!;
  const legal = demo.contract.cards.find((k) => k.enterpriseCode === owner.enterpriseCode && k.kind === 'legal')!;
  const login = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account: acct.account, password: acct.password }),
  });
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${base}/subscriptions/declaration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      clientId: owner.clientId,
      declarationData: true,
      receiptTypes: ['海关入库', '退单', '审核', '接单', '放行', '结关', '查验通知'],
      card: { cardNo: legal.cardNo, pin: legal.pin },
    }),
  });
  if (res.status >= 400) throw new Error(`subscribing the importer: ${res.status} ${await res.text()}`);
}
