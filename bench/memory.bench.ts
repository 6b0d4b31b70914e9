/**
 * Resident memory, each measured in a child process of its own (bench/memory-child.ts) so the
 * figure is that process's RSS after a forced GC; the baseline is the same child with every module
 * loaded, before the client or the platform starts:
 * - the import client with 100,000 files waiting in its OutBox (the platform does not answer, so
 *   nothing leaves; quick: 5,000);
 * - the platform on a store holding 1,000,000 subscriptions, after matching 200 receipt events
 *   (quick: 50,000).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../packages/platform/src/adapters/sqlite/open.js';
import type { Figure } from './lib.js';
import { seed } from './push.bench.js';
import { benchWorld } from './world.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-child.ts');

interface Measured {
  baselineMiB: number;
  rssMiB: number;
  peakMiB: number;
  detail: Record<string, unknown>;
}

function child(args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', '--conditions=osw-source', '--import', 'tsx', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`memory child ${args[0]} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** a port nothing listens on */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function memoryFigures(root: string, quick: boolean): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-mem-'));
  const figures: Figure[] = [];
  try {
    // ---- the client with a full OutBox ----
    const files = quick ? 5_000 : 100_000;
    mkdirSync(path.join(dir, 'w'));
    const world = await benchWorld(path.join(dir, 'w'));
    const cfg = await world.client('http', path.join(dir, 'client'), {
      platform: { url: `http://127.0.0.1:${await closedPort()}`, secret: 'x'.repeat(32) },
      sendRetryForMs: 86_400_000,
      retryBaseMs: 1000,
      retryMaxMs: 10_000,
      stableMs: 100,
      rescanMs: 1000,
    });
    await world.stop();
    const outBox = path.join(cfg.impPath, 'DecCus001', 'OutBox');
    mkdirSync(outBox, { recursive: true });
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<DecMessage xmlns="http://www.chinaport.gov.cn/dec"><DecHead><AgentCode>4403980001</AgentCode></DecHead></DecMessage>\n`;
    for (let i = 0; i < files; i++) writeFileSync(path.join(outBox, `dec-${String(i).padStart(6, '0')}.xml`), body);
    const cfgFile = path.join(dir, 'client.json');
    writeFileSync(cfgFile, JSON.stringify(cfg));
    const c = await child(['client', cfgFile, String(files)]);
    figures.push({
      name: `memory: client RSS, ${files.toLocaleString('en-US')} files waiting in OutBox`,
      value: c.rssMiB,
      unit: 'MiB',
      baseline: c.baselineMiB,
      ratio: c.rssMiB / c.baselineMiB,
      note: `${quick ? 'quick run: ' : ''}child process, RSS after GC (peak ${Math.round(c.peakMiB)} MiB); the platform does not answer so every file waits; taken in: ${JSON.stringify(c.detail)}; baseline: the same process with its modules loaded before the client starts`,
    });
    rmSync(path.join(dir, 'client'), { recursive: true, force: true });

    // ---- the platform with many subscriptions ----
    const subscriptions = quick ? 50_000 : 1_000_000;
    const events = 200;
    const dbFile = path.join(dir, 'subs.db');
    const o = await openSqliteStore(dbFile);
    await seed(o, 200, events, subscriptions - 200);
    await o.close();
    const p = await child(['platform', dbFile, String(events)]);
    figures.push({
      name: `memory: platform RSS, ${subscriptions.toLocaleString('en-US')} subscriptions`,
      value: p.rssMiB,
      unit: 'MiB',
      baseline: p.baselineMiB,
      ratio: p.rssMiB / p.baselineMiB,
      note: `${quick ? 'quick run: ' : ''}child process on a SQLite store with ${subscriptions.toLocaleString('en-US')} subscriptions (200 declaration subscriptions, the rest receipt subscriptions), RSS after GC once ${events} receipt events were matched (peak ${Math.round(p.peakMiB)} MiB); baseline: the same process with its modules loaded before the platform starts`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  void root;
  return figures;
}
