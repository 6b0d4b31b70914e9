/**
 * The push engine in sets, on every engine (SQLite always, PostgreSQL when OSW_TEST_PG_URL is set):
 * a batch of receipts is matched in one transaction, and the engine (two instances on PostgreSQL) hands the pushes
 * over in batches — each push once, one document's pushes in the order they were raised.
 */
import { fileStamp } from '@osw/messages';
import { describe, expect, test } from 'vitest';
import { eachEngine, scratchDatabases } from '../../../test/support/engines.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { FeedAppPush } from '../src/adapters/push/feed.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import type { OpenedStore } from '../src/adapters/sqlite/open.js';
import { acknowledgeDeliveries, takeDeliveries } from '../src/core/exchange/outbound.js';
import { PUSHES_DUE, PushEngine, startPushWorker } from '../src/core/push/engine.js';
import { PostgresNotifier } from '../src/adapters/postgres/notifier.js';
import { sql } from 'kysely';
import { raiseDeclarationReceipts, type ReceiptToRaise } from '../src/core/push/matching.js';
import { silentLogger, systemClock, type PlatformDeps } from '../src/core/ports.js';
import type { DeclarationRow, Store } from '../src/core/store.js';
import { declarationRow } from '../../../test/support/declarations.js';

const OWNER = '4403960002';
const BROKER = '4403980001';
const CLIENT = 'DXPESW5300000002';
const seqNo = (i: number) => `E2026000000000000${i}`;

async function seed(store: Store): Promise<DeclarationRow[]> {
  const at = new Date().toISOString();
  for (const code of [OWNER, BROKER])
    await store.identity.insertEnterprise({
      customsCode: code,
      uscc: `91440300MA5G0B1X${code.slice(-2)}`,
      name: code,
      region: '5300',
      createdAt: at,
    });
  await store.clients.insert({
    clientId: CLIENT,
    enterpriseCode: OWNER,
    region: '5300',
    version: '2.0',
    transport: 'http',
    environment: 'test',
    secretHash: 'x',
    status: 'active',
    deviceFingerprint: null,
    createdAt: at,
  });
  const until = new Date(Date.now() + 86_400_000).toISOString();
  await store.declarationSubscriptions.insert({
    enterpriseCode: OWNER,
    clientId: CLIENT,
    cardNo: '8950000000001',
    operatorAccount: 'op',
    operatorCode: 'QH0001',
    declarationData: true,
    receiptTypes: [],
    channels: ['7', 'L', 'J', 'P', 'R'],
    validUntil: until.slice(0, 10),
    expiresAt: until,
    cancelledAt: null,
    createdAt: at,
    updatedAt: at,
  });
  const decs: DeclarationRow[] = [1, 2, 3].map((i) =>
    declarationRow({ seqNo: seqNo(i), key: i, senderClientId: 'DXPESW5300000001', broker: BROKER, owner: OWNER, at }),
  );
  for (const d of decs) await store.declarations.insert(d);
  return decs;
}

/** receipts of the declarations, one per channel, raised in one transaction */
function raiseAll(store: Store, decs: DeclarationRow[], channels: string[]): Promise<number[]> {
  return store.transaction(async (tx) => {
    const items: ReceiptToRaise[] = [];
    for (const channel of channels)
      for (const d of decs) {
        const stamp = fileStamp(new Date(), await tx.serials.next('fileStamp'));
        items.push({
          declaration: d,
          channel,
          note: '',
          entryId: '',
          xml: `<DEC_RESULT><CHANNEL>${channel}</CHANNEL></DEC_RESULT>`,
          at: new Date(),
          fileName: `Receipt_${d.seqNo}_${stamp}.xml`,
          stamp,
        });
      }
    return raiseDeclarationReceipts(tx, items);
  });
}

const channelsOf = (d: PlatformDeps): ConstructorParameters<typeof PushEngine>[1] => ({
  sms: new OutboxSmsSender(d),
  app: new FeedAppPush(d),
  webhook: { checkTarget: async () => undefined, post: async () => ({ status: 200 }) },
});

async function until(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

for (const engine of eachEngine()) {
  describe(`push engine in sets on ${engine.name}`, () => {
    const scratch = scratchDatabases(engine);

    test('a batch of receipts is matched in one transaction; two instances hand each push over once, in order per document', async () => {
      const db = await scratch.create();
      const a = await scratch.open(db);
      // the embedded SQLite store is one process's database; several instances are a PostgreSQL setup
      const b = engine.name === 'sqlite' ? a : await scratch.open(db);
      const decs = await seed(a.store);
      const deps = (o: OpenedStore): PlatformDeps => ({
        store: o.store,
        clock: systemClock,
        logger: silentLogger,
        notifier: new InProcessNotifier(),
      });
      const channels = ['7', 'L', 'J', 'P', 'R'];
      // three documents, five receipts each, interleaved, raised in one transaction
      const counts = await raiseAll(a.store, decs, channels);
      expect(counts).toEqual(Array(15).fill(1));
      const engines = [a, b].map((o) => {
        const d = deps(o);
        return new PushEngine(d, {
          sms: new OutboxSmsSender(d),
          app: new FeedAppPush(d),
          webhook: { checkTarget: async () => undefined, post: async () => ({ status: 200 }) },
        });
      });
      const received: string[] = [];
      for (let round = 0; round < 20 && received.length < 15; round++) {
        await Promise.all(engines.map((e) => e.runOnce()));
        const rows = await takeDeliveries(deps(a), CLIENT, 100);
        received.push(...rows.map((r) => r.fileName));
        await acknowledgeDeliveries(
          deps(a),
          CLIENT,
          rows.map((r) => r.id),
        );
      }
      expect(received).toHaveLength(15);
      expect(new Set(received).size).toBe(15);
      for (const d of decs) {
        const mine = received.filter((f) => f.includes(d.seqNo));
        // the file stamps were taken in the order the receipts were raised
        expect(mine).toEqual([...mine].sort());
        expect(mine).toHaveLength(5);
      }
      const pushes = await a.store.pushes.list({ enterpriseCode: OWNER, offset: 0, limit: 100 });
      expect(pushes.rows.map((p) => p.status)).toEqual(Array(15).fill('delivered'));
    });

    test('pushes are handed over when their transaction commits, not at the next tick; a rolled-back one wakes nothing', async () => {
      const db = await scratch.create();
      const a = await scratch.open(db);
      const decs = await seed(a.store);
      const d: PlatformDeps = { store: a.store, clock: systemClock, logger: silentLogger, notifier: new InProcessNotifier() };
      const worker = startPushWorker(new PushEngine(d, channelsOf(d)), silentLogger, { tickMs: 600_000 });
      try {
        let rounds = 0;
        const off = a.store.pushes.onDue(() => rounds++);
        await expect(
          a.store.transaction(async (tx) => {
            await raiseAll(tx, decs.slice(0, 1), ['7']);
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        expect(rounds).toBe(0);
        await raiseAll(a.store, decs, ['7']);
        expect(rounds).toBe(1);
        off();
        expect(await until(async () => (await a.store.deliveries.countPending(CLIENT)) === 3, 5000)).toBe(true);
      } finally {
        await worker.stop();
      }
    });

    test.skipIf(engine.name === 'sqlite')('pushes committed by one instance wake the engine of another (LISTEN/NOTIFY)', async () => {
      const db = await scratch.create();
      const a = await scratch.open(db);
      const b = await scratch.open(db);
      const decs = await seed(a.store);
      const notifierOf = (o: OpenedStore) =>
        new PostgresNotifier(
          db.location,
          (channel, payload) => sql`select pg_notify(${channel}, ${payload})`.execute(o.db),
          new InProcessNotifier(),
          silentLogger,
        );
      const [na, nb] = [notifierOf(a), notifierOf(b)];
      await na.start();
      await nb.start();
      // instance A writes pushes and runs no engine; instance B's engine is woken by A's notice
      a.store.pushes.onDue(() => na.notify(PUSHES_DUE));
      const d: PlatformDeps = { store: b.store, clock: systemClock, logger: silentLogger, notifier: nb };
      const worker = startPushWorker(new PushEngine(d, channelsOf(d)), silentLogger, { tickMs: 600_000 });
      try {
        await raiseAll(a.store, decs, ['7', 'L']);
        expect(await until(async () => (await b.store.deliveries.countPending(CLIENT)) === 6, 5000)).toBe(true);
      } finally {
        await worker.stop();
        await na.close();
        await nb.close();
      }
    });

    test('a range of serials is handed out once, also to two instances asking at the same moment', async () => {
      const db = await scratch.create();
      const a = await scratch.open(db);
      const b = engine.name === 'sqlite' ? a : await scratch.open(db);
      const taken: number[] = [];
      await Promise.all(
        [a, b].map(async (o) => {
          for (let i = 0; i < 10; i++) {
            const first = await o.store.serials.nextMany('fileStamp', 5);
            taken.push(...[0, 1, 2, 3, 4].map((k) => first + k), await o.store.serials.next('fileStamp'));
          }
        }),
      );
      expect(taken.sort((x, y) => x - y)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    });
  });
}
