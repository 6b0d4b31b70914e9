/** The sandbox worker issues the receipts due for several declarations at once as a set, in one transaction. */
import { afterEach, describe, expect, it } from 'vitest';
import type { IssuedReceipt } from '../src/core/exchange/outbound.js';
import { NORMAL_PATH } from '../src/core/sandbox/declarations.js';
import { startSandboxWorker, type SandboxJobs } from '../src/core/sandbox/worker.js';
import type { PlatformDeps } from '../src/core/ports.js';
import type { SandboxJobRow, Store } from '../src/core/store.js';
import { pushWorld, type PushWorld } from './push-world.js';

let w: PushWorld;
afterEach(async () => w?.close());

/** the world's deps with the store's transactions counted */
function counted(deps: PlatformDeps): { deps: PlatformDeps; transactions: () => number } {
  let n = 0;
  const store: Store = Object.create(deps.store);
  store.transaction = ((fn: (tx: Store) => Promise<unknown>) => {
    n++;
    return deps.store.transaction(fn);
  }) as Store['transaction'];
  return { deps: { ...deps, store }, transactions: () => n };
}

async function declareWithJobs(count: number): Promise<string[]> {
  const seqNos: string[] = [];
  for (let i = 0; i < count; i++) {
    const d = await w.declare();
    await w.deps.store.transaction((tx) => w.sandbox.declarationAccepted(tx, d, w.deps.clock.now()));
    seqNos.push(d.seqNo);
  }
  return seqNos;
}

async function runAll(deps: PlatformDeps, jobs: SandboxJobs): Promise<number> {
  const worker = startSandboxWorker(deps, jobs, { tickMs: 60_000 });
  let ran = 0;
  for (let n = await worker.runDue(); n; n = await worker.runDue()) ran += n;
  await worker.stop();
  return ran;
}

describe('sandbox receipts in sets', () => {
  it("receipts due for several declarations are issued one set per transaction; each declaration's receipts in order, each once, pushed once", async () => {
    w = await pushWorld();
    await w.receiptSubscription({ pushMethod: 'client', clientId: w.owner.clientId, mode: 'enterprise', enterpriseCode: w.owner.code });
    const seqNos = await declareWithJobs(4);
    await w.take(w.owner.clientId); // the declaration data
    const { deps, transactions } = counted(w.deps);
    expect(await runAll(deps, w.sandbox)).toBe(4 * NORMAL_PATH.length);
    // all due at once: a document's next receipt waits for its earlier one, so one set per step of the path
    expect(transactions()).toBe(NORMAL_PATH.length);

    const sent = await w.take(w.broker.clientId);
    expect(sent).toHaveLength(4 * NORMAL_PATH.length);
    const stampOf = (f: string) => /_(\d{21})\.xml$/.exec(f)![1];
    for (const seqNo of seqNos) {
      const mine = sent.filter((r) => r.fileName.startsWith(`Receipt_${seqNo}_`));
      expect(mine.map((r) => /<CHANNEL>(\w)<\/CHANNEL>/.exec(r.body)![1])).toEqual([...NORMAL_PATH]);
      const stamps = mine.map((r) => stampOf(r.fileName));
      expect([...stamps].sort()).toEqual(stamps);
    }
    expect(new Set(sent.map((r) => r.messageId)).size).toBe(sent.length);

    await w.engine.runOnce();
    const pushed = await w.take(w.owner.clientId);
    expect(pushed.map((r) => r.fileName).sort()).toEqual(sent.map((r) => r.fileName).sort());
    const entryIds = new Set(sent.map((r) => /<ENTRY_ID>(\d*)<\/ENTRY_ID>/.exec(r.body)?.[1]).filter(Boolean));
    expect(entryIds.size).toBe(4); // one entry id per declaration, from one range
  });

  it('a set that fails is run job by job: the other receipts are issued, the failing job is tried again later', async () => {
    w = await pushWorld();
    const [bad, ...good] = await declareWithJobs(3);
    const failing: SandboxJobs = {
      runJob: (tx: Store, job: SandboxJobRow, now: Date): Promise<IssuedReceipt | null> =>
        job.documentKey === bad ? Promise.reject(new Error('customs is down for this one')) : w.sandbox.runJob(tx, job, now),
      runJobs: (tx: Store, jobs: readonly SandboxJobRow[], now: Date) =>
        jobs.some((j) => j.documentKey === bad)
          ? Promise.reject(new Error('customs is down for this one'))
          : w.sandbox.runJobs(tx, jobs, now),
    };
    expect(await runAll(w.deps, failing)).toBe(2 * NORMAL_PATH.length);
    const sent = await w.take(w.broker.clientId);
    for (const seqNo of good) expect(sent.filter((r) => r.fileName.startsWith(`Receipt_${seqNo}_`))).toHaveLength(NORMAL_PATH.length);
    expect(sent.filter((r) => r.fileName.startsWith(`Receipt_${bad}_`))).toHaveLength(0);
    expect((await w.deps.store.declarations.get(bad))!.channel).toBe('');
  });
});
