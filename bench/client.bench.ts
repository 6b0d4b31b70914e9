/**
 * Import client throughput: files per second from OutBox to SentBox with `Successed_` in InBox,
 * 2 KB and 200 KB declarations, maxConcurrentTasks 1 and 8, over the HTTP exchange to a real
 * platform on this machine. Baseline in the same run: the bare signed file work for the same files,
 * 16 at once — read, SM2 sign and verify, rename into another folder, fsync'd write of a small receipt.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startClient } from '@osw/client';
import { generateCardKeys, openCardKey, sm2Sign, sm2Verify } from '@osw/messages';
import { declarationOfSize } from '../test/support/declarations.js';
export { declarationOfSize };
import { withClientSeqNo } from '../test/helpers.js';
import { platformWorld, silent } from '../test/support/platform-world.js';
import { sentFiles, waitFiled, type Figure } from './lib.js';

/**
 * The bare signed file work for the same files, 16 at once: read, SM2 sign (SM3 digest) and verify
 * the bytes, rename into another folder, fsync'd write of a small receipt. What the client and the
 * platform must do per file at the least, without any exchange.
 */
export async function bareSignedFileWork(dir: string, files: number, body: string): Promise<{ rate: number; cpuMs: number }> {
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(path.join(a, `f${i}.xml`), body);
  const privateKey = await cardKey();
  const publicKey = crypto.createPublicKey(privateKey);
  const one = async (i: number) => {
    const bytes = await fsp.readFile(path.join(a, `f${i}.xml`));
    const signature = sm2Sign(bytes, privateKey);
    if (!sm2Verify(bytes, publicKey, signature)) throw new Error('bare work: the signature does not verify');
    await fsp.rename(path.join(a, `f${i}.xml`), path.join(b, `f${i}.xml`));
    const h = await fsp.open(path.join(b, `r${i}.xml`), 'w');
    await h.writeFile('<DecImportResponse><ResponseCode>0</ResponseCode></DecImportResponse>');
    await h.sync();
    await h.close();
  };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < files) await one(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { rate: files / (Number(process.hrtime.bigint() - start) / 1e9), cpuMs: (used.user + used.system) / 1000 / files };
}

let key: Promise<crypto.KeyObject> | null = null;
/** an SM2 key as a card holds it (generated and opened once per run) */
function cardKey(): Promise<crypto.KeyObject> {
  key ??= generateCardKeys('12345678').then((k) => openCardKey(k, '12345678'));
  return key;
}

export async function clientFigures(root: string, quick: boolean): Promise<Figure[]> {
  const example = readFileSync(path.join(root, 'examples', 'declaration.xml'), 'utf8');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-client-'));
  const world = await platformWorld(dir);
  const figures: Figure[] = [];
  try {
    for (const size of [2 * 1024, 200 * 1024]) {
      const body = declarationOfSize(example, size);
      const files = quick ? (size > 10_000 ? 10 : 20) : size > 10_000 ? 200 : 500;
      const bare = await bareSignedFileWork(path.join(dir, `bare-${size}`), files, body);
      const baseline = bare.rate;
      for (const tasks of [1, 8]) {
        const cfg = world.config(
          {
            businesses: { declaration: { maxConcurrentTasks: tasks } },
            stableMs: 200,
            rescanMs: 200,
            statusPage: { enabled: false, host: '127.0.0.1', port: 0 },
          },
          `run-${size}-${tasks}`,
        );
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
        const count = () => readdirSync(sentBox, { recursive: true }).filter((f) => String(f).endsWith('.xml')).length;
        await waitFiled([client], sentFiles, files, count, Date.now() + 600_000);
        const secs = Number(process.hrtime.bigint() - start) / 1e9;
        const used = process.cpuUsage(cpu);
        await client.stop(0);
        const value = files / secs;
        figures.push({
          name: `client send ${size / 1024} KB, maxConcurrentTasks ${tasks}, HTTP`,
          value,
          unit: 'files/s',
          baseline,
          ratio: baseline / value,
          note: `${files} files: OutBox → signed → platform import → Successed_ in InBox → SentBox; baseline: the bare signed file work, 16 at once: read + SM2 sign and verify + rename + fsync’d receipt (${bare.cpuMs.toFixed(2)} CPU ms/file)`,
        });
        figures.push({
          name: `client send ${size / 1024} KB, maxConcurrentTasks ${tasks}, HTTP, CPU per file`,
          value: (used.user + used.system) / 1000 / files,
          unit: 'CPU ms/file',
          baseline: null,
          ratio: null,
          note: 'process.cpuUsage of the whole bench process (client and platform both run in it), start to last file in SentBox',
        });
      }
    }
  } finally {
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
