/**
 * The walking skeleton at scale: two platform instances on one PostgreSQL database and one
 * RabbitMQ, an import client over RabbitMQ. One instance runs as its own process (`osw platform
 * start`) and is killed (SIGKILL) mid-run; the client's connection is dropped by the broker too.
 * Every file is answered once, every receipt lands once in the InBox, none is lost.
 */
import type { ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningClient } from '@osw/client';
import { createEnterprise, createOperator, issueCard, registerClient, startPlatform, type RunningPlatform } from '@osw/platform';
import { brokerNames } from '@osw/messages/exchange';
import { AMQP_URL, createPostgresDatabase, PG_URL, randomRegion, testVhost, type TestDatabase } from '../support/engines.js';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { silent } from '../support/platform-world.js';
import { clientBrokerUrl, spawnPlatformInstance, startAmqpClient } from '../support/scale-world.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));
const FILES = Number(process.env.OSW_TEST_SCALE_FILES ?? 150);

describe.skipIf(!AMQP_URL || !PG_URL)('scale-out: RabbitMQ + PostgreSQL, two platform instances', () => {
  const t = tempDir('osw-scale-');
  const vh = testVhost();
  let db: TestDatabase;
  let p1: RunningPlatform;
  let p2: ChildProcess | null = null;
  let client: RunningClient | null = null;
  const users: string[] = [];

  beforeAll(async () => {
    db = await createPostgresDatabase();
    const common = {
      store: db.location,
      exchange: vh.url,
      sandboxPaceMs: 20,
      sandboxTickMs: 50,
      amqp: { discoverMs: 300, sweepMs: 200, retryBaseMs: 50 },
    };
    p1 = await startPlatform({ ...common, port: 0 }, silent);
    // the second instance: its own process, same database and broker
    p2 = await spawnPlatformInstance(t.dir, { ...common, port: 0, amqp: { ...common.amqp, instanceName: 'osw-platform-2' } });
  }, 120_000);

  afterAll(async () => {
    await client?.stop(0).catch(() => undefined);
    p2?.kill('SIGKILL');
    await p1?.close();
    await db?.drop();
    await vh.drop(users);
    t.cleanup();
  });

  it(
    `${FILES} declarations through RabbitMQ: each answered once, each receipt in the InBox once, with instance 2 killed mid-run`,
    { timeout: 300_000 },
    async () => {
      const deps = p1.deps;
      await createEnterprise(deps, {
        customsCode: '4403980001',
        uscc: '91440300MA5G0B1X2K',
        name: '深圳市前海通关报关有限公司',
        region: '5300',
      });
      await createOperator(deps, {
        account: 'broker01',
        password: 'osw-demo-broker',
        enterpriseCode: '4403980001',
        name: '林晓峰',
        operatorCode: 'QH0030',
      });
      const card = await issueCard(deps, { enterpriseCode: '4403980001', kind: 'operator', pin: '12345678' });
      const reg = await registerClient(deps, {
        enterpriseCode: '4403980001',
        region: randomRegion(),
        transport: 'amqp',
        environment: 'test',
      });
      users.push(brokerNames(reg.clientId).user);
      const impPath = path.join(t.dir, 'ImpPath');
      const outBox = path.join(impPath, 'DecCus001', 'OutBox');
      const inBox = path.join(impPath, 'DecCus001', 'InBox');
      await fs.mkdir(outBox, { recursive: true });
      for (let i = 0; i < FILES; i++) writeFileSync(path.join(outBox, `dec-${String(i).padStart(5, '0')}.xml`), withClientSeqNo(example));
      const started = Date.now();
      client = await startAmqpClient({
        home: t.dir,
        url: clientBrokerUrl(vh.url),
        reg,
        card,
        config: { retryMaxMs: 1000, sendRetryForMs: 60_000, deviceId: 'scale-test-machine' },
      });
      const successed = () => filesBelow(inBox).filter((f) => f.startsWith('Successed_')).length;
      // mid-run: kill instance 2 hard, and let the broker drop the client's connection
      await waitFor(() => successed() >= FILES / 3, 'a third of the files answered', 120_000, 100);
      p2!.kill('SIGKILL');
      const mgmt = p1.amqp!.management;
      const dropped = await waitFor(
        async () => (await mgmt.closeConnectionsOf(brokerNames(reg.clientId).user, 'test: dropped connection')) || null,
        'the client connection to drop',
        10_000,
        200,
      );

      await waitFor(() => successed() === FILES, `${FILES} Successed_ files`, 240_000, 250);
      const sentAt = Date.now();
      // every receipt the sandbox issued is forwarded and written (instance 1 finishes instance 2's work)
      const store = deps.store;
      try {
        await waitFor(
          async () => (await store.declarations.listFor('4403980001', 100_000)).every((d) => d.channel === 'R' || d.channel === 'E'),
          'every declaration through its receipts',
          240_000,
          500,
        );
      } catch (err) {
        const channels: Record<string, number> = {};
        for (const d of await store.declarations.listFor('4403980001', 100_000))
          channels[d.channel || '-'] = (channels[d.channel || '-'] ?? 0) + 1;
        const due = await store.sandbox.dueJobs(new Date().toISOString(), 10_000);
        throw new Error(
          `${(err as Error).message}; channels ${JSON.stringify(channels)}; ${due.length} sandbox jobs due: ${JSON.stringify(due.slice(0, 3))}`,
        );
      }
      await waitFor(async () => (await store.deliveries.countPending(reg.clientId)) === 0, 'no delivery left in the store', 60_000, 250);
      const receipts = await waitFor(
        async () => {
          const names = filesBelow(inBox).filter((f) => f.startsWith('Receipt_'));
          const queued = await mgmt.listQueues(vh.vhost);
          const recv = queued.find((q) => q.name === brokerNames(reg.clientId).receiveQueue);
          return recv && recv.messages === 0 ? names : null;
        },
        'the receive queue drained',
        60_000,
        250,
      );

      const inBoxFiles = filesBelow(inBox);
      const failed = inBoxFiles.filter((f) => f.startsWith('Failed_'));
      expect(failed).toEqual([]);
      // each file answered once
      expect(new Set(inBoxFiles.filter((f) => f.startsWith('Successed_')).map((f) => f.replace(/_\d{21,23}\.xml$/, ''))).size).toBe(FILES);
      const declarations = await store.declarations.listFor('4403980001', 100_000);
      expect(declarations).toHaveLength(FILES);
      // each receipt once: as many InBox receipts as the store issued, no name twice
      const issued = (await Promise.all(declarations.map((d) => store.declarations.listReceipts(d.seqNo)))).flat().length;
      expect(receipts).toHaveLength(issued);
      expect(new Set(receipts).size).toBe(receipts.length);
      expect(dropped).toBeGreaterThanOrEqual(1);
      console.info(
        `${FILES} files answered in ${sentAt - started} ms (${Math.round((FILES * 1000) / (sentAt - started))} files/s), ${issued} receipts; instance 2 killed, client connection dropped`,
      );
    },
  );
});
