import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclarationRow } from '../src/core/store.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { AlertEvaluator } from '../src/core/alerts/alerts.js';
import { apiWorld, BROKER, MANUAL_NO, OWNER, type ApiWorld } from './api-world.js';
import { LOCAL_WEBHOOKS } from './push-world.js';

/** What the importer (owner) has; the broker tries to touch each of it. */
interface Owned {
  declarationSub: number;
  receiptSub: number;
  manualSub: number;
  seqNo: string;
}

async function ownerThings(w: ApiWorld): Promise<Owned> {
  const at = w.now().toISOString();
  const seqNo = 'E20260000000000009';
  const dec: DeclarationRow = {
    seqNo,
    clientSeqNo: 'C9',
    senderClientId: w.owner.clientId,
    senderEnterprise: OWNER,
    tradeCode: OWNER,
    ownerCode: OWNER,
    agentCode: OWNER,
    ieFlag: 'I',
    customMaster: '5300',
    entryId: '530020260000000009',
    channel: 'L',
    messageId: 'M9',
    icCode: '',
    typistNo: '',
    xml: '<DecMessage/>',
    declaredAt: at,
    updatedAt: at,
  };
  await w.deps.store.declarations.insert(dec);
  const d = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
    clientId: w.owner.clientId,
    declarationData: true,
    receiptTypes: ['放行'],
    card: w.legal(w.owner),
  });
  const r = await w.call(w.owner, 'POST', '/api/v1/subscriptions/receipt', { pushMethod: 'app', mode: 'document', documentNo: seqNo });
  const m = await w.call(w.owner, 'POST', '/api/v1/subscriptions/manual', {
    clientId: w.owner.clientId,
    kind: 'incremental',
    manualNo: MANUAL_NO,
    card: w.legal(w.owner),
  });
  for (const x of [d, r, m]) expect(x.status).toBe(201);
  return { declarationSub: d.body.id, receiptSub: r.body.id, manualSub: m.body.id, seqNo };
}

type Attempt = [name: string, method: 'GET' | 'POST', url: (o: Owned, w: ApiWorld) => string, body?: (w: ApiWorld) => unknown];

const brokerCard = (w: ApiWorld) => ({ card: w.legal(w.broker) });

/** Every route that names a record, called by the broker on the importer's records. */
const CROSS_ENTERPRISE: Attempt[] = [
  ['read a client', 'GET', (_o, w) => `/api/v1/clients/${w.owner.clientId}`],
  ["unbind a client's device", 'POST', (_o, w) => `/api/v1/clients/${w.owner.clientId}/unbind-device`, brokerCard],
  ['disable a client', 'POST', (_o, w) => `/api/v1/clients/${w.owner.clientId}/disable`, brokerCard],
  ['read a declaration', 'GET', (o) => `/api/v1/declarations/${o.seqNo}`],
  ['read a declaration subscription', 'GET', (o) => `/api/v1/subscriptions/declaration/${o.declarationSub}`],
  ['cancel a declaration subscription', 'POST', (o) => `/api/v1/subscriptions/declaration/${o.declarationSub}/cancel`, brokerCard],
  [
    'extend a declaration subscription',
    'POST',
    (o) => `/api/v1/subscriptions/declaration/${o.declarationSub}/extend`,
    (w) => ({ validUntil: '2027-01-01', ...brokerCard(w) }),
  ],
  ['read a receipt subscription', 'GET', (o) => `/api/v1/subscriptions/receipt/${o.receiptSub}`],
  ['cancel a receipt subscription', 'POST', (o) => `/api/v1/subscriptions/receipt/${o.receiptSub}/cancel`],
  ['read a manual subscription', 'GET', (o) => `/api/v1/subscriptions/manual/${o.manualSub}`],
  ['cancel a manual subscription', 'POST', (o) => `/api/v1/subscriptions/manual/${o.manualSub}/cancel`, brokerCard],
  [
    'extend a manual subscription',
    'POST',
    (o) => `/api/v1/subscriptions/manual/${o.manualSub}/extend`,
    (w) => ({ validUntil: '2027-01-01', ...brokerCard(w) }),
  ],
  [
    "subscribe the other enterprise's client to declarations",
    'POST',
    () => '/api/v1/subscriptions/declaration',
    (w) => ({ clientId: w.owner.clientId, declarationData: true, ...brokerCard(w) }),
  ],
  [
    "subscribe the other enterprise's client to a manual",
    'POST',
    () => '/api/v1/subscriptions/manual',
    (w) => ({ clientId: w.owner.clientId, kind: 'stock', manualNo: MANUAL_NO, ...brokerCard(w) }),
  ],
  [
    "subscribe to the other enterprise's manual",
    'POST',
    () => '/api/v1/subscriptions/manual',
    (w) => ({ clientId: w.broker.clientId, kind: 'incremental', manualNo: MANUAL_NO, ...brokerCard(w) }),
  ],
  [
    "push receipts to the other enterprise's client",
    'POST',
    () => '/api/v1/subscriptions/receipt',
    (w) => ({ pushMethod: 'client', mode: 'enterprise', clientId: w.owner.clientId, operatorCardNo: w.broker.operatorCard }),
  ],
  [
    "subscribe to the receipts of the other enterprise's declaration",
    'POST',
    () => '/api/v1/subscriptions/receipt',
    () => ({ pushMethod: 'app', mode: 'document', documentNo: 'E20260000000000009' }),
  ],
];

/** Every list: the broker's lists never show the importer's records. */
const LISTS = [
  '/api/v1/clients',
  '/api/v1/declarations',
  '/api/v1/subscriptions/declaration',
  '/api/v1/subscriptions/receipt',
  '/api/v1/subscriptions/manual',
  '/api/v1/sms/outbox',
  '/api/v1/audit',
  '/api/v1/cards',
  '/api/v1/alerts',
];

describe("access: every call is authorised to the operator's enterprise", () => {
  let w: ApiWorld;
  let owned: Owned;
  // one world for the file: every attempt below must leave it as it was, and each test checks that
  beforeAll(async () => {
    w = await apiWorld({
      alertsFor: (deps) => ({
        evaluator: new AlertEvaluator(deps, { sms: new OutboxSmsSender(deps), webhook: LOCAL_WEBHOOKS }),
        mail: false,
      }),
    });
    owned = await ownerThings(w);
    // an alert of the importer's client
    await w.deps.store.alerts.open([
      {
        enterpriseCode: OWNER,
        kind: 'client_offline',
        subject: w.owner.clientId,
        detail: { clientId: w.owner.clientId, minutes: 30, lastSeenAt: null },
        firedAt: w.now().toISOString(),
        console: true,
      },
    ]);
    await w.call(w.owner, 'POST', '/api/v1/sms/verification-codes', { phone: '13800138000' });
  });
  afterAll(async () => {
    await w.close();
  });

  it.each(CROSS_ENTERPRISE)('another enterprise gets 404 when it tries to %s, and nothing changes', async (_name, method, url, body) => {
    const auditBefore = (await w.call(w.owner, 'GET', '/api/v1/audit')).body.total;
    const r = await w.call(w.broker, method, url(owned, w), body?.(w));
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('OSW_NOT_FOUND');
    expect(JSON.stringify(r.body)).not.toContain(w.owner.legalCard);
    expect((await w.call(w.owner, 'GET', '/api/v1/audit')).body.total).toBe(auditBefore);
    expect((await w.call(w.owner, 'GET', `/api/v1/subscriptions/declaration/${owned.declarationSub}`)).body.status).toBe('active');
    expect((await w.call(w.owner, 'GET', `/api/v1/clients/${w.owner.clientId}`)).body.status).toBe('active');
    // the broker's card was never asked for its PIN
    expect((await w.deps.store.identity.getCard(w.broker.legalCard))?.triesLeft).toBe(5);
  });

  it.each(LISTS)("the other enterprise's list %s shows none of the importer's records", async (url) => {
    const mine = await w.call(w.owner, 'GET', url);
    const theirs = await w.call(w.broker, 'GET', url);
    expect(mine.status).toBe(200);
    expect(theirs.status).toBe(200);
    expect(mine.body.total).toBeGreaterThan(0);
    const text = JSON.stringify(theirs.body);
    expect(text).not.toContain(w.owner.clientId);
    expect(text).not.toContain(OWNER);
    expect(theirs.body.items.length).toBe(theirs.body.total);
    expect(theirs.body.items.every((i: Record<string, unknown>) => !('enterpriseCode' in i) || i.enterpriseCode === BROKER)).toBe(true);
  });

  it("another enterprise cannot mark the importer's alerts read, nor see them as conditions", async () => {
    const [mine] = (await w.call(w.owner, 'GET', '/api/v1/alerts')).body.items;
    expect((await w.call(w.broker, 'POST', '/api/v1/alerts/read', { ids: [mine.id] })).body).toEqual({ changed: 0, unread: 0 });
    expect((await w.call(w.broker, 'POST', '/api/v1/alerts/read', { all: true })).body.changed).toBe(0);
    expect((await w.call(w.owner, 'GET', '/api/v1/alerts')).body.unread).toBe(1);
    expect(JSON.stringify((await w.call(w.broker, 'GET', '/api/v1/alerts/current')).body)).not.toContain(OWNER);
  });

  const EVERY_ROUTE: [string, string][] = [
    ['GET', '/api/v1/clients'],
    ['POST', '/api/v1/clients'],
    ['GET', '/api/v1/clients/DXPESW5300000002'],
    ['POST', '/api/v1/clients/DXPESW5300000002/unbind-device'],
    ['POST', '/api/v1/clients/DXPESW5300000002/disable'],
    ['GET', '/api/v1/declarations'],
    ['GET', '/api/v1/subscriptions/declaration'],
    ['POST', '/api/v1/subscriptions/declaration'],
    ['POST', '/api/v1/subscriptions/declaration/1/cancel'],
    ['POST', '/api/v1/subscriptions/declaration/1/extend'],
    ['GET', '/api/v1/subscriptions/receipt'],
    ['POST', '/api/v1/subscriptions/receipt'],
    ['POST', '/api/v1/subscriptions/receipt/1/cancel'],
    ['GET', '/api/v1/subscriptions/manual'],
    ['POST', '/api/v1/subscriptions/manual'],
    ['POST', '/api/v1/subscriptions/manual/1/cancel'],
    ['POST', '/api/v1/subscriptions/manual/1/extend'],
    ['POST', '/api/v1/sms/verification-codes'],
    ['GET', '/api/v1/sms/outbox'],
    ['GET', '/api/v1/audit'],
    ['GET', '/api/v1/cards'],
    ['GET', '/api/v1/alerts'],
    ['POST', '/api/v1/alerts/read'],
    ['GET', '/api/v1/alerts/current'],
    ['GET', '/api/v1/alerts/settings'],
    ['PUT', '/api/v1/alerts/settings/client_offline'],
  ];
  it.each(EVERY_ROUTE)('%s %s without a session is answered 401 OSW_AUTH_REQUIRED, before the body is looked at', async (method, url) => {
    const r = await w.call(null, method as 'GET' | 'POST' | 'PUT', url, method !== 'GET' ? { nonsense: true } : undefined);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('OSW_AUTH_REQUIRED');
    expect(r.headers['www-authenticate']).toBe('Bearer');
    const expired = await w.call(null, method as 'GET' | 'POST' | 'PUT', url, undefined, { authorization: 'Bearer not-a-session' });
    expect(expired.status).toBe(401);
  });
});
