/**
 * The push engine on SQLite, and on PostgreSQL when OSW_BENCH_PG_URL (or OSW_TEST_PG_URL) is set:
 * - push fan-out: pushes per second and CPU ms per push with 100,000 active subscriptions while
 *   10,000 receipt events are raised in batches, next to the bare multi-row insert of the same push
 *   rows in the same run; the latency from the event to the file in an InBox (written by a receiver per
 *   client, side by side, that fetches and acknowledges like the import client's), p50/p99;
 * - event → InBox latency (p50/p99) with receipts raised at a steady 500 per second (20 s; quick: 3 s), on
 *   SQLite and on PostgreSQL;
 * - matching time per event with 1,000, 100,000 and 1,000,000 subscriptions in the store (the indexes keep it flat).
 * `--quick`: 10,000 subscriptions and 2,000 events; 1,000 vs 50,000 subscriptions.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { FeedAppPush } from '../packages/platform/src/adapters/push/feed.js';
import { OutboxSmsSender } from '../packages/platform/src/adapters/sms/outbox.js';
import { openSqliteStore, type OpenedStore } from '../packages/platform/src/adapters/sqlite/open.js';
import { PushEngine, startPushWorker } from '../packages/platform/src/core/push/engine.js';
import { createPostgresDatabase } from '../test/support/engines.js';
import { silentLogger, type PlatformDeps } from '../packages/platform/src/core/ports.js';
import type { Figure } from './lib.js';
import { client, consume, deps, raise, raiseBatch, seed, seq } from './push-world.js';

export { raise, raiseBatch, seed } from './push-world.js';

const PG_URL = process.env.OSW_BENCH_PG_URL || process.env.OSW_TEST_PG_URL || '';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

/** A database for one engine's figures: SQLite in a temp folder, or a database of its own on the PostgreSQL server. */
async function database(engine: 'SQLite' | 'PostgreSQL', dir: string): Promise<{ o: OpenedStore; drop(): Promise<void> }> {
  if (engine === 'SQLite') return { o: await openSqliteStore(path.join(dir, 'p.db')), drop: async () => undefined };
  const db = await createPostgresDatabase(PG_URL);
  return { o: await db.open(), drop: () => db.drop() };
}

/** Receipts raised in batches of `batch` while `during` runs; resolves with the pushes written. */
async function produce(o: OpenedStore, d: PlatformDeps, events: number, batch: number, channel: string): Promise<number> {
  let produced = 0;
  for (let i = 0; i < events; i += batch) {
    produced += await raiseBatch(o, d, i, Math.min(batch, events - i), channel);
    await new Promise((r) => setImmediate(r));
  }
  return produced;
}

/** The push engine with its outbox SMS, its app feed and a webhook that answers 200 at once. */
function benchEngine(d: PlatformDeps): PushEngine {
  return new PushEngine(d, {
    sms: new OutboxSmsSender(d),
    app: new FeedAppPush(d),
    webhook: { checkTarget: async () => undefined, post: async () => ({ status: 200 }) },
  });
}

/**
 * Two runs on one database with `subscriptions` active subscriptions:
 * - fan-out: receipts raised in batches while the engine (woken on commit) hands the pushes over
 *   into the clients' queues, until every push is handed over; next to the same push rows written
 *   again with bare multi-row inserts;
 * - end to end: the same with a receiver per client taking, writing each file into an InBox and acknowledging.
 */
async function throughput(engine: 'SQLite' | 'PostgreSQL', subscriptions: number, events: number): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-push-'));
  const { o, drop } = await database(engine, dir);
  try {
    const parties = 20;
    const batch = 100;
    await seed(o, parties, events, subscriptions - parties);
    const d = deps(o);
    const engineRuns = benchEngine(d);
    const handedAll = async () =>
      Number(
        (
          await o.db
            .selectFrom('pushes')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('handedAt', 'is', null)
            .executeTakeFirstOrThrow()
        ).n,
      ) === 0;

    // ---- fan-out: event → pushes → the clients' queues ----
    let worker = startPushWorker(engineRuns, silentLogger, { tickMs: 2000 });
    let cpu = process.cpuUsage();
    let start = process.hrtime.bigint();
    const fanned = await produce(o, d, events, batch, 'L');
    while (!(await handedAll())) await new Promise((r) => setTimeout(r, 10));
    const fanSecs = Number(process.hrtime.bigint() - start) / 1e9;
    const fanCpu = cpuMs(cpu) / fanned;
    await worker.stop();

    // baseline: the same push rows, written again with bare multi-row inserts in transactions of the same batches
    const rows = await o.db.selectFrom('pushes').selectAll().orderBy('id').execute();
    const again = rows.map(({ id: _id, ...r }) => ({ ...r, messageId: `${r.messageId}B` }));
    cpu = process.cpuUsage();
    start = process.hrtime.bigint();
    for (let i = 0; i < again.length; i += batch)
      await o.db.transaction().execute(async (tx) => {
        await tx
          .insertInto('pushes')
          .values(again.slice(i, i + batch))
          .execute();
      });
    const bareSecs = Number(process.hrtime.bigint() - start) / 1e9;
    const bareCpu = cpuMs(cpu) / again.length;
    await o.db.deleteFrom('pushes').where('messageId', 'like', '%B').execute();
    await o.db.updateTable('deliveries').set({ ackedAt: new Date().toISOString() }).execute();
    await o.db.updateTable('pushes').set({ status: 'delivered' }).execute();

    // ---- end to end: event → InBox file, with a receiver per client like the import client's ----
    const inBox = path.join(dir, 'InBox');
    mkdirSync(inBox);
    const latencies: number[] = [];
    let written = 0;
    const clients = Array.from({ length: parties }, (_, i) => client(i));
    worker = startPushWorker(engineRuns, silentLogger, { tickMs: 2000 });
    cpu = process.cpuUsage();
    start = process.hrtime.bigint();
    const [produced] = await Promise.all([
      produce(o, d, events, batch, 'P'),
      consume(
        d,
        inBox,
        clients,
        () => written >= events,
        (r) => {
          written++;
          latencies.push(Date.now() - new Date(r.createdAt).getTime());
        },
      ),
    ]);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const e2eCpu = cpuMs(cpu) / written;
    await worker.stop();

    latencies.sort((a, b) => a - b);
    const base = `${engine}: ${subscriptions.toLocaleString('en-US')} active subscriptions, ${events.toLocaleString('en-US')} receipt events raised ${batch} per transaction`;
    const fanNote = `${base} (${fanned} pushes) until every push is in its client's queue, the engine woken on commit; baseline: the same push rows inserted again, ${batch} rows per multi-row insert and transaction`;
    const e2eNote = `${base} (${produced} pushes), the engine woken on commit, a receiver per client (side by side) taking up to 500 when notified, writing each file (no fsync) and acknowledging; the latency runs from the push's hand-over into its client's queue (the delivery's createdAt) to its file`;
    const fanRate = fanned / fanSecs;
    const bare = again.length / bareSecs;
    return [
      {
        name: `push fan-out (${engine}): pushes per second`,
        value: fanRate,
        unit: 'pushes/s',
        baseline: bare,
        ratio: bare / fanRate,
        note: fanNote,
      },
      {
        name: `push fan-out (${engine}): CPU per push`,
        value: fanCpu,
        unit: 'ms',
        baseline: bareCpu,
        ratio: fanCpu / bareCpu,
        note: fanNote,
      },
      {
        name: `push (${engine}): pushes per second, event → file in InBox`,
        value: written / secs,
        unit: 'pushes/s',
        baseline: null,
        ratio: null,
        note: e2eNote,
      },
      {
        name: `push (${engine}): CPU per push, event → file in InBox`,
        value: e2eCpu,
        unit: 'ms',
        baseline: null,
        ratio: null,
        note: e2eNote,
      },
      {
        name: `push (${engine}): latency event → InBox file, p50`,
        value: percentile(latencies, 50),
        unit: 'ms',
        baseline: null,
        ratio: null,
        note: e2eNote,
      },
      {
        name: `push (${engine}): latency event → InBox file, p99`,
        value: percentile(latencies, 99),
        unit: 'ms',
        baseline: null,
        ratio: null,
        note: e2eNote,
      },
    ];
  } finally {
    await o.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Receipts raised at a steady `rate` per second for `seconds` (a batch every 20 ms, as the sandbox's
 * sets come) with `subscriptions` active subscriptions, the engine woken on commit and a receiver per client
 * filing into an InBox: each push's latency from its event (the raising transaction's start) to its
 * file renamed into the InBox.
 */
async function steady(engine: 'SQLite' | 'PostgreSQL', subscriptions: number, rate: number, seconds: number): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-steady-'));
  const { o, drop } = await database(engine, dir);
  try {
    const parties = 20;
    const tickMs = 20;
    const perTick = Math.round((rate * tickMs) / 1000);
    const ticks = Math.round((seconds * 1000) / tickMs);
    const events = perTick * ticks;
    await seed(o, parties, events, subscriptions - parties);
    const d = deps(o);
    const engineRuns = benchEngine(d);
    const inBox = path.join(dir, 'InBox');
    mkdirSync(inBox);
    const raisedAt = new Map<string, number>(); // 统一编号 → when its receipt was raised
    const latencies: number[] = [];
    const worker = startPushWorker(engineRuns, silentLogger, { tickMs: 2000 });
    const deadline = performance.now() + seconds * 1000 + 30_000;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let raisedFor = 0;
    const producer = async () => {
      for (let k = 0; k < ticks; k++) {
        const wait = t0 + k * tickMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const at = performance.now();
        for (let i = k * perTick; i < (k + 1) * perTick; i++) raisedAt.set(seq(i), at);
        await raiseBatch(o, d, k * perTick, perTick, 'L');
      }
      raisedFor = (performance.now() - t0) / 1000;
    };
    await Promise.all([
      producer(),
      consume(
        d,
        inBox,
        Array.from({ length: parties }, (_, i) => client(i)),
        () => latencies.length >= events || performance.now() > deadline,
        (r, filedAt) => latencies.push(filedAt - raisedAt.get(/^Receipt_(E\d{17})_/.exec(r.fileName)![1])!),
      ),
    ]);
    const cpuPerPush = cpuMs(cpu) / latencies.length;
    await worker.stop();
    latencies.sort((a, b) => a - b);
    const note = `${engine}, ${subscriptions.toLocaleString('en-US')} active subscriptions; ${events} receipt events raised at ${rate}/s for ${seconds} s (${perTick} per transaction every ${tickMs} ms; produced in ${raisedFor.toFixed(2)} s), one client push each; the engine woken on commit; a receiver per client (side by side) taking when notified, writing each file (no fsync) and acknowledging; ${latencies.length}/${events} filed`;
    const name = `push (${engine}): event → InBox at ${rate} events/s`;
    const fig = (what: string, value: number, unit: string, extra = ''): Figure => ({
      name: `${name}, ${what}`,
      value,
      unit,
      baseline: null,
      ratio: null,
      note: note + extra,
    });
    return [
      fig('p50', percentile(latencies, 50), 'ms'),
      fig('p99', latencies.length >= events ? percentile(latencies, 99) : NaN, 'ms', '; goal: p99 < 250 ms'),
      fig('CPU per push', cpuPerPush, 'ms', ' (raising, fan-out, hand-over, take, file, acknowledge: one process)'),
    ];
  } finally {
    await o.close();
    await drop();
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
  const subscriptions = quick ? 10_000 : 100_000;
  const events = quick ? 2_000 : 10_000;
  const figures = await throughput('SQLite', subscriptions, events);
  figures.push(...(await steady('SQLite', subscriptions, 500, quick ? 3 : 20)));
  if (PG_URL) {
    figures.push(...(await throughput('PostgreSQL', subscriptions, events)));
    figures.push(...(await steady('PostgreSQL', subscriptions, 500, quick ? 3 : 20)));
  } else process.stderr.write('bench: OSW_BENCH_PG_URL / OSW_TEST_PG_URL not set; the PostgreSQL push figures are left out\n');
  const matched = quick ? 200 : 1000;
  const small = await matchingTime(1_000, matched);
  figures.push({ name: 'push: matching per event, 1,000 subscriptions', value: small, unit: 'ms', baseline: null, ratio: null });
  // the sizes; the quick run takes a smaller large one
  for (const n of quick ? [50_000] : [100_000, 1_000_000]) {
    const t = await matchingTime(n, matched);
    figures.push({
      name: `push: matching per event, ${n.toLocaleString('en-US')} subscriptions`,
      value: t,
      unit: 'ms',
      baseline: small,
      ratio: t / small,
      note: 'one receipt event matched and written in its own transaction; should stay within 1.5× of the 1,000 figure',
    });
  }
  return figures;
}
