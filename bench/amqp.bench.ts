/**
 * The RabbitMQ exchange, measured next to a bare amqplib publisher with publisher confirms on the
 * same broker, the same queue type (quorum, durable, persistent messages) and the same bytes, in
 * the same run:
 * - client send: files/s OutBox → signed → published to E_<clientId> → imported by the platform →
 *   answer on direct reply-to → `Successed_` in InBox → SentBox; 2 KB and 200 KB, maxConcurrentTasks
 *   1 and 8. Baseline: the bare signed file work of client.bench.ts; beside it, the same bytes
 *   published with confirms, 1 or 8 in flight.
 * - push delivery: receipts queued in the store (as the push engine and the sandbox queue them)
 *   → forwarded with confirms into Q_Recv<clientId> → written by the import client into its InBox,
 *   per second, CPU ms per push and latency p50/p99. Baselines: bare fsync'd creation of the same
 *   files; the same bytes published with confirms, 100 in flight.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { startClient } from '@osw/client';
import { buildDecResult } from '@osw/messages';
import { withClientSeqNo } from '../test/helpers.js';
import { silent } from '../test/support/platform-world.js';
import { bareSignedFileWork, declarationOfSize } from './client.bench.js';
import { sentFiles, waitFiled, type Figure } from './lib.js';
import { brokerReachable, BROKER_URL, benchWorld } from './world.js';

const BARE_QUEUE = 'osw.bench.bare';

/** messages/s publishing `count` copies of `body` with confirms to a quorum queue, `inFlight` at a time */
async function barePublish(vhostUrl: string, body: Buffer, count: number, inFlight: number): Promise<number> {
  // noDelay as every connection of the exchange has it: without it each confirm waits on Nagle + delayed ACK (~40 ms)
  const conn = await amqp.connect(vhostUrl, { noDelay: true });
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(BARE_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.purgeQueue(BARE_QUEUE);
    // warm-up: the first confirms of a new quorum queue are slower than the steady state
    for (let i = 0; i < 20; i++)
      await new Promise<void>((resolve, reject) =>
        ch.sendToQueue(BARE_QUEUE, body, { persistent: true }, (err) => (err ? reject(err) : resolve())),
      );
    const one = (i: number) =>
      new Promise<void>((resolve, reject) =>
        ch.sendToQueue(BARE_QUEUE, body, { persistent: true, messageId: `bare-${i}` }, (err) => (err ? reject(err) : resolve())),
      );
    const start = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) await one(next++);
      }),
    );
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    await ch.purgeQueue(BARE_QUEUE);
    await ch.close();
    return count / secs;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** files/s creating `n` files as a careful writer does, one at a time: write `.tmp`, fsync, rename; the folder fsync'd once */
function bareFiles(dir: string, n: number, body: (i: number) => string): number {
  mkdirSync(dir, { recursive: true });
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `Receipt_${i}.xml`);
    const fd = openSync(`${f}.tmp`, 'w');
    writeSync(fd, body(i));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${f}.tmp`, f);
  }
  const d = openSync(dir, 'r');
  fsyncSync(d);
  closeSync(d);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  return n / secs;
}

const xmlFiles = (dir: string) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.xml')).length;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function amqpFigures(root: string, quick: boolean): Promise<Figure[]> {
  if (!(await brokerReachable())) return []; // it says why
  const example = readFileSync(path.join(root, 'examples', 'declaration.xml'), 'utf8');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-amqp-'));
  const world = await benchWorld(dir, { amqp: true });
  const figures: Figure[] = [];
  try {
    const first = await world.client('amqp', path.join(dir, 'probe'));
    const brokerVhostUrl = (() => {
      const u = new URL(first.platform.url);
      const b = new URL(BROKER_URL);
      u.username = b.username;
      u.password = b.password;
      return u.toString();
    })();
    // ---- client send ----
    for (const size of [2 * 1024, 200 * 1024]) {
      const body = declarationOfSize(example, size);
      const files = quick ? (size > 10_000 ? 10 : 20) : size > 10_000 ? 200 : 500;
      for (const tasks of [1, 8]) {
        const publish = await barePublish(brokerVhostUrl, Buffer.from(body), files, tasks);
        const bare = await bareSignedFileWork(path.join(dir, `bare-${size}-${tasks}`), files, body);
        const baseline = bare.rate;
        const home = path.join(dir, `send-${size}-${tasks}`);
        const cfg = await world.client('amqp', home, {
          businesses: { declaration: { maxConcurrentTasks: tasks } },
          stableMs: 200,
          rescanMs: 200,
        });
        const outBox = path.join(cfg.impPath, 'DecCus001', 'OutBox');
        const sentBox = path.join(cfg.impPath, 'DecCus001', 'SentBox');
        mkdirSync(outBox, { recursive: true });
        // the files wait in a folder beside OutBox, old enough to be stable at once, and are moved in
        // once the client runs: the figure leaves out its start (the card's unlock costs ~0.65 s of scrypt)
        const staging = path.join(path.dirname(cfg.impPath), 'staging');
        mkdirSync(staging, { recursive: true });
        const past = new Date(Date.now() - 60_000);
        for (let i = 0; i < files; i++) {
          const f = path.join(staging, `dec-${i}.xml`);
          // each declaration its own ClientSeqNo, as an ERP numbers them: every file is an accepted declaration
          writeFileSync(f, withClientSeqNo(body));
          utimesSync(f, past, past);
        }
        const client = await startClient(cfg, { logger: silent, lockDir: path.join(dir, 'locks') });
        const start = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        for (let i = 0; i < files; i++) renameSync(path.join(staging, `dec-${i}.xml`), path.join(outBox, `dec-${i}.xml`));
        await waitFiled([client], sentFiles, files, () => xmlFiles(sentBox), Date.now() + 600_000);
        const secs = Number(process.hrtime.bigint() - start) / 1e9;
        const used = process.cpuUsage(cpu);
        await client.stop(0);
        const value = files / secs;
        figures.push({
          name: `client send ${size / 1024} KB, maxConcurrentTasks ${tasks}, RabbitMQ`,
          value,
          unit: 'files/s',
          baseline,
          ratio: baseline / value,
          note: `${files} files: OutBox → signed → E_<clientId> → platform import → answer on direct reply-to → Successed_ in InBox → SentBox; baseline: the bare signed file work, 16 at once (read + SM2 sign and verify + rename + fsync’d receipt; ${bare.cpuMs.toFixed(2)} CPU ms/file)`,
        });
        figures.push({
          name: `bare confirmed publish ${size / 1024} KB, ${tasks} in flight (noDelay)`,
          value: publish,
          unit: 'msg/s',
          baseline: null,
          ratio: null,
          note: `amqplib publishing ${files} copies of the same bytes with confirms to a durable quorum queue on the same broker, persistent, ${tasks} in flight`,
        });
        figures.push({
          name: `client send ${size / 1024} KB, maxConcurrentTasks ${tasks}, RabbitMQ: CPU per file`,
          value: (used.user + used.system) / 1000 / files,
          unit: 'CPU ms/file',
          baseline: null,
          ratio: null,
          note: 'client and platform in this one process (process.cpuUsage over the send)',
        });
      }
    }

    // ---- push delivery: store → Q_Recv → InBox ----
    const n = quick ? 300 : 5000;
    const cfg = await world.client('amqp', path.join(dir, 'push'));
    const inBox = path.join(cfg.impPath, 'DecCus001', 'InBox');
    const receipt = (i: number) =>
      buildDecResult({
        cusCiqNo: `E2026${String(i).padStart(13, '0')}`,
        entryId: `5300${String(i).padStart(14, '0')}`,
        noticeDate: '2026-11-22T10:00:00',
        channel: 'L',
        note: '海关入库成功',
        customMaster: '5300',
        ieDate: '',
        dDate: '',
      });
    const publishBaseline = await barePublish(brokerVhostUrl, Buffer.from(receipt(0)), n, 100);
    const fileBaseline = bareFiles(path.join(dir, 'bare-inbox'), n, receipt);
    const client = await startClient(cfg, { logger: silent, lockDir: path.join(dir, 'locks') });
    try {
      mkdirSync(inBox, { recursive: true });
      const store = world.platform.deps.store;
      const created = new Map<string, number>();
      const cpu = process.cpuUsage();
      const start = Date.now();
      for (let i = 0; i < n; i++) {
        const fileName = `Receipt_E2026${String(i).padStart(13, '0')}_20261122100000${String(i).padStart(7, '0')}.xml`;
        const at = Date.now();
        created.set(fileName, at);
        await store.deliveries.enqueue([
          {
            clientId: cfg.clientId,
            messageId: `BENCH${String(i).padStart(12, '0')}`,
            business: 'declaration',
            fileName,
            body: receipt(i),
            createdAt: new Date(at).toISOString(),
          },
        ]);
        world.platform.deps.notifier.notify(cfg.clientId);
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      const names = () => readdirSync(inBox).filter((f) => f.startsWith('Receipt_'));
      const deadline = Date.now() + (quick ? 60_000 : 600_000);
      while (names().length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const got = names();
      const secs = (Date.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      const cpuPerPush = (used.user + used.system) / 1000 / Math.max(1, got.length);
      const latencies = got
        .map((f) => statSync(path.join(inBox, f)).mtimeMs - (created.get(f) ?? NaN))
        .filter((x) => Number.isFinite(x))
        .sort((a, b) => a - b);
      const note = `${n} receipts queued in the store → forwarded with confirms → import client → InBox file (platform and client in this process); baseline: bare fsync'd creation of the same files, one at a time (write .tmp, fsync, rename; one folder fsync at the end)${got.length < n ? `; only ${got.length} arrived in time` : ''}`;
      const publishNote = `the same ${n} receipts; baseline: bare amqplib publish with confirms of the same bytes to a quorum queue, 100 in flight`;
      const value = got.length / secs;
      figures.push(
        {
          name: 'push delivery over RabbitMQ: store → InBox file',
          value,
          unit: 'pushes/s',
          baseline: fileBaseline,
          ratio: fileBaseline / value,
          note,
        },
        {
          name: 'push delivery over RabbitMQ: against bare confirmed publishes',
          value,
          unit: 'pushes/s',
          baseline: publishBaseline,
          ratio: publishBaseline / value,
          note: publishNote,
        },
        { name: 'push delivery over RabbitMQ: CPU per push', value: cpuPerPush, unit: 'ms', baseline: null, ratio: null, note },
        {
          name: 'push delivery over RabbitMQ: latency, p50',
          value: percentile(latencies, 50),
          unit: 'ms',
          baseline: null,
          ratio: null,
          note,
        },
        {
          name: 'push delivery over RabbitMQ: latency, p99',
          value: percentile(latencies, 99),
          unit: 'ms',
          baseline: null,
          ratio: null,
          note,
        },
      );
    } finally {
      await client.stop(0);
    }
  } finally {
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
