/**
 * The sandbox worker's sets on every engine (PostgreSQL when OSW_TEST_PG_URL is set): several
 * instances issuing the receipts of many declarations at once, each receipt once and each
 * declaration's receipts in order.
 */
import { describe, expect, test } from 'vitest';
import { eachEngine, scratchDatabases } from '../../../test/support/engines.js';
import { declarationRow } from '../../../test/support/declarations.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { silentLogger, systemClock, type PlatformDeps } from '../src/core/ports.js';
import { DeclarationSandbox, NORMAL_PATH } from '../src/core/sandbox/declarations.js';
import { startSandboxWorker } from '../src/core/sandbox/worker.js';
import type { Store } from '../src/core/store.js';

const SENDER = 'DXPESW5300000001';
const ENTERPRISE = '4403980001';

async function seed(store: Store, docs: number): Promise<string[]> {
  const at = new Date().toISOString();
  await store.identity.insertEnterprise({
    customsCode: ENTERPRISE,
    uscc: '91440300MA5G0B1X01',
    name: '报关行',
    region: '5300',
    createdAt: at,
  });
  await store.clients.insert({
    clientId: SENDER,
    enterpriseCode: ENTERPRISE,
    region: '5300',
    version: '2.0',
    transport: 'http',
    environment: 'test',
    secretHash: 'x',
    status: 'active',
    deviceFingerprint: null,
    createdAt: at,
  });
  const sandbox = new DeclarationSandbox({ paceMs: 0 });
  const seqNos: string[] = [];
  for (let i = 0; i < docs; i++) {
    const seqNo = `E2026${String(i).padStart(13, '0')}`;
    const d = declarationRow({ seqNo, key: i, senderClientId: SENDER, broker: ENTERPRISE, owner: '4403960002', at });
    await store.transaction(async (tx) => {
      await tx.declarations.insert(d);
      // all due at once (a worker that fell behind)
      await sandbox.declarationAccepted(tx, d, new Date(Date.now() - 60_000));
    });
    seqNos.push(seqNo);
  }
  return seqNos;
}

for (const engine of eachEngine()) {
  describe(`sandbox sets on ${engine.name}`, () => {
    const scratch = scratchDatabases(engine);

    test('completeJobs claims a set at once: jobs another transaction holds or that are done are left out', async () => {
      const db = await scratch.create();
      const a = await scratch.open(db);
      const ids = await a.store.sandbox.insertJobs(
        [0, 1, 2, 3].map((i) => ({ kind: 'test', documentKey: `E${i}`, payload: {}, dueAt: '2026-01-01T00:00:00.000Z' })),
      );
      expect(await a.store.sandbox.completeJobs([ids[3]], new Date().toISOString())).toEqual([ids[3]]);
      if (engine.name === 'postgres') {
        const b = await scratch.open(db);
        let release: () => void = () => undefined;
        const holding = new Promise<void>((r) => (release = r));
        let claimedB: number[] = [];
        const first = a.store.transaction(async (tx) => {
          expect(await tx.sandbox.completeJobs([ids[0]], new Date().toISOString())).toEqual([ids[0]]);
          await holding;
        });
        await new Promise((r) => setTimeout(r, 100));
        claimedB = await b.store.transaction((tx) => tx.sandbox.completeJobs(ids, new Date().toISOString()));
        release();
        await first;
        expect(claimedB).toEqual([ids[1], ids[2]]);
      } else {
        expect(await a.store.sandbox.completeJobs([ids[2], ids[0], ids[3], ids[1]], new Date().toISOString())).toEqual([
          ids[2],
          ids[0],
          ids[1],
        ]);
      }
    });

    test("several instances issue every receipt once, each declaration's in order", async () => {
      const db = await scratch.create();
      // PostgreSQL: three platform processes on one database; SQLite (one process): two workers on its store
      const stores: Store[] = [];
      for (let i = 0; i < (engine.name === 'postgres' ? 3 : 1); i++) {
        const o = await scratch.open(db);
        stores.push(o.store);
      }
      if (engine.name === 'sqlite') stores.push(stores[0]);
      const seqNos = await seed(stores[0], 30);
      const workers = stores.map((store) => {
        const deps: PlatformDeps = { store, clock: systemClock, logger: silentLogger, notifier: new InProcessNotifier() };
        return startSandboxWorker(deps, new DeclarationSandbox({ paceMs: 0 }), { tickMs: 60_000 });
      });
      const drain = async (w: (typeof workers)[number]) => {
        while ((await w.runDue()) > 0);
      };
      await Promise.all(workers.map(drain));
      await Promise.all(workers.map(drain)); // what one instance left while another held it
      for (const w of workers) await w.stop();

      const sent = await stores[0].deliveries.take(SENDER, 1000);
      expect(sent).toHaveLength(seqNos.length * NORMAL_PATH.length);
      expect(new Set(sent.map((r) => r.messageId)).size).toBe(sent.length);
      for (const seqNo of seqNos) {
        const mine = sent.filter((r) => r.fileName.startsWith(`Receipt_${seqNo}_`));
        // taken in queue order: the order they were issued in
        expect(mine.map((r) => /<CHANNEL>(\w)<\/CHANNEL>/.exec(r.body)![1])).toEqual([...NORMAL_PATH]);
        const stamps = mine.map((r) => /_(\d{21})\.xml$/.exec(r.fileName)![1]);
        expect([...stamps].sort()).toEqual(stamps);
        expect((await stores[0].declarations.get(seqNo))!.channel).toBe('R');
      }
    });
  });
}
