/**
 * Round trip: a declaration dropped into the broker's OutBox → the last `Receipt_` of its life
 * (CHANNEL R, 报关单已结关, the fifth receipt) in the same client's InBox, p50/p99, at a steady 10,
 * 100 and 1,000 declarations per minute over the HTTP exchange, and over RabbitMQ when a broker
 * answers (shorter windows: 60 s each in the full run). The customs sandbox answers each
 * step after `PACE_MS` (stated in the figure's note), so the floor is about 4 × PACE_MS plus the
 * client's stability wait and receive polling.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startClient } from '@osw/client';
import { withClientSeqNo } from '../test/helpers.js';
import { silent } from '../test/support/platform-world.js';
import type { Figure } from './lib.js';
import { benchWorld, brokerReachable, type BenchWorld } from './world.js';

export const PACE_MS = 50;
const TICK_MS = 20;
const RECEIPTS = 5; // 7 → L → J → P → R on the ordinary path

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function roundTripFigures(root: string, quick: boolean): Promise<Figure[]> {
  const example = readFileSync(path.join(root, 'examples', 'declaration.xml'));
  const figures: Figure[] = [];
  // HTTP, full: 30, 200 and 1,000 declarations; RabbitMQ, full: a minute at each rate; quick: 4-second windows (1, 6 and 66 declarations)
  const runs: ['http' | 'amqp', [perMinute: number, windowMs: number][]][] = [
    [
      'http',
      quick
        ? [
            [10, 4_000],
            [100, 4_000],
            [1000, 4_000],
          ]
        : [
            [10, 180_000],
            [100, 120_000],
            [1000, 60_000],
          ],
    ],
  ];
  if (await brokerReachable())
    runs.push([
      'amqp',
      quick
        ? [
            [10, 4_000],
            [100, 4_000],
            [1000, 4_000],
          ]
        : [
            [10, 60_000],
            [100, 60_000],
            [1000, 60_000],
          ],
    ]);
  for (const [transport, rates] of runs) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-rt-'));
    const world = await benchWorld(dir, { paceMs: PACE_MS, tickMs: TICK_MS, amqp: transport === 'amqp' });
    try {
      for (const [perMinute, windowMs] of rates)
        figures.push(...(await atRate(world, dir, example, transport, perMinute, windowMs, quick)));
    } finally {
      await world.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return figures;
}

async function atRate(
  world: BenchWorld,
  dir: string,
  example: Buffer,
  transport: 'http' | 'amqp',
  perMinute: number,
  windowMs: number,
  quick: boolean,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  const home = path.join(dir, `rate-${perMinute}`);
  const cfg = await world.client(transport, home, {
    businesses: { declaration: { maxConcurrentTasks: 8 } },
    stableMs: 100,
    rescanMs: 100,
    receiveWaitMs: 1_000,
  });
  const box = (b: string) => path.join(cfg.impPath, 'DecCus001', b);
  const staging = path.join(home, 'staging');
  mkdirSync(staging, { recursive: true });
  mkdirSync(box('OutBox'), { recursive: true });
  mkdirSync(box('InBox'), { recursive: true });
  const client = await startClient(cfg, { logger: silent, lockDir: path.join(dir, 'locks') });
  const count = Math.max(1, Math.floor((windowMs * perMinute) / 60_000));
  const dropped = new Map<string, number>(); // file stem → when it appeared in OutBox
  const seqOf = new Map<string, string>(); // file stem → SeqNo from its Successed_ answer
  const done = new Map<string, number>(); // file stem → round trip ms
  const every = 60_000 / perMinute;
  const start = Date.now();
  let i = 0;
  const pollInBox = () => {
    const names = readdirSync(box('InBox'));
    for (const n of names) {
      const m = /^Successed_(rt-\d+)_\d+\.xml$/.exec(n);
      if (m && !seqOf.has(m[1])) {
        const seq = /<SeqNo>([^<]+)<\/SeqNo>/.exec(readFileSync(path.join(box('InBox'), n), 'utf8'));
        if (seq) seqOf.set(m[1], seq[1]);
      }
    }
    const receipts = new Map<string, number[]>();
    for (const n of names) {
      const m = /^Receipt_([^_]+)_/.exec(n);
      if (m) (receipts.get(m[1]) ?? receipts.set(m[1], []).get(m[1])!).push(statSync(path.join(box('InBox'), n)).mtimeMs);
    }
    for (const [stem, seq] of seqOf) {
      const got = receipts.get(seq);
      if (!done.has(stem) && got && got.length >= RECEIPTS) done.set(stem, Math.max(...got) - dropped.get(stem)!);
    }
  };
  try {
    while (i < count) {
      const due = start + i * every;
      if (Date.now() >= due) {
        const stem = `rt-${String(i).padStart(5, '0')}`;
        // each declaration its own ClientSeqNo, as an ERP numbers them: every file is an accepted declaration
        writeFileSync(path.join(staging, `${stem}.xml`), withClientSeqNo(example));
        renameSync(path.join(staging, `${stem}.xml`), path.join(box('OutBox'), `${stem}.xml`));
        dropped.set(stem, Date.now());
        i++;
        continue;
      }
      await new Promise((r) => setTimeout(r, Math.min(20, due - Date.now())));
      if (i % 10 === 0) pollInBox();
    }
    const deadline = Date.now() + (quick ? 30_000 : 300_000);
    while (done.size < count && Date.now() < deadline) {
      pollInBox();
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await client.stop(0);
  }
  const times = [...done.values()].sort((a, b) => a - b);
  const via = transport === 'amqp' ? 'RabbitMQ' : 'HTTP';
  const note = `${count} declaration${count === 1 ? '' : 's'} at ${perMinute}/min over ${Math.round(windowMs / 1000)} s${quick ? ' (quick run: a short window)' : ''}, ${via}, sandbox pace ${PACE_MS} ms per step (tick ${TICK_MS} ms), client stableMs 100, 8 tasks; ${done.size}/${count} completed`;
  for (const p of [50, 99])
    figures.push({
      name: `round trip OutBox → last Receipt_ in InBox, ${via}, ${perMinute}/min, p${p}`,
      value: times.length ? percentile(times, p) : NaN,
      unit: 'ms',
      baseline: null,
      ratio: null,
      note,
    });
  return figures;
}
