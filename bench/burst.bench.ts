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
import { startPlatform, type RunningPlatform } from '@osw/platform';
import { demoBrokerUserPrefix, startDemo, type RunningDemo } from '../packages/cli/src/demo.js';
import { createPostgresDatabase, type TestDatabase } from '../test/support/engines.js';
import { withClientSeqNo } from '../test/helpers.js';
import { silent } from '../test/support/platform-world.js';
import { subscribeImporter } from '../test/support/demo-subscribe.js';
import { inBoxFiles, waitFiled, type Figure } from './lib.js';
import { benchVhost, brokerReachable } from './world.js';

const RECEIPTS = 5; // 7 → L → J → P → R on the ordinary path
const FILES_PER_DECLARATION = 2 * (1 + RECEIPTS);

export async function burstFigures(root: string, quick: boolean): Promise<Figure[]> {
  const example = readFileSync(path.join(root, 'examples', 'declaration.xml'));
  const count = quick ? 200 : 1000;
  const figures: Figure[] = [];
  const setups: Setup[] = ['http'];
  if (await brokerReachable()) {
    setups.push('amqp');
    if (PG_URL) setups.push('scale');
    else process.stderr.write('bench: the burst on PostgreSQL + RabbitMQ is left out: set OSW_BENCH_PG_URL or OSW_TEST_PG_URL\n');
  }
  for (const setup of setups) figures.push(...(await burst(example, count, setup)));
  return figures;
}

const PG_URL = process.env.OSW_BENCH_PG_URL || process.env.OSW_TEST_PG_URL || '';

/** http and amqp: the embedded demo (SQLite); scale: PostgreSQL + RabbitMQ with a second platform instance sharing them */
type Setup = 'http' | 'amqp' | 'scale';

async function burst(example: Buffer, count: number, setup: Setup): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-bench-burst-'));
  const vh = setup === 'http' ? null : await benchVhost();
  const db: TestDatabase | null = setup === 'scale' ? await createPostgresDatabase(PG_URL) : null;
  let demo: RunningDemo | undefined;
  let second: RunningPlatform | undefined;
  try {
    demo = await startDemo({
      home: dir,
      port: 0,
      paceMs: 0,
      logger: silent,
      stableMs: 100,
      rescanMs: 100,
      exchange: vh?.url,
      ...(db ? { store: db.location } : {}),
    });
    if (db)
      // the same deployment: its broker users carry the demo's prefix; its sandbox and push workers share the work
      second = await startPlatform(
        {
          store: db.location,
          exchange: vh!.url,
          port: 0,
          sandboxPaceMs: 0,
          sandboxTickMs: 50,
          amqp: { instanceName: 'osw-platform-2', userPrefix: demoBrokerUserPrefix(vh!.url) },
        },
        silent,
      );
    const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    await subscribeImporter(demo);

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
    const listed = () => inBoxes.reduce((n, box) => n + readdirSync(box).filter((f) => !f.startsWith('.')).length, 0);
    const got = await waitFiled(demo.clients, inBoxFiles, expected, listed, deadline);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const via = { http: 'HTTP', amqp: 'RabbitMQ', scale: 'RabbitMQ + PostgreSQL, two instances' }[setup];
    const parts = setup === 'scale' ? 'PostgreSQL, RabbitMQ exchange, a second platform instance' : `SQLite, ${via} exchange`;
    const note = `${count} declarations dropped at once into the broker's OutBox (demo: ${parts}, sandbox pace 0, stableMs 100), importer subscribed to declaration data and every receipt; ${got}/${expected} files in the two InBoxes`;
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
        note: `${note}; CPU of this process (platform${setup === 'scale' ? ' instances' : ''}, sandbox, both clients)${setup === 'http' ? '' : "; the broker's and the database's own CPU not counted"}`,
      },
    ];
  } finally {
    await demo?.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
    await vh?.drop((demo?.contract.clients ?? []).map((c) => c.broker?.user).filter((u): u is string => !!u));
    await db?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
