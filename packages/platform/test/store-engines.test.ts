/**
 * The Store on every engine: SQLite always, PostgreSQL when OSW_TEST_PG_URL is set (always in CI).
 * Same migrations, same answers; on PostgreSQL several platform processes share one database and
 * claim work without doing any of it twice.
 */
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { eachEngine, scratchDatabases, type Engine, type TestDatabase } from '../../../test/support/engines.js';
import { postgresCapabilities, sqliteCapabilities } from '../src/adapters/kysely/capabilities.js';
import { migrateToLatest } from '../src/adapters/kysely/migrations.js';
import { queueClientPushes } from '../src/core/exchange/outbound.js';
import type { DeclarationRow, Store } from '../src/core/store.js';

const now = () => new Date().toISOString();

function declaration(seqNo: string, clientSeqNo: string, senderEnterprise = '4403980001'): DeclarationRow {
  const at = now();
  return {
    seqNo,
    clientSeqNo,
    senderClientId: 'DXPESW5300000001',
    senderEnterprise,
    tradeCode: '4403960002',
    ownerCode: '4403960002',
    agentCode: senderEnterprise,
    ieFlag: 'I',
    customMaster: '5300',
    entryId: '',
    channel: '',
    messageId: `M${seqNo}`,
    icCode: '',
    typistNo: '',
    xml: '<DecMessage/>',
    declaredAt: at,
    updatedAt: at,
  };
}

/** A declaration as a database from before migration 0013 holds it: no card columns. */
function before0013(d: DeclarationRow): Omit<DeclarationRow, 'icCode' | 'typistNo'> {
  const { icCode, typistNo, ...row } = d;
  void icCode;
  void typistNo;
  return row;
}

/** The database as an older platform left it: migrated up to `upTo` only. */
async function migratedUpTo(engine: Engine['name'], db: TestDatabase, upTo: string): Promise<Kysely<any>> {
  const k =
    engine === 'sqlite'
      ? new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(db.location) }), plugins: [new CamelCasePlugin()] })
      : new Kysely<any>({
          dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.location, max: 2 }) }),
          plugins: [new CamelCasePlugin()],
        });
  await migrateToLatest(k, engine === 'sqlite' ? sqliteCapabilities : postgresCapabilities, { upTo });
  return k;
}

async function seedClient(store: Store, clientId: string, enterprise = '4403980001') {
  if (!(await store.identity.getEnterprise(enterprise)))
    await store.identity.insertEnterprise({
      customsCode: enterprise,
      uscc: `91440300MA5G0B1X${enterprise.slice(-2)}`,
      name: '深圳市前海通关报关有限公司',
      region: '5300',
      createdAt: now(),
    });
  await store.clients.insert({
    clientId,
    enterpriseCode: enterprise,
    region: '5300',
    version: '2.0',
    transport: 'amqp',
    environment: 'test',
    secretHash: 'x',
    status: 'active',
    deviceFingerprint: null,
    createdAt: now(),
  });
}

for (const engine of eachEngine()) {
  describe(`store on ${engine.name}`, () => {
    const scratch = scratchDatabases(engine);
    const fresh = async () => {
      const db = await scratch.create();
      return { db, store: (await scratch.open(db)).store };
    };
    const another = (db: TestDatabase) => scratch.open(db);

    test('the migrations run once; opening again finds nothing to do', async () => {
      const { db, store } = await fresh();
      await seedClient(store, 'DXPESW5300000001');
      const again = await another(db);
      expect((await again.store.clients.get('DXPESW5300000001'))?.transport).toBe('amqp');
    });

    test('a client’s last-seen time is written only when none is recorded after the given instant, by any instance', async () => {
      const { db, store } = await fresh();
      await seedClient(store, 'DXPESW5300000001');
      const other = (await another(db)).store;
      await store.clients.touchSeen('DXPESW5300000001', '2026-11-21T02:00:00.000Z', '2026-11-21T01:59:55.000Z');
      await other.clients.touchSeen('DXPESW5300000001', '2026-11-21T02:00:03.000Z', '2026-11-21T01:59:58.000Z');
      expect((await store.clients.get('DXPESW5300000001'))?.lastSeenAt).toBe('2026-11-21T02:00:00.000Z');
      await other.clients.touchSeen('DXPESW5300000001', '2026-11-21T02:00:06.000Z', '2026-11-21T02:00:01.000Z');
      expect((await store.clients.get('DXPESW5300000001'))?.lastSeenAt).toBe('2026-11-21T02:00:06.000Z');
    });

    test('an enterprise’s manuals are listed by manual number', async () => {
      const { store } = await fresh();
      await seedClient(store, 'DXPESW5300000001', '4403960002');
      for (const manualNo of ['E53002600002', 'E53002600001'])
        await store.manuals.insert({ manualNo, enterpriseCode: '4403960002', head: { manualNo }, version: 1, createdAt: now() }, [
          { manualNo, kind: 'img', serial: 1, code: '8541100000', name: '二极管', model: '', unit: '007', quantity: '1' },
        ]);
      expect((await store.manuals.list('4403960002')).map((m) => [m.manualNo, m.version, m.head.manualNo])).toEqual([
        ['E53002600001', 1, 'E53002600001'],
        ['E53002600002', 1, 'E53002600002'],
      ]);
      expect(await store.manuals.list('4403980001')).toEqual([]);
    });

    test('an IC card keeps its validity and lock state; an enterprise’s cards are listed by number; a card from before 0015 has none', async () => {
      const db = await scratch.create();
      const old = await migratedUpTo(engine.name, db, '0012_receipt_subscription_client_validity');
      const card = (cardNo: string, enterpriseCode: string) => ({
        cardNo,
        enterpriseCode,
        kind: 'operator' as const,
        holderAccount: null,
        publicKeyPem: 'pem',
        fingerprint: 'f',
        pinHash: 'h',
        triesLeft: 5,
        locked: 0,
        createdAt: '2026-11-21T02:00:00.000Z',
      });
      try {
        await old
          .insertInto('enterprises')
          .values({ customsCode: '4403980001', uscc: '91440300MA5G0B1X01', name: '报关行', region: '5300', createdAt: now() })
          .execute();
        await old.insertInto('cards').values(card('8950000000009', '4403980001')).execute();
      } finally {
        await old.destroy();
      }
      const { store } = await another(db);
      await seedClient(store, 'DXPESW5300000002', '4403960002');
      await store.identity.insertCard({
        ...card('8950000000002', '4403980001'),
        kind: 'legal' as const,
        locked: false,
        validUntil: '2031-11-21T02:00:00.000Z',
      });
      await store.identity.insertCard({ ...card('8950000000003', '4403960002'), locked: true, validUntil: '2027-01-01T00:00:00.000Z' });
      expect((await store.identity.listCards('4403980001')).map((c) => [c.cardNo, c.kind, c.locked, c.validUntil])).toEqual([
        ['8950000000002', 'legal', false, '2031-11-21T02:00:00.000Z'],
        ['8950000000009', 'operator', false, null],
      ]);
      expect(await store.identity.getCard('8950000000003')).toMatchObject({ locked: true, validUntil: '2027-01-01T00:00:00.000Z' });
      expect(await store.identity.listCards('4403000000')).toEqual([]);
    });

    // the embedded SQLite store is one process's database; several instances are a PostgreSQL setup
    test.skipIf(engine.name === 'sqlite')('two instances starting at once on a new database both come up (migration lock)', async () => {
      const db = await scratch.create();
      const [a, b] = await Promise.all([scratch.open(db), scratch.open(db)]);
      expect(await a.store.identity.countEnterprises()).toBe(0);
      expect(await b.store.identity.countEnterprises()).toBe(0);
    });

    test('serials are handed out once each, also to two instances asking at the same moment', async () => {
      const { db, store } = await fresh();
      const other = engine.name === 'postgres' ? (await another(db)).store : store;
      const values = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).serials.next('seqNo:2026')));
      expect([...values].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });

    test('message bytes come back as stored; a message id is stored once per client', async () => {
      const { store } = await fresh();
      await seedClient(store, 'DXPESW5300000001');
      const body = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 255, 128, 10]);
      const row = {
        clientId: 'DXPESW5300000001',
        messageId: 'DXPESW5300000001202601010000000001',
        business: 'declaration',
        fileName: '报关单.zip',
        family: 'declaration',
        messageType: 'DecMessage',
        sha256: 'ab',
        body,
        accepted: true,
        responseXml: '<r/>',
        documentKey: 'E20260000000000001',
        receivedAt: now(),
      };
      await store.inbound.insert(row);
      const back = await store.inbound.get(row.clientId, row.messageId);
      expect(Buffer.from(back!.body).equals(Buffer.from(body))).toBe(true);
      expect(back!.accepted).toBe(true);
      await expect(store.inbound.insert(row)).rejects.toThrow();
    });

    test('declarations are read, given their status and their receipts as sets, each row its own values', async () => {
      const { store } = await fresh();
      const seqNos = ['E20260000000000031', 'E20260000000000032', 'E20260000000000033'];
      for (const [i, seqNo] of seqNos.entries()) await store.declarations.insert(declaration(seqNo, `C-SET-${i}`));
      const got = await store.declarations.getMany([...seqNos, 'E20260000000000039', seqNos[0]]);
      expect(got.map((d) => d.seqNo).sort()).toEqual(seqNos);
      const at = now();
      await store.declarations.updateStatuses([
        { seqNo: seqNos[0], channel: 'L', entryId: '530020261000000001', updatedAt: at },
        { seqNo: seqNos[1], channel: '7', entryId: '', updatedAt: at },
        { seqNo: seqNos[0], channel: 'J', entryId: '530020261000000001', updatedAt: at }, // given twice: the last holds
      ]);
      const after = new Map((await store.declarations.getMany(seqNos)).map((d) => [d.seqNo, d]));
      expect([after.get(seqNos[0])!.channel, after.get(seqNos[0])!.entryId]).toEqual(['J', '530020261000000001']);
      expect([after.get(seqNos[1])!.channel, after.get(seqNos[1])!.updatedAt]).toEqual(['7', at]);
      expect(after.get(seqNos[2])!.channel).toBe(''); // not in the set: untouched
      await store.declarations.insertReceipts([
        { seqNo: seqNos[0], channel: 'L', note: '海关入库成功', xml: '<DEC_RESULT>L</DEC_RESULT>', createdAt: at },
        { seqNo: seqNos[0], channel: 'J', note: '', xml: '<DEC_RESULT>J</DEC_RESULT>', createdAt: at },
      ]);
      expect((await store.declarations.listReceipts(seqNos[0])).map((r) => r.channel)).toEqual(['L', 'J']);
    });

    test('a ClientSeqNo is taken once per sender enterprise, also by two instances writing at the same moment', async () => {
      const { db, store } = await fresh();
      const other = engine.name === 'postgres' ? (await another(db)).store : store;
      expect(await store.declarations.insert(declaration('E20260000000000001', 'C-1'))).toBe(true);
      expect(await store.declarations.insert(declaration('E20260000000000002', 'C-1'))).toBe(false);
      expect(await store.declarations.get('E20260000000000002')).toBeUndefined();
      // another enterprise numbers its own declarations
      expect(await store.declarations.insert(declaration('E20260000000000003', 'C-1', '4403960002'))).toBe(true);
      expect((await store.declarations.findByClientSeqNo('4403980001', 'C-1'))?.seqNo).toBe('E20260000000000001');
      expect((await store.declarations.findByClientSeqNo('4403960002', 'C-1'))?.seqNo).toBe('E20260000000000003');
      expect(await store.declarations.findByClientSeqNo('4403980001', 'C-2')).toBeUndefined();
      // the row comes back as the core knows it
      expect(Object.keys((await store.declarations.get('E20260000000000001'))!).sort()).toEqual(Object.keys(declaration('x', 'y')).sort());
      const raced = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? store : other).transaction((tx) => tx.declarations.insert(declaration(`E2026000000000010${i}`, 'C-RACE'))),
        ),
      );
      expect(raced.filter(Boolean)).toHaveLength(1);
    });

    test('the ClientSeqNo migration builds its unique index on a database that holds repeats from before', async () => {
      const db = await scratch.create();
      const old = await migratedUpTo(engine.name, db, '0006_client_last_seen');
      try {
        for (const [seqNo, clientSeqNo] of [
          ['E20260000000000002', 'C-1'],
          ['E20260000000000001', 'C-1'],
          ['E20260000000000003', 'C-1'],
          ['E20260000000000004', 'C-2'],
        ])
          await old
            .insertInto('declarations')
            .values(before0013(declaration(seqNo, clientSeqNo)))
            .execute();
        await old
          .insertInto('declarations')
          .values(before0013(declaration('E20260000000000005', 'C-1', '4403960002')))
          .execute();
        expect(Number((await sql<{ n: number }>`select count(*) as n from declarations`.execute(old)).rows[0].n)).toBe(5);
      } finally {
        await old.destroy();
      }
      const { store } = await another(db);
      // nothing is lost; the first of the repeats holds the number; a new repeat is refused
      expect((await store.declarations.listFor('4403980001', 10)).map((d) => d.seqNo).sort()).toEqual([
        'E20260000000000001',
        'E20260000000000002',
        'E20260000000000003',
        'E20260000000000004',
      ]);
      expect((await store.declarations.findByClientSeqNo('4403980001', 'C-1'))?.seqNo).toBe('E20260000000000001');
      expect((await store.declarations.findByClientSeqNo('4403960002', 'C-1'))?.seqNo).toBe('E20260000000000005');
      expect(await store.declarations.insert(declaration('E20260000000000006', 'C-1'))).toBe(false);
      expect(await store.declarations.insert(declaration('E20260000000000007', 'C-2'))).toBe(false);
      expect(await store.declarations.insert(declaration('E20260000000000008', 'C-3'))).toBe(true);
    });

    test('a declaration whose XML is its inbound message’s body is kept once, there, and read back whole', async () => {
      const { db, store } = await scratch.open(await scratch.create());
      await seedClient(store, 'DXPESW5300000001');
      const xml = '<?xml version="1.0" encoding="UTF-8"?><DecMessage><DecHead><TypistNo>8950000000101</TypistNo></DecHead></DecMessage>';
      const d = { ...declaration('E20260000000000041', 'C-ONCE'), messageId: 'DXPESW5300000001202601010000000041', xml };
      await store.inbound.insert({
        clientId: d.senderClientId,
        messageId: d.messageId,
        business: 'declaration',
        fileName: 'dec.xml',
        family: 'declaration',
        messageType: 'DecMessage',
        sha256: 'ab',
        body: Buffer.from(xml),
        accepted: true,
        responseXml: '<r/>',
        documentKey: d.seqNo,
        receivedAt: now(),
      });
      expect(await store.declarations.insert(d, { xmlIsInboundBody: true })).toBe(true);
      const kept = await sql<{ xml: string }>`select xml from declarations where seq_no = ${d.seqNo}`.execute(db);
      expect(kept.rows[0].xml).toBe('');
      expect((await store.declarations.get(d.seqNo))?.xml).toBe(xml);
      expect((await store.declarations.findByNumber(d.seqNo))?.xml).toBe(xml);
      expect((await store.declarations.findByClientSeqNo(d.senderEnterprise, 'C-ONCE'))?.xml).toBe(xml);
      expect((await store.declarations.findByClientSeqNos(d.senderEnterprise, ['C-ONCE']))[0].xml).toBe(xml);
      expect((await store.declarations.listFor(d.senderEnterprise, 5)).find((r) => r.seqNo === d.seqNo)?.xml).toBe(xml);
      // the facts come without the XML, with the cards
      const [facts] = await store.declarations.getMany([d.seqNo]);
      expect(facts).not.toHaveProperty('xml');
      expect(facts.messageId).toBe(d.messageId);
      // one written with its own XML keeps it
      await store.declarations.insert({ ...declaration('E20260000000000042', 'C-OWN'), xml: '<DecMessage>own</DecMessage>' });
      expect((await store.declarations.get('E20260000000000042'))?.xml).toBe('<DecMessage>own</DecMessage>');
    });

    test('the declarations from before the card columns get their ICCode and TypistNo from their XML', async () => {
      const db = await scratch.create();
      const old = await migratedUpTo(engine.name, db, '0012_receipt_subscription_client_validity');
      try {
        const xml =
          '<DecMessage><DecHead><TypistNo> 8950000000101 </TypistNo></DecHead><DecSign><ICCode>8950000000002</ICCode></DecSign></DecMessage>';
        await old
          .insertInto('declarations')
          .values(before0013({ ...declaration('E20260000000000051', 'C-51'), xml }))
          .execute();
        await old
          .insertInto('declarations')
          .values(before0013(declaration('E20260000000000052', 'C-52')))
          .execute();
      } finally {
        await old.destroy();
      }
      const { store } = await another(db);
      const got = new Map((await store.declarations.getMany(['E20260000000000051', 'E20260000000000052'])).map((d) => [d.seqNo, d]));
      expect([got.get('E20260000000000051')?.icCode, got.get('E20260000000000051')?.typistNo]).toEqual(['8950000000002', '8950000000101']);
      expect([got.get('E20260000000000052')?.icCode, got.get('E20260000000000052')?.typistNo]).toEqual(['', '']);
    });

    test('deliveries: taken oldest first, acked only for their own client, counted', async () => {
      const { store } = await fresh();
      await seedClient(store, 'DXPESW5300000001');
      await seedClient(store, 'DXPESW5300000002');
      for (let i = 0; i < 5; i++)
        await store.deliveries.enqueue([
          {
            clientId: 'DXPESW5300000001',
            messageId: `M${i}`,
            business: 'declaration',
            fileName: `R${i}.xml`,
            body: `<r>${i}</r>`,
            createdAt: now(),
          },
        ]);
      const taken = await store.deliveries.take('DXPESW5300000001', 3);
      expect(taken.map((d) => d.messageId)).toEqual(['M0', 'M1', 'M2']);
      expect(taken[0].attempts).toBe(1);
      expect(
        (
          await store.deliveries.ack(
            'DXPESW5300000002',
            taken.map((d) => d.id),
            now(),
          )
        ).length,
      ).toBe(0);
      expect(
        (
          await store.deliveries.ack(
            'DXPESW5300000001',
            taken.map((d) => d.id),
            now(),
          )
        ).length,
      ).toBe(3);
      expect(await store.deliveries.countPending('DXPESW5300000001')).toBe(2);
    });

    test("a push's delivery stores its body once, in the push log, and is taken with it; a resend queues it again", async () => {
      const { db, store } = await fresh();
      await seedClient(store, 'DXPESW5300000001');
      const body = '<DEC_RESULT><CUS_CIQ_NO>E20260000000000001</CUS_CIQ_NO><CHANNEL>L</CHANNEL></DEC_RESULT>';
      const at = now();
      await store.pushes.insert([
        {
          messageId: 'DXPEDCPUSH000001DXPESW5300000001P1',
          eventId: null,
          source: 'declaration-receipt',
          subscriptionKind: 'receipt',
          subscriptionId: 1,
          method: 'client',
          targetKey: 'client:DXPESW5300000001',
          clientId: 'DXPESW5300000001',
          enterpriseCode: '4403980001',
          documentNo: 'E20260000000000001',
          manualNo: null,
          orderKey: 'E20260000000000001',
          business: 'declaration',
          fileName: 'Receipt_E20260000000000001_1.xml',
          body,
          nextAttemptAt: at,
          createdAt: at,
        },
      ]);
      const [push] = await store.transaction((tx) => tx.pushes.dueInTransaction(at, 10));
      // a receipt for the client itself, queued with its body, next to the push's delivery
      await store.deliveries.enqueue([
        { clientId: 'DXPESW5300000001', messageId: 'R1', business: 'declaration', fileName: 'R1.xml', body: '<r>1</r>', createdAt: at },
      ]);
      await store.transaction((tx) => queueClientPushes(tx, [push], at));
      const raw = await (await another(db)).db.selectFrom('deliveries').select(['messageId', 'body', 'pushId']).orderBy('id').execute();
      expect(raw.map((r) => [r.messageId, r.body, r.pushId == null ? null : Number(r.pushId)])).toEqual([
        ['R1', '<r>1</r>', null],
        [push.messageId, '', push.id],
      ]);
      const taken = await store.deliveries.take('DXPESW5300000001', 10);
      expect(taken.map((d) => [d.messageId, d.fileName, d.body])).toEqual([
        ['R1', 'R1.xml', '<r>1</r>'],
        [push.messageId, 'Receipt_E20260000000000001_1.xml', body],
      ]);
      expect(
        await store.deliveries.ack(
          'DXPESW5300000001',
          taken.map((d) => d.id),
          now(),
        ),
      ).toEqual([
        { id: taken[0].id, messageId: 'R1', resend: 0, createdAt: taken[0].createdAt },
        { id: taken[1].id, messageId: push.messageId, resend: 0, createdAt: taken[1].createdAt },
      ]);
      // resent (重发): the same message id back in line as resend attempt 1, under a new file stamp, with the push's body
      expect(await store.pushes.markResent([push.id], now())).toEqual([push.id]);
      const resent = (await store.pushes.get(push.id))!;
      expect([resent.resent, resent.resendCount, resent.clientOutcome]).toEqual([true, 1, null]);
      await store.transaction((tx) => queueClientPushes(tx, [resent], now()));
      const again = await store.deliveries.take('DXPESW5300000001', 10);
      expect(again.map((d) => [d.messageId, d.body, d.resend])).toEqual([[push.messageId, body, 1]]);
      expect(again[0].fileName).toMatch(/^Receipt_E20260000000000001_1_\d{21}\.xml$/);
      // the client wrote it: the push is delivered, its attempt says so with the resend attempt
      const acked = await store.deliveries.ack('DXPESW5300000001', [again[0].id], now());
      await store.pushes.deliveredToClient('DXPESW5300000001', [{ ...acked[0], outcome: 'written' }], now());
      // a RabbitMQ client's later word: a redelivery of the same attempt dropped; the push stays written
      expect(
        await store.pushes.recordClientOutcomes('DXPESW5300000001', [{ messageId: push.messageId, resend: 1, outcome: 'dropped' }], now()),
      ).toBe(1);
      expect((await store.pushes.get(push.id))!).toMatchObject({ status: 'delivered', resendCount: 1, clientOutcome: 'written' });
      const log = (await store.pushes.listAttempts(push.id)).filter((a) => a.clientOutcome);
      expect(log.map((a) => [a.outcome, a.resend, a.clientOutcome])).toEqual([
        ['delivered', 1, 'written'],
        ['received', 1, 'dropped'],
      ]);
    });

    test("a stock subscription's progress counts its client pushes and the acknowledged ones, per subscription", async () => {
      const { store } = await fresh();
      const at = now();
      const push = (subscriptionId: number, n: number, extra: Record<string, unknown> = {}) => ({
        messageId: `DXPEDCPUSH${subscriptionId}-${n}-${String(extra.method ?? 'client')}`,
        eventId: null,
        source: 'manual-stock' as const,
        subscriptionKind: 'manual' as const,
        subscriptionId,
        method: 'client' as const,
        targetKey: 'client:DXPESW5300000001',
        clientId: 'DXPESW5300000001',
        enterpriseCode: '4403960002',
        documentNo: null,
        manualNo: 'E53002600001',
        orderKey: 'E53002600001',
        business: 'processing-trade',
        fileName: `Receipt_${subscriptionId}_${n}.xml`,
        body: '<Package/>',
        nextAttemptAt: at,
        createdAt: at,
        ...extra,
      });
      await store.pushes.insert([
        push(1, 1),
        push(1, 2),
        push(1, 3),
        push(1, 1, { method: 'webhook', targetKey: 'webhook:1', clientId: null }),
        push(2, 1),
        push(3, 1, { source: 'manual-change' }),
      ]);
      const rows = (await store.pushes.list({ enterpriseCode: '4403960002', offset: 0, limit: 10 })).rows;
      const first = rows.filter((r) => r.subscriptionId === 1 && r.method === 'client').slice(0, 2);
      expect(first).toHaveLength(2);
      await store.pushes.recordAttempts(
        first.map((p) => ({
          pushId: p.id,
          change: { status: 'delivered', nextAttemptAt: at, handedAt: at, deliveredAt: at, lastError: null, countAttempt: true },
          attempt: { at, outcome: 'delivered', error: null, durationMs: 1 },
        })),
      );
      const progress = await store.pushes.stockProgress([
        { id: 1, manualNo: 'E53002600001' },
        { id: 2, manualNo: 'E53002600001' },
        { id: 3, manualNo: 'E53002600001' },
        { id: 4, manualNo: 'E53002600001' },
      ]);
      expect([...progress.entries()].sort((a, b) => a[0] - b[0])).toEqual([
        [1, { total: 3, delivered: 2 }],
        [2, { total: 1, delivered: 0 }],
      ]);
      expect((await store.pushes.stockProgress([])).size).toBe(0);
    });

    test("the event log's and the charts' set reads: receipts of many declarations, subscriptions by ids, pushes by message id, by subscription, delivered since", async () => {
      const { store } = await fresh();
      const at = now();
      const seqNos = ['E20260000000000061', 'E20260000000000062'];
      for (const [i, seqNo] of seqNos.entries()) await store.declarations.insert(declaration(seqNo, `C-EV-${i}`));
      await store.declarations.insertReceipts([
        { seqNo: seqNos[0], channel: '7', note: '', xml: '<DEC_RESULT>7</DEC_RESULT>', createdAt: at },
        { seqNo: seqNos[1], channel: 'L', note: '', xml: '<DEC_RESULT>L</DEC_RESULT>', createdAt: at },
        { seqNo: seqNos[0], channel: 'P', note: '放行', xml: '<DEC_RESULT>P</DEC_RESULT>', createdAt: at },
      ]);
      const receipts = await store.declarations.listReceiptsOf([...seqNos, 'E20260000000000069']);
      expect(receipts.map((r) => [r.seqNo, r.channel])).toEqual([
        [seqNos[0], '7'],
        [seqNos[1], 'L'],
        [seqNos[0], 'P'],
      ]);
      expect(receipts[0]).not.toHaveProperty('xml');
      expect(await store.declarations.listReceiptsOf([])).toEqual([]);

      await seedClient(store, 'DXPESW5300000002', '4403960002');
      const sub = await store.receiptSubscriptions.insert({
        enterpriseCode: '4403960002',
        pushMethod: 'app',
        mode: 'enterprise',
        documentNo: null,
        seqNo: null,
        phone: null,
        clientId: null,
        operatorCardNo: null,
        operatorAccount: 'owner01',
        operatorCode: 'QH0031',
        receiptTypes: null,
        channels: null,
        validUntil: null,
        expiresAt: null,
        cancelledAt: null,
        createdAt: at,
      });
      expect((await store.receiptSubscriptions.getMany([sub, sub, 9999])).map((s) => s.id)).toEqual([sub]);
      expect(await store.declarationSubscriptions.getMany([])).toEqual([]);
      expect(await store.manualSubscriptions.getMany([9999])).toEqual([]);

      const push = (messageId: string, subscriptionId: number, subscriptionKind: 'receipt' | 'declaration') => ({
        messageId,
        eventId: null,
        source: 'declaration-receipt' as const,
        subscriptionKind,
        subscriptionId,
        method: 'app' as const,
        targetKey: 'app:4403960002',
        clientId: null,
        enterpriseCode: '4403960002',
        documentNo: seqNos[0],
        manualNo: null,
        orderKey: seqNos[0],
        business: 'declaration',
        fileName: `${messageId}.json`,
        body: '{}',
        nextAttemptAt: at,
        createdAt: at,
      });
      await store.pushes.insert([push('DXPEV-1', sub, 'receipt'), push('DXPEV-2', sub, 'receipt'), push('DXPEV-3', sub, 'declaration')]);
      const q = { enterpriseCode: '4403960002', offset: 0, limit: 10 };
      expect((await store.pushes.list({ ...q, messageId: 'DXPEV-2' })).rows.map((p) => p.messageId)).toEqual(['DXPEV-2']);
      expect((await store.pushes.list({ ...q, subscriptionId: sub })).total).toBe(3);
      expect((await store.pushes.list({ ...q, subscriptionId: sub, subscriptionKind: 'receipt' })).total).toBe(2);
      expect((await store.pushes.list({ ...q, enterpriseCode: '4403980001', messageId: 'DXPEV-2' })).total).toBe(0);

      // the delivery charts: the enterprise's client pushes delivered since an instant
      await store.pushes.insert([
        { ...push('DXPEV-4', sub, 'receipt'), method: 'client', targetKey: 'client:DXPESW5300000002', clientId: 'DXPESW5300000002' },
      ]);
      const client = (await store.pushes.list({ ...q, messageId: 'DXPEV-4' })).rows[0];
      const later = new Date(Date.parse(at) + 5000).toISOString();
      await store.pushes.recordAttempts([
        {
          pushId: client.id,
          change: { status: 'delivered', nextAttemptAt: at, handedAt: at, deliveredAt: later, lastError: null, countAttempt: true },
          attempt: { at: later, outcome: 'delivered', error: null, durationMs: 1 },
        },
      ]);
      expect(await store.pushes.deliveredSince('4403960002', at, 10)).toEqual([
        { clientId: 'DXPESW5300000002', createdAt: at, deliveredAt: later },
      ]);
      expect(await store.pushes.deliveredSince('4403960002', new Date(Date.parse(later) + 1).toISOString(), 10)).toEqual([]);
      expect(await store.pushes.deliveredSince('4403980001', at, 10)).toEqual([]);
    });

    test('a receipt subscription by client keeps its receipt types and validity; extended, listed active or expired by the instant', async () => {
      const { store } = await fresh();
      await seedClient(store, 'DXPESW5300000002', '4403960002');
      const row = {
        enterpriseCode: '4403960002',
        pushMethod: 'client' as const,
        mode: 'enterprise' as const,
        documentNo: null,
        seqNo: null,
        phone: null,
        clientId: 'DXPESW5300000002',
        operatorCardNo: '8950000000004',
        operatorAccount: 'owner01',
        operatorCode: 'QH0031',
        receiptTypes: ['放行', '结关'],
        channels: ['P', 'R'],
        validUntil: '2026-12-31',
        expiresAt: '2026-12-31T16:00:00.000Z',
        cancelledAt: null,
        createdAt: '2026-11-21T02:00:00.000Z',
      };
      const id = await store.receiptSubscriptions.insert(row);
      const old = await store.receiptSubscriptions.insert({
        ...row,
        pushMethod: 'app',
        clientId: null,
        operatorCardNo: null,
        receiptTypes: null,
        channels: null,
        validUntil: null,
        expiresAt: null,
      });
      expect(await store.receiptSubscriptions.get(id)).toEqual({ id, ...row });
      expect((await store.receiptSubscriptions.get(old))?.channels).toBeNull();
      const q = { offset: 0, limit: 10 };
      const ids = async (status: 'active' | 'expired', now: string) =>
        (await store.receiptSubscriptions.list('4403960002', { ...q, status, now })).rows.map((r) => r.id).sort();
      expect(await ids('active', '2026-12-31T15:59:59.000Z')).toEqual([id, old].sort());
      expect(await ids('expired', '2026-12-31T16:00:00.000Z')).toEqual([id]);
      expect(await store.receiptSubscriptions.setValidity(id, { validUntil: '2027-01-31', expiresAt: '2027-01-31T16:00:00.000Z' })).toBe(
        true,
      );
      expect(await ids('active', '2026-12-31T16:00:00.000Z')).toEqual([id, old].sort());
      await store.receiptSubscriptions.cancel(id, '2027-01-01T00:00:00.000Z');
      expect(await store.receiptSubscriptions.setValidity(id, { validUntil: '2027-02-28', expiresAt: '2027-02-28T16:00:00.000Z' })).toBe(
        false,
      );
    });

    test('a database from before migrations 0008 and 0009: its deliveries keep their own body, its pushes stay due and found', async () => {
      const db = await scratch.create();
      const old = await migratedUpTo(engine.name, db, '0007_declaration_client_seq_no');
      try {
        await old
          .insertInto('enterprises')
          .values({ customsCode: '4403980001', uscc: '91440300MA5G0B1X01', name: '报关行', region: '5300', createdAt: now() })
          .execute();
        await old
          .insertInto('clients')
          .values({
            clientId: 'DXPESW5300000001',
            enterpriseCode: '4403980001',
            region: '5300',
            version: '2.0',
            transport: 'http',
            environment: 'test',
            secretHash: 'x',
            status: 'active',
            createdAt: now(),
          })
          .execute();
        await old
          .insertInto('deliveries')
          .values({
            clientId: 'DXPESW5300000001',
            messageId: 'M0',
            business: 'declaration',
            fileName: 'R0.xml',
            body: '<r>0</r>',
            createdAt: now(),
          })
          .execute();
        for (const [messageId, handedAt] of [
          ['P0', now()],
          ['P1', null],
        ])
          await old
            .insertInto('pushes')
            .values({
              messageId,
              eventId: null,
              source: 'manual-change',
              subscriptionKind: 'manual',
              subscriptionId: 1,
              method: 'client',
              targetKey: 'client:DXPESW5300000001',
              clientId: 'DXPESW5300000001',
              enterpriseCode: '4403980001',
              documentNo: null,
              manualNo: 'B530026000001',
              orderKey: 'B530026000001',
              business: 'processing-trade',
              fileName: `${messageId}.xml`,
              body: '<m/>',
              status: 'pending',
              attempts: 0,
              nextAttemptAt: now(),
              handedAt,
              createdAt: now(),
            })
            .execute();
      } finally {
        await old.destroy();
      }
      const { store } = await another(db);
      expect((await store.deliveries.take('DXPESW5300000001', 10)).map((d) => [d.messageId, d.body])).toEqual([['M0', '<r>0</r>']]);
      // the push not handed yet is due; both are found by manual and by message id
      expect((await store.pushes.claimDue(now(), now(), 10)).map((p) => p.messageId)).toEqual(['P1']);
      expect((await store.pushes.list({ enterpriseCode: '4403980001', manualNo: 'B530026000001', offset: 0, limit: 10 })).total).toBe(2);
      await store.pushes.deliveredToClient('DXPESW5300000001', [{ messageId: 'P0' }], now());
      const delivered = await store.pushes.list({ enterpriseCode: '4403980001', status: 'delivered', offset: 0, limit: 10 });
      expect(delivered.rows.map((p) => p.messageId)).toEqual(['P0']);
    });

    test('stale clients: a push handed before the limit and unacknowledged, or taken too often; not once acknowledged', async () => {
      const { store } = await fresh();
      const client = (i: number) => `DXPESW530000000${i}`;
      for (let i = 1; i <= 5; i++) await seedClient(store, client(i));
      const t = (min: number) => new Date(Date.UTC(2026, 0, 1, 8, min)).toISOString();
      const handOver = (i: number, at: string) =>
        store.transaction(async (tx) => {
          await tx.pushes.insert([
            {
              messageId: `P${i}`,
              eventId: null,
              source: 'declaration-receipt',
              subscriptionKind: 'receipt',
              subscriptionId: i,
              method: 'client',
              targetKey: `client:${client(i)}`,
              clientId: client(i),
              enterpriseCode: '4403980001',
              documentNo: `E2026000000000000${i}`,
              manualNo: null,
              orderKey: `E2026000000000000${i}`,
              business: 'declaration',
              fileName: `R${i}.xml`,
              body: `<r>${i}</r>`,
              nextAttemptAt: at,
              createdAt: at,
            },
          ]);
          const due = await tx.pushes.dueInTransaction(at, 10);
          await queueClientPushes(tx, due, at);
          await tx.pushes.recordAttempts(
            due.map((p) => ({
              pushId: p.id,
              change: { status: 'pending', nextAttemptAt: at, handedAt: at, lastError: null, countAttempt: false },
              attempt: { at, outcome: 'queued', error: null, durationMs: 0 },
            })),
          );
        });
      await handOver(1, t(0)); // long ago, never acknowledged
      await handOver(2, t(50)); // lately, taken three times
      await handOver(3, t(0)); // long ago, acknowledged
      await handOver(4, t(50)); // lately, taken once
      for (let k = 0; k < 3; k++) await store.deliveries.take(client(2), 10);
      await store.deliveries.take(client(4), 10);
      const taken = await store.deliveries.take(client(3), 10);
      const acked = await store.deliveries.ack(
        client(3),
        taken.map((d) => d.id),
        t(1),
      );
      expect(acked.map((a) => a.createdAt)).toEqual(acked.map(() => t(0)));
      await store.pushes.deliveredToClient(client(3), acked, t(1));
      // a receipt for the sender itself, taken often, is not a push
      await store.deliveries.enqueue([
        { clientId: client(5), messageId: 'R5', business: 'declaration', fileName: 'R5.xml', body: '<r/>', createdAt: t(0) },
      ]);
      for (let k = 0; k < 3; k++) await store.deliveries.take(client(5), 10);
      expect((await store.pushes.staleClientTargets(t(30), 3)).sort()).toEqual([client(1), client(2)]);
      expect(await store.pushes.staleClientTargets(t(30), 4)).toEqual([client(1)]);
    });

    test('lists page with a total', async () => {
      const { store } = await fresh();
      for (let i = 1; i <= 7; i++) await seedClient(store, `DXPESW530000000${i}`);
      const page = await store.clients.list('4403980001', { offset: 2, limit: 3 });
      expect(page.total).toBe(7);
      expect(page.rows).toHaveLength(3);
    });

    test('a transaction that fails leaves nothing behind', async () => {
      const { store } = await fresh();
      await seedClient(store, 'DXPESW5300000001');
      await expect(
        store.transaction(async (tx) => {
          await tx.deliveries.enqueue([
            { clientId: 'DXPESW5300000001', messageId: 'M', business: 'declaration', fileName: 'R.xml', body: '<r/>', createdAt: now() },
          ]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await store.deliveries.countPending('DXPESW5300000001')).toBe(0);
    });

    test('two instances forwarding one client’s deliveries take each one once (zero duplicates)', async () => {
      const { db, store } = await fresh();
      await seedClient(store, 'DXPESW5300000001');
      const N = 400;
      for (let i = 0; i < N; i += 50)
        await store.transaction(async (tx) => {
          for (let k = i; k < i + 50; k++)
            await tx.deliveries.enqueue([
              {
                clientId: 'DXPESW5300000001',
                messageId: `M${k}`,
                business: 'declaration',
                fileName: `R${k}.xml`,
                body: '<r/>',
                createdAt: now(),
              },
            ]);
        });
      // SQLite is one process's database; PostgreSQL gets a second instance with its own pool
      const stores = engine.name === 'postgres' ? [store, (await another(db)).store, (await another(db)).store] : [store, store];
      const seen: string[] = [];
      // the forwarder's pattern: take, hand over (a broker confirm), mark delivered, commit
      const forwarder = async (s: Store) => {
        for (;;) {
          const n = await s.transaction(async (tx) => {
            const rows = await tx.deliveries.take('DXPESW5300000001', 7);
            await new Promise((r) => setTimeout(r, 2));
            seen.push(...rows.map((r) => r.messageId));
            await tx.deliveries.ack(
              'DXPESW5300000001',
              rows.map((r) => r.id),
              now(),
            );
            return rows.length;
          });
          if (!n) return;
        }
      };
      await Promise.all(stores.map(forwarder));
      expect(seen).toHaveLength(N);
      expect(seen.length - new Set(seen).size).toBe(0);
    });

    test('two instances running due sandbox jobs complete each once (zero duplicates)', async () => {
      const { db, store } = await fresh();
      const N = 120;
      for (let i = 0; i < N; i++)
        await store.sandbox.insertJobs([
          { kind: 'test', documentKey: `E${i}`, payload: { i: String(i) }, dueAt: '2026-01-01T00:00:00.000Z' },
        ]);
      const stores = engine.name === 'postgres' ? [store, (await another(db)).store, (await another(db)).store] : [store, store];
      const done: number[] = [];
      // the sandbox worker's pattern: list what is due, complete each in its own transaction
      const worker = async (s: Store) => {
        for (;;) {
          const jobs = await s.sandbox.dueJobs(now(), 20);
          if (!jobs.length) return;
          for (const job of jobs)
            await s.transaction(async (tx) => {
              if (!(await tx.sandbox.completeJob(job.id, now()))) return;
              await new Promise((r) => setTimeout(r, 1));
              done.push(job.id);
            });
        }
      };
      await Promise.all(stores.map(worker));
      expect(done).toHaveLength(N);
      expect(done.length - new Set(done).size).toBe(0);
    });

    test("a document's sandbox jobs run in order, even with several instances and all of them due", async () => {
      const { db, store } = await fresh();
      const DOCS = 30;
      const path = ['7', 'L', 'J', 'P', 'R'];
      // all due at once (a worker that fell behind), some with equal due times
      for (let i = 0; i < DOCS; i++)
        for (let k = 0; k < path.length; k++)
          await store.sandbox.insertJobs([
            { kind: 'test', documentKey: `E${i}`, payload: { channel: path[k]! }, dueAt: `2026-01-01T00:00:0${Math.min(k, 3)}.000Z` },
          ]);
      const stores = engine.name === 'postgres' ? [store, (await another(db)).store, (await another(db)).store] : [store, store];
      const seen = new Map<string, string[]>();
      const worker = async (s: Store) => {
        for (;;) {
          const jobs = await s.sandbox.dueJobs(now(), 20);
          if (!jobs.length) return;
          for (const job of jobs)
            await s.transaction(async (tx) => {
              if (!(await tx.sandbox.completeJob(job.id, now()))) return;
              await new Promise((r) => setTimeout(r, 1 + ((job.id * 7) % 5)));
              seen.set(job.documentKey, [...(seen.get(job.documentKey) ?? []), job.payload.channel!]);
            });
        }
      };
      await Promise.all(stores.map(worker));
      expect(seen.size).toBe(DOCS);
      for (const channels of seen.values()) expect(channels).toEqual(path);
    });
  });
}
