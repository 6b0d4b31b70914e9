/**
 * The alerts slice of the store on every engine: each condition is one query over every enterprise,
 * an occurrence is open once (however often it is opened) and may open again once cleared, the
 * console's notifications are per enterprise, settings are one row per enterprise and kind.
 */
import { describe, expect, test } from 'vitest';
import { eachEngine, scratchDatabases } from '../../../test/support/engines.js';
import type { Store } from '../src/core/store.js';

const A = '4403980001';
const B = '4403960002';
const NOW = '2026-11-21T02:00:00.000Z';
const DAY = 24 * 3600_000;
const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

async function seed(store: Store) {
  for (const code of [A, B])
    await store.identity.insertEnterprise({
      customsCode: code,
      uscc: `91440300MA5G0B1X${code.slice(-2)}`,
      name: code,
      region: '5300',
      createdAt: NOW,
    });
  const client = (
    clientId: string,
    enterpriseCode: string,
    transport: 'http' | 'amqp',
    lastSeenAt: string | null,
    status: 'active' | 'disabled' = 'active',
  ) =>
    store.clients.insert({
      clientId,
      enterpriseCode,
      region: '5300',
      version: '2.0',
      transport,
      environment: 'test',
      secretHash: 'x',
      status,
      deviceFingerprint: null,
      createdAt: NOW,
      lastSeenAt,
    });
  await client('DXPESW5300000001', A, 'http', at(-60 * 60_000)); // seen an hour ago
  await client('DXPESW5300000002', A, 'http', at(-60_000)); // seen a minute ago
  await client('DXPESW5300000003', B, 'http', null); // never seen
  await client('DXPESW5300000004', B, 'amqp', null);
  await client('DXPESW5300000005', B, 'http', at(-60 * 60_000), 'disabled');
  await store.pushes.upsertTarget({
    targetKey: 'client:DXPESW5300000003',
    consecutiveFailures: 10,
    suspendedAt: at(-1000),
    probeAt: null,
    lastError: 'offline',
    updatedAt: at(-1000),
  });
  await store.pushes.upsertTarget({
    targetKey: 'webhook:7',
    consecutiveFailures: 10,
    suspendedAt: at(-1000),
    probeAt: null,
    lastError: 'x',
    updatedAt: at(-1000),
  });
  const base = {
    cardNo: '8950000000001',
    operatorAccount: 'op',
    operatorCode: 'QH0030',
    createdAt: NOW,
    updatedAt: NOW,
  };
  const decl = (enterpriseCode: string, expiresAt: string, cancelledAt: string | null = null) =>
    store.declarationSubscriptions.insert({
      ...base,
      enterpriseCode,
      clientId: 'DXPESW5300000001',
      declarationData: true,
      receiptTypes: ['放行'],
      channels: ['P'],
      validUntil: expiresAt.slice(0, 10),
      expiresAt,
      cancelledAt,
    });
  const d1 = await decl(A, at(10 * DAY));
  await decl(A, at(40 * DAY)); // beyond 30 days
  await decl(B, at(5 * DAY), at(-DAY)); // cancelled
  await decl(B, at(-DAY)); // expired
  await store.manuals.insert(
    {
      manualNo: 'E53002600001',
      enterpriseCode: B,
      head: { manualNo: 'E53002600001', tradeCode: B, processingCode: B, manualType: 'E' },
      version: 1,
      createdAt: NOW,
    },
    [],
  );
  const manual = (kind: 'stock' | 'incremental') =>
    store.manualSubscriptions.insert(
      {
        ...base,
        enterpriseCode: B,
        clientId: 'DXPESW5300000003',
        kind,
        manualNo: 'E53002600001',
        pushTypes: ['img'],
        imgRange: { from: 1, to: 10 },
        exgRange: null,
        content: 'x',
        validUntil: at(2 * DAY).slice(0, 10),
        expiresAt: at(2 * DAY),
        cancelledAt: null,
      },
      {},
    );
  const m1 = await manual('incremental');
  await manual('stock');
  const r1 = await store.receiptSubscriptions.insert({
    enterpriseCode: A,
    pushMethod: 'client',
    mode: 'enterprise',
    documentNo: null,
    seqNo: null,
    phone: null,
    clientId: 'DXPESW5300000002',
    operatorCardNo: '8950000000002',
    operatorAccount: 'op',
    operatorCode: 'QH0030',
    receiptTypes: null,
    channels: null,
    validUntil: at(20 * DAY).slice(0, 10),
    expiresAt: at(20 * DAY),
    cancelledAt: null,
    createdAt: NOW,
  });
  const card = (cardNo: string, enterpriseCode: string, expiresAt: string | null, locked = false) =>
    store.identity.insertCard({
      cardNo,
      enterpriseCode,
      kind: 'legal',
      holderAccount: null,
      publicKeyPem: 'pem',
      fingerprint: cardNo,
      pinHash: 'x',
      triesLeft: 5,
      locked,
      createdAt: NOW,
      validUntil: expiresAt,
    });
  await card('8950000000011', A, at(3 * DAY));
  await card('8950000000012', B, at(60 * DAY));
  await card('8950000000013', B, null);
  await card('8950000000014', B, at(3 * DAY), true);
  return { d1, m1: m1!, r1 };
}

for (const engine of eachEngine()) {
  describe(`alerts store on ${engine.name}`, () => {
    const scratch = scratchDatabases(engine);
    const fresh = async () => (await scratch.open(await scratch.create())).store;

    test('each condition reads every enterprise at once, or one enterprise', async () => {
      const store = await fresh();
      const { d1, m1, r1 } = await seed(store);
      const cutoff = at(-30 * 60_000);
      const offline = await store.alerts.offlineCandidates(cutoff);
      // the HTTP client seen an hour ago; every active RabbitMQ client (the broker says whether it is connected)
      expect(offline.map((c) => [c.clientId, c.transport])).toEqual([
        ['DXPESW5300000001', 'http'],
        ['DXPESW5300000004', 'amqp'],
      ]);
      expect((await store.alerts.offlineCandidates(cutoff, A)).map((c) => c.clientId)).toEqual(['DXPESW5300000001']);
      expect(await store.alerts.suspendedClients()).toEqual([{ clientId: 'DXPESW5300000003', enterpriseCode: B, suspendedAt: at(-1000) }]);
      expect(await store.alerts.suspendedClients(A)).toEqual([]);
      const subs = await store.alerts.expiringSubscriptions(NOW, at(30 * DAY));
      expect(subs.map((s) => [s.subscriptionKind, s.id, s.enterpriseCode])).toEqual([
        ['manual', m1, B],
        ['declaration', d1, A],
        ['receipt', r1, A],
      ]);
      expect((await store.alerts.expiringSubscriptions(NOW, at(30 * DAY), A)).map((s) => s.subscriptionKind)).toEqual([
        'declaration',
        'receipt',
      ]);
      expect(await store.alerts.expiringCards(NOW, at(30 * DAY))).toEqual([
        { cardNo: '8950000000011', enterpriseCode: A, kind: 'legal', expiresAt: at(3 * DAY) },
      ]);
      expect((await store.alerts.expiringCards(NOW, at(90 * DAY), B)).map((c) => c.cardNo)).toEqual(['8950000000012']);
      expect(await store.alerts.clientOwners(['DXPESW5300000001', 'DXPESW5300000004', 'DXPESW9999999999'])).toEqual(
        new Map([
          ['DXPESW5300000001', A],
          ['DXPESW5300000004', B],
        ]),
      );
    });

    test('an occurrence opens once while it holds, and again after it was cleared', async () => {
      const store = await fresh();
      const cond = {
        enterpriseCode: A,
        kind: 'client_offline' as const,
        subject: 'DXPESW5300000001',
        detail: { clientId: 'DXPESW5300000001' },
      };
      const [first] = await store.alerts.open([{ ...cond, firedAt: NOW, console: true }]);
      expect(first).toMatchObject({ ...cond, firedAt: NOW, clearedAt: null, console: true, readAt: null, deliveries: {} });
      // a second instance racing, or the next round: nothing opens twice
      expect(await store.alerts.open([{ ...cond, firedAt: at(1000), console: true }])).toEqual([]);
      expect(await store.alerts.openAlerts()).toEqual([{ id: first.id, enterpriseCode: A, kind: 'client_offline', subject: cond.subject }]);
      await store.alerts.recordDeliveries(first.id, { mail: 'sent' });
      await store.alerts.clear([first.id], at(2000));
      expect(await store.alerts.openAlerts()).toEqual([]);
      const [again] = await store.alerts.open([{ ...cond, firedAt: at(3000), console: false }]);
      expect(again.id).not.toBe(first.id);
      // retention: only cleared alerts, and only those cleared before the instant
      expect(await store.alerts.deleteClearedBefore(at(2000))).toBe(0);
      const [other] = await store.alerts.open([{ ...cond, subject: 'x', firedAt: NOW, console: true }]);
      await store.alerts.clear([other.id], at(1000));
      expect(await store.alerts.deleteClearedBefore(at(2000))).toBe(1);
      const list = await store.alerts.notifications(A, { offset: 0, limit: 10 });
      // the console shows the first only (the second was not for the console)
      expect(list.total).toBe(1);
      expect(list.rows[0]).toMatchObject({ id: first.id, clearedAt: at(2000), deliveries: { mail: 'sent' } });
    });

    test("notifications are the enterprise's own; marking read counts what changed", async () => {
      const store = await fresh();
      const opened = await store.alerts.open(
        [A, A, B].map((e, i) => ({
          enterpriseCode: e,
          kind: 'dead_letters' as const,
          subject: `c${i}`,
          detail: { count: i },
          firedAt: NOW,
          console: true,
        })),
      );
      expect(await store.alerts.countUnread(A)).toBe(2);
      // B's alert id given by A changes nothing
      expect(await store.alerts.markRead(A, [opened[0].id, opened[2].id], at(1000))).toBe(1);
      expect(await store.alerts.countUnread(A)).toBe(1);
      expect(await store.alerts.countUnread(B)).toBe(1);
      expect((await store.alerts.notifications(A, { offset: 0, limit: 10, unread: true })).rows.map((r) => r.id)).toEqual([opened[1].id]);
      expect(await store.alerts.markRead(A, 'all', at(2000))).toBe(1);
      expect(await store.alerts.countUnread(A)).toBe(0);
      expect(await store.alerts.countUnread(B)).toBe(1);
    });

    test('a setting is one row per enterprise and kind, replaced when saved again', async () => {
      const store = await fresh();
      const row = {
        enterpriseCode: A,
        kind: 'client_offline' as const,
        channels: ['console' as const, 'mail' as const],
        phones: [],
        emails: ['ops@example.com'],
        webhookIds: [],
        updatedAt: NOW,
      };
      await store.alerts.saveSetting(row);
      await store.alerts.saveSetting({ ...row, channels: ['sms'], phones: ['13800138000'], emails: [], updatedAt: at(1000) });
      await store.alerts.saveSetting({ ...row, enterpriseCode: B });
      expect(await store.alerts.settings([A])).toEqual([
        { ...row, channels: ['sms'], phones: ['13800138000'], emails: [], updatedAt: at(1000) },
      ]);
      expect((await store.alerts.settings([A, B])).length).toBe(2);
    });
  });
}
