/**
 * The push engine on the embedded store (SQLite):
 * - pushes per second with 100,000 active subscriptions while 10,000 receipt events are raised, and
 *   the latency from the event to the file in an InBox (written atomically by a consumer that
 *   fetches and acknowledges like the import client's receiver), p50/p99;
 * - matching time per event with 1,000, 100,000 and 1,000,000 subscriptions in the store (the indexes keep it flat).
 * `--quick`: 10,000 subscriptions and 500 events; 1,000 vs 50,000 subscriptions.
 */
import { acknowledgeDeliveries, takeDeliveries } from '../packages/platform/src/core/exchange/outbound.js';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { buildDecResult, fileStamp } from '@osw/messages';
import { InProcessNotifier } from '../packages/platform/src/adapters/memory-notifier.js';
import { FeedAppPush } from '../packages/platform/src/adapters/push/feed.js';
import { OutboxSmsSender } from '../packages/platform/src/adapters/sms/outbox.js';
import { openSqliteStore, type OpenedStore } from '../packages/platform/src/adapters/sqlite/open.js';
import { PushEngine } from '../packages/platform/src/core/push/engine.js';
import { raiseDeclarationReceipt } from '../packages/platform/src/core/push/matching.js';
import { silentLogger, systemClock, type PlatformDeps } from '../packages/platform/src/core/ports.js';
import type { Figure } from './lib.js';

const CHANNELS = JSON.stringify(['7', 'L', 'J', 'G', 'C', 'P', 'R', 'E', 'Z', 'Y']);
const code = (i: number) => `44${String(i).padStart(8, '0')}`;
const client = (i: number) => `DXPESW${String(i).padStart(10, '0')}`;
const seq = (i: number) => `E2026${String(i).padStart(13, '0')}`;

async function chunked<T>(rows: T[], size: number, fn: (part: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await fn(rows.slice(i, i + size));
}

/**
 * `parties` importers (收发货人), each with a client and one declaration subscription to it;
 * `declarations` declarations spread over them (sent by a broker); plus `extra` receipt
 * subscriptions of other enterprises and documents that match none of them.
 */
export async function seed(o: OpenedStore, parties: number, declarations: number, extra: number): Promise<void> {
  const at = new Date().toISOString();
  const until = new Date(Date.now() + 300 * 86_400_000).toISOString();
  const noise = 1000;
  await o.db.transaction().execute(async (db) => {
    const ents = Array.from({ length: parties + noise }, (_, i) => ({
      customsCode: code(i),
      uscc: `91440300MA${String(i).padStart(8, '0')}`,
      name: `企业${i}`,
      region: '5300',
      createdAt: at,
    }));
    await chunked(ents, 500, (p) => db.insertInto('enterprises').values(p).execute());
    const clients = Array.from({ length: parties }, (_, i) => ({
      clientId: client(i),
      enterpriseCode: code(i),
      region: '5300',
      version: '2.0',
      transport: 'http' as const,
      environment: 'test' as const,
      secretHash: 'x',
      status: 'active' as const,
      deviceFingerprint: null,
      deviceBoundAt: null,
      createdAt: at,
    }));
    await chunked(clients, 500, (p) => db.insertInto('clients').values(p).execute());
    const broker = code(parties);
    const decs = Array.from({ length: declarations }, (_, i) => ({
      seqNo: seq(i),
      clientSeqNo: `C${i}`,
      senderClientId: 'DXPESW9999999999',
      senderEnterprise: broker,
      tradeCode: code(i % parties),
      ownerCode: code(i % parties),
      agentCode: broker,
      ieFlag: 'I',
      customMaster: '5300',
      entryId: '',
      channel: '',
      messageId: `M${i}`,
      xml: '<DecMessage/>',
      declaredAt: at,
      updatedAt: at,
    }));
    await chunked(decs, 500, (p) => db.insertInto('declarations').values(p).execute());
    const subs = Array.from({ length: parties }, (_, i) => ({
      enterpriseCode: code(i),
      clientId: client(i),
      cardNo: '8950000000001',
      operatorAccount: 'op',
      operatorCode: 'QH0001',
      declarationData: 1,
      receiptTypesJson: '[]',
      channelsJson: CHANNELS,
      validUntil: until.slice(0, 10),
      expiresAt: until,
      cancelledAt: null,
      createdAt: at,
      updatedAt: at,
    }));
    await chunked(subs, 500, (p) => db.insertInto('declarationSubscriptions').values(p).execute());
    // the rest: receipt subscriptions by document (other documents) and by enterprise (other enterprises)
    for (let i = 0; i < extra; i += 5000) {
      const part = Array.from({ length: Math.min(5000, extra - i) }, (_, k) => {
        const n = i + k;
        const byDoc = n % 2 === 0;
        return {
          enterpriseCode: code(parties + (n % noise)),
          pushMethod: 'app' as const,
          mode: byDoc ? ('document' as const) : ('enterprise' as const),
          documentNo: byDoc ? `X${n}` : null,
          seqNo: byDoc ? `E2099${String(n).padStart(13, '0')}` : null,
          phone: null,
          clientId: null,
          operatorCardNo: null,
          operatorAccount: 'op',
          operatorCode: `Q${n % 5000}`,
          cancelledAt: null,
          createdAt: at,
        };
      });
      await chunked(part, 500, (p) => db.insertInto('receiptSubscriptions').values(p).execute());
    }
  });
}

function deps(o: OpenedStore): PlatformDeps {
  return { store: o.store, clock: systemClock, logger: silentLogger, notifier: new InProcessNotifier() };
}

export async function raise(d: PlatformDeps, i: number, channel: string): Promise<number> {
  const now = new Date();
  return d.store.transaction(async (tx) => {
    const dec = (await tx.declarations.get(seq(i)))!;
    const stamp = fileStamp(now, await tx.serials.next('fileStamp'));
    const xml = buildDecResult({
      cusCiqNo: dec.seqNo,
      entryId: '',
      noticeDate: '',
      channel,
      note: '',
      customMaster: '5300',
      ieDate: '',
      dDate: '',
    });
    return raiseDeclarationReceipt(tx, dec, {
      channel,
      note: '',
      entryId: '',
      xml,
      at: now,
      fileName: `Receipt_${dec.seqNo}_${stamp}.xml`,
      stamp,
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Events raised while the engine and a consumer run; every push ends as a file in an InBox. */
async function throughput(subscriptions: number, events: number): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-push-'));
  try {
    const parties = 20;
    const o = await openSqliteStore(path.join(dir, 'p.db'));
    await seed(o, parties, events, subscriptions - parties);
    const d = deps(o);
    const engine = new PushEngine(d, {
      sms: new OutboxSmsSender(d),
      app: new FeedAppPush(d),
      webhook: { checkTarget: async () => undefined, post: async () => ({ status: 200 }) },
    });
    const inBox = path.join(dir, 'InBox');
    mkdirSync(inBox);
    const latencies: number[] = [];
    let produced = 0;
    let done = false;
    const started = Date.now();
    const producer = (async () => {
      for (let i = 0; i < events; i++) {
        produced += await raise(d, i, '7');
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
    })();
    const worker = (async () => {
      while (!done) {
        await engine.runOnce();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    let written = 0;
    const consumer = (async () => {
      while (!done) {
        let any = false;
        for (let c = 0; c < parties; c += 1) {
          if (written >= events) break;
          const rows = await takeDeliveries(d, client(c), 100);
          if (!rows.length) continue;
          any = true;
          for (const r of rows) {
            const tmp = path.join(inBox, `${r.fileName}.tmp`);
            writeFileSync(tmp, r.body);
            renameSync(tmp, path.join(inBox, r.fileName));
            latencies.push(Date.now() - new Date(r.createdAt).getTime());
          }
          written += rows.length;
          await acknowledgeDeliveries(
            d,
            client(c),
            rows.map((r) => r.id),
          );
        }
        if (written >= events) done = true;
        if (!any) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await producer;
    await Promise.all([worker, consumer]);
    const secs = (Date.now() - started) / 1000;
    await o.close();
    latencies.sort((a, b) => a - b);
    const note = `${subscriptions.toLocaleString('en-US')} active subscriptions, ${events.toLocaleString('en-US')} events (${produced} pushes)`;
    return [
      {
        name: 'push: pushes per second, event → file in InBox',
        value: written / secs,
        unit: 'pushes/s',
        baseline: null,
        ratio: null,
        note,
      },
      { name: 'push: latency event → InBox file, p50', value: percentile(latencies, 50), unit: 'ms', baseline: null, ratio: null, note },
      { name: 'push: latency event → InBox file, p99', value: percentile(latencies, 99), unit: 'ms', baseline: null, ratio: null, note },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean time to match one receipt event (event + pushes written, one transaction). */
async function matchingTime(subscriptions: number, events: number): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-match-'));
  try {
    const o = await openSqliteStore(path.join(dir, 'p.db'));
    const parties = 200;
    await seed(o, parties, events, Math.max(0, subscriptions - parties));
    const d = deps(o);
    for (let i = 0; i < 50; i++) await raise(d, i, 'J'); // warm-up
    const start = process.hrtime.bigint();
    for (let i = 0; i < events; i++) await raise(d, i, 'L');
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / events;
    await o.close();
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function pushFigures(_root: string, quick: boolean): Promise<Figure[]> {
  const figures = await throughput(quick ? 10_000 : 100_000, quick ? 500 : 10_000);
  const events = quick ? 200 : 1000;
  const small = await matchingTime(1_000, events);
  figures.push({ name: 'push: matching per event, 1,000 subscriptions', value: small, unit: 'ms', baseline: null, ratio: null });
  // the three sizes; the quick run takes two smaller ones
  for (const n of quick ? [10_000, 50_000] : [100_000, 1_000_000]) {
    const t = await matchingTime(n, events);
    figures.push({
      name: `push: matching per event, ${n.toLocaleString('en-US')} subscriptions`,
      value: t,
      unit: 'ms',
      baseline: small,
      ratio: t / small,
      note: 'should stay within 2× of the 1,000 figure',
    });
  }
  return figures;
}
