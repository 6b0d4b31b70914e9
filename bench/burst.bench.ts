/**
 * End to end in the all-in-one demo, as a user tries it: N declarations dropped at once into the
 * broker's OutBox (`osw demo --pace-ms 0 --stable-ms 100`), the importer's client subscribed to
 * declaration data and every receipt type. The figure is the time until every file is in the two
 * InBoxes: per declaration, the broker's `Successed_` and five `Receipt_`, the importer's `DecData_`
 * and five `Receipt_` — 12 files each (12,000 for the full run's 1,000 declarations). The process
 * runs the platform, the sandbox and both clients, so its CPU time per declaration is the whole
 * exchange's cost.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { startDemo, type RunningDemo } from '../packages/cli/src/demo.js';
import { withClientSeqNo } from '../test/helpers.js';
import { silent } from '../test/support/platform-world.js';
import type { Figure } from './lib.js';
import { benchVhost, brokerReachable } from './world.js';

const RECEIPTS = 5; // 7 → L → J → P → R on the ordinary path
const FILES_PER_DECLARATION = 2 * (1 + RECEIPTS);

export async function burstFigures(root: string, quick: boolean): Promise<Figure[]> {
  const example = readFileSync(path.join(root, 'examples', 'declaration.xml'));
  const count = quick ? 200 : 1000;
  const figures: Figure[] = [];
  const transports: ('http' | 'amqp')[] = ['http'];
  if (await brokerReachable()) transports.push('amqp');
  for (const transport of transports) figures.push(...(await burst(example, count, transport)));
  return figures;
}

async function burst(example: Buffer, count: number, transport: 'http' | 'amqp'): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-burst-'));
  const vh = transport === 'amqp' ? await benchVhost() : null;
  let demo: RunningDemo | undefined;
  try {
    demo = await startDemo({ home: dir, port: 0, paceMs: 0, logger: silent, stableMs: 100, rescanMs: 100, exchange: vh?.url });
    const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    await subscribe(demo, owner.clientId, owner.enterpriseCode);

    const staging = path.join(dir, 'staging');
    mkdirSync(staging, { recursive: true });
    for (let i = 0; i < count; i++) writeFileSync(path.join(staging, `burst-${String(i).padStart(5, '0')}.xml`), withClientSeqNo(example));
    const outBox = broker.businesses.DecCus001.outBox;
    const inBoxes = [broker.businesses.DecCus001.inBox, owner.businesses.DecCus001.inBox];
    const expected = count * FILES_PER_DECLARATION;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const name of readdirSync(staging)) renameSync(path.join(staging, name), path.join(outBox, name));
    const deadline = Date.now() + Math.max(120_000, count * 200);
    let got = 0;
    while (Date.now() < deadline) {
      got = inBoxes.reduce((n, box) => n + readdirSync(box).filter((f) => !f.startsWith('.')).length, 0);
      if (got >= expected) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const via = transport === 'amqp' ? 'RabbitMQ' : 'HTTP';
    const note = `${count} declarations dropped at once into the broker's OutBox (demo: SQLite, ${via} exchange, sandbox pace 0, stableMs 100), importer subscribed to declaration data and every receipt; ${got}/${expected} files in the two InBoxes`;
    const name = `end to end: ${count} declarations at once → ${expected} files in the InBoxes, ${via}`;
    return [
      { name: `${name}: time`, value: got >= expected ? secs : NaN, unit: 's', baseline: null, ratio: null, note },
      { name: `${name}: files/s`, value: got / secs, unit: 'files/s', baseline: null, ratio: null, note },
      {
        name: `${name}: CPU per declaration`,
        value: (cpu.user + cpu.system) / 1000 / count,
        unit: 'ms',
        baseline: null,
        ratio: null,
        note: `${note}; CPU of the whole process (platform, sandbox, both clients)`,
      },
    ];
  } finally {
    await demo?.close().catch(() => undefined);
    await vh?.drop((demo?.contract.clients ?? []).map((c) => c.broker?.user).filter((u): u is string => !!u));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The importer subscribes its client to declaration data and every receipt type, through the REST API as the console does. */
async function subscribe(demo: RunningDemo, clientId: string, enterpriseCode: string): Promise<void> {
  const base = `${demo.platform.url}/api/v1`;
  const acct = demo.contract.accounts.find((a) => a.enterpriseCode === enterpriseCode)!;
  const legal = demo.contract.cards.find((k) => k.enterpriseCode === enterpriseCode && k.kind === 'legal')!;
  const login = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account: acct.account, password: acct.password }),
  });
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${base}/subscriptions/declaration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      clientId,
      declarationData: true,
      receiptTypes: ['海关入库', '退单', '审核', '接单', '放行', '结关', '查验通知'],
      card: { cardNo: legal.cardNo, pin: legal.pin },
    }),
  });
  if (res.status >= 400) throw new Error(`subscribing the importer: ${res.status} ${await res.text()}`);
}
