/**
 * A platform instance killed (SIGKILL) in the middle of a push fan-out over RabbitMQ + PostgreSQL:
 * two instances share the database and the broker, the second runs as its own `osw platform start`
 * process; declarations and their receipts are raised for an importer (收发货人) whose client is
 * subscribed to declaration data and receipts; instance 2 is killed while it pushes. Every push
 * arrives in the importer's InBox exactly once: what instance 2 had claimed is taken over by
 * instance 1 once its lease runs out (`push.leaseMs`, 5 s here, 60 s by default), what it had
 * published but not recorded is dropped by the client's received-id journal.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningClient } from '@osw/client';
import { createEnterprise, issueCard, registerClient, startPlatform, type RunningPlatform } from '@osw/platform';
import { brokerNames } from '@osw/messages/exchange';
import { filesBelow, tempDir, waitFor } from '../helpers.js';
import { AMQP_URL, createPostgresDatabase, PG_URL, randomRegion, testVhost, type TestDatabase } from '../support/engines.js';
import { FAN_OUT_BROKER, FAN_OUT_CHANNELS, FAN_OUT_OWNER, FanOut, PUSHES_PER_DECLARATION, subscribeToFanOut } from '../support/fan-out.js';
import { silent } from '../support/platform-world.js';
import { clientBrokerUrl, spawnPlatformInstance, startAmqpClient } from '../support/scale-world.js';
import { FULL, record } from './report.js';

const BROKER = FAN_OUT_BROKER;
const OWNER = FAN_OUT_OWNER;
const DECLARATIONS = FULL ? 2000 : 150;
const PER_DECLARATION = PUSHES_PER_DECLARATION; // DecData_ and one Receipt_ per channel

describe.skipIf(!AMQP_URL || !PG_URL)('reliability: a platform instance killed during a push fan-out (RabbitMQ + PostgreSQL)', () => {
  const t = tempDir('osw-rel-pcrash-');
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
      sandboxPaceMs: 3_600_000,
      push: { tickMs: 50, leaseMs: 5_000 },
      amqp: { discoverMs: 300, sweepMs: 200, retryBaseMs: 50 },
    };
    p1 = await startPlatform({ ...common, port: 0 }, silent);
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
    `${DECLARATIONS * PER_DECLARATION} pushes, instance 2 killed mid-fan-out: each in the InBox exactly once`,
    { timeout: FULL ? 900_000 : 240_000 },
    async () => {
      const deps = p1.deps;
      const store = deps.store;
      await createEnterprise(deps, { customsCode: BROKER, uscc: '91440300MA5G0B1X2K', name: '深圳市前海通关报关有限公司', region: '5300' });
      await createEnterprise(deps, {
        customsCode: OWNER,
        uscc: '91440300MA5F8K3L7P',
        name: '深圳市华南进出口贸易有限公司',
        region: '5300',
      });
      const card = await issueCard(deps, { enterpriseCode: OWNER, kind: 'operator', pin: '12345678' });
      const reg = await registerClient(deps, { enterpriseCode: OWNER, region: randomRegion(), transport: 'amqp', environment: 'test' });
      users.push(brokerNames(reg.clientId).user);
      await subscribeToFanOut(store, { clientId: reg.clientId, cardNo: card.cardNo });

      const impPath = path.join(t.dir, 'ImpPath');
      const inBox = path.join(impPath, 'DecCus001', 'InBox');
      mkdirSync(inBox, { recursive: true });
      client = await startAmqpClient({
        home: t.dir,
        url: clientBrokerUrl(vh.url),
        reg,
        card,
        config: { retryMaxMs: 1000, deviceId: 'platform-crash-test' },
      });

      // the fan-out: each declaration accepted (declaration data pushed) and its first receipts
      const fanOut = new FanOut(store);
      const raising = fanOut.raise(DECLARATIONS);

      const want = DECLARATIONS * PER_DECLARATION;
      const arrived = () => filesBelow(inBox).length;
      await waitFor(() => arrived() >= want / 3, 'a third of the pushes in the InBox', 120_000, 50);
      p2!.kill('SIGKILL');
      const killedAt = arrived();
      const killedTime = Date.now();
      await raising;

      // instance 1 finishes: instance 2's claims run out after leaseMs, deliveries in its open transactions come back at once
      await waitFor(() => arrived() >= want, `${want} files in the InBox (have ${arrived()})`, FULL ? 600_000 : 180_000, 250);
      await waitFor(async () => (await store.deliveries.countPending(reg.clientId)) === 0, 'no delivery left in the store', 60_000, 250);
      const mgmt = p1.amqp!.management;
      await waitFor(
        async () => {
          const q = (await mgmt.listQueues(vh.vhost)).find((x) => x.name === brokerNames(reg.clientId).receiveQueue);
          return q && q.messages === 0;
        },
        'the receive queue drained',
        60_000,
        250,
      );

      const recoveredMs = Date.now() - killedTime;
      const { files, data, receipts, missing, duplicates } = fanOut.check(inBox);
      const dropped = client.snapshot().received.duplicatesDropped;
      record({
        test: 'platform instance SIGKILL during a push fan-out (RabbitMQ + PostgreSQL)',
        load: `${want} pushes, killed after ${killedAt}, ${dropped} redeliveries dropped by id`,
        faults: 1,
        lost: missing,
        duplicates,
      });
      console.info(
        `${want} pushes; instance 2 killed after ${killedAt} had arrived; all in the InBox ${recoveredMs} ms later; ${dropped} redeliveries dropped by id`,
      );
      expect(missing).toBe(0);
      expect(duplicates).toBe(0);
      expect(receipts).toHaveLength(DECLARATIONS * FAN_OUT_CHANNELS.length);
      expect(data).toHaveLength(DECLARATIONS);
      expect(files).toHaveLength(want);
    },
  );
});
