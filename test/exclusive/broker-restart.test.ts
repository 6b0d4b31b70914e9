/**
 * A real broker restart (`rabbitmqctl stop_app` / `start_app`) in the middle of three streams at once:
 * - the RabbitMQ transport alone: 2,000 sends (20 at a time) and 2,000 receipts forwarded from the store;
 * - the import client end to end: declarations dropped into its OutBox, answered, and the sandbox's
 *   five receipts for each coming back into its InBox;
 * - a subscription push fan-out to an importer's client (declaration data and receipts; 10,002 pushes
 *   in the long form): half raised before the restart, half while the broker is down.
 * After the restart everything arrives once: each message imported once, each file in SentBox once
 * with one `Successed_`, each receipt and each push received once; client and platform reconnect by
 * themselves.
 *
 * It stops the machine's broker for every test that shares it, so it lives in the exclusive phase of
 * `npm test` (test/exclusive, run alone after the parallel run) and runs only with
 * OSW_TEST_BROKER_RESTART=1, which scripts/test.mjs and scripts/reliability.mjs set when
 * OSW_TEST_AMQP_URL is set (OSW_TEST_BROKER_RESTART=0 turns it off). The command is `rabbitmqctl`, or
 * OSW_TEST_RABBITMQCTL (e.g. `docker exec rabbitmq rabbitmqctl`).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningClient } from '@osw/client';
import { AmqpTransport } from '../../packages/client/src/adapters/amqp/transport.js';
import { brokerNames } from '@osw/messages/exchange';
import { createEnterprise, issueCard } from '../../packages/platform/src/core/identity/registry.js';
import { registerClient } from '../../packages/platform/src/core/clients/registry.js';
import { startPlatform, type RunningPlatform } from '../../packages/platform/src/main.js';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { FULL, record } from '../reliability/report.js';
import { AMQP_URL, randomRegion, testVhost } from '../support/engines.js';
import { FAN_OUT_OWNER, FanOut, PUSHES_PER_DECLARATION, subscribeToFanOut } from '../support/fan-out.js';
import { clientBrokerUrl, startAmqpClient } from '../support/scale-world.js';

const RESTART = process.env.OSW_TEST_BROKER_RESTART === '1';
const CTL = (process.env.OSW_TEST_RABBITMQCTL || 'rabbitmqctl').split(' ').filter(Boolean);
// asynchronous: the platform and the client in this process keep running (and see the broker go) while it restarts
const ctl = (...args: string[]) => promisify(execFile)(CTL[0], [...CTL.slice(1), ...args], { timeout: 120_000 });
const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));
const silent = pino({ level: 'silent' });
const N = 2000;
const FILES = FULL ? 2000 : 100;
const RECEIPTS = 5;
/** declarations of the push fan-out: 3 pushes each (10,002 in the long form) */
const FAN_OUT = FULL ? 3334 : 150;

describe.skipIf(!AMQP_URL || !RESTART)('RabbitMQ restart mid-run', () => {
  const tmp = tempDir('osw-amqp-restart-');
  const vh = testVhost();
  let platform: RunningPlatform;
  let client: RunningClient | null = null;
  let owner: RunningClient | null = null;
  const users: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform(
      {
        dbFile: `${tmp.dir}/p.db`,
        port: 0,
        exchange: vh.url,
        sandboxPaceMs: 20,
        sandboxTickMs: 50,
        push: { tickMs: 50 },
        amqp: { discoverMs: 300, sweepMs: 200, retryBaseMs: 100, retryMaxMs: 2000 },
      },
      silent,
    );
    await createEnterprise(platform.deps, {
      customsCode: '4403980001',
      uscc: '91440300MA5G0B1X2K',
      name: '深圳市前海通关报关有限公司',
      region: '5300',
    });
    await createEnterprise(platform.deps, {
      customsCode: FAN_OUT_OWNER,
      uscc: '91440300MA5F8K3L7P',
      name: '深圳市华南进出口贸易有限公司',
      region: '5300',
    });
  });
  afterAll(async () => {
    // whatever happened, the broker is left running for whoever comes next
    try {
      await ctl('start_app');
      await ctl('await_startup');
    } catch {
      /* it was running */
    }
    await client?.stop(0).catch(() => undefined);
    await owner?.stop(0).catch(() => undefined);
    await platform?.close();
    await vh.drop(users);
    tmp.cleanup();
  });

  test(
    `${N} sends + ${N} receipts over the transport, ${FILES} declarations through the import client and ${FAN_OUT * PUSHES_PER_DECLARATION} pushes, across stop_app/start_app: each once`,
    { timeout: FULL ? 900_000 : 300_000 },
    async () => {
      const store = platform.deps.store;
      const c = await registerClient(platform.deps, {
        enterpriseCode: '4403980001',
        region: randomRegion(),
        transport: 'amqp',
        environment: 'test',
      });
      const d = await registerClient(platform.deps, {
        enterpriseCode: '4403980001',
        region: randomRegion(),
        transport: 'amqp',
        environment: 'test',
      });
      users.push(brokerNames(c.clientId).user, brokerNames(d.clientId).user);

      // ---- the transport alone ----
      const t = new AmqpTransport({
        url: vh.url.replace('guest:guest@', ''),
        clientId: c.clientId,
        password: c.secret,
        sendTimeoutMs: 5000,
      });
      let retries = 0;
      const id = (i: number) => `${c.clientId}2026010300000${String(i).padStart(7, '0')}`;
      const sendOne = async (i: number) => {
        for (;;) {
          try {
            return await t.send({
              messageId: id(i),
              fileName: `f${i}.xml`,
              business: 'declaration',
              body: Buffer.from(`<Unknown n="${i}"/>`),
            });
          } catch (err) {
            if (!(err as { retryable?: boolean }).retryable) throw err;
            retries++;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      };
      const seen = new Set<string>();
      let dups = 0;
      const receiving = (async () => {
        while (seen.size < N) {
          try {
            const batch = await t.receive({ waitMs: 500, max: 200 });
            for (const m of batch) seen.has(m.messageId) ? dups++ : seen.add(m.messageId);
            await t.ack(batch.map((m) => m.deliveryId));
          } catch {
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      })();
      const enqueue = (async () => {
        for (let i = 0; i < N; i++) {
          await store.deliveries.enqueue([
            {
              clientId: c.clientId,
              messageId: `D${i}`,
              business: 'declaration',
              fileName: `Receipt_D${i}.xml`,
              body: `<d n="${i}"/>`,
              createdAt: new Date().toISOString(),
            },
          ]);
          platform.deps.notifier.notify(c.clientId);
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const started = Date.now();
      const sending = (async () => {
        for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, k) => sendOne(i + k)));
      })();

      // ---- the import client end to end ----
      const card = await issueCard(platform.deps, { enterpriseCode: '4403980001', kind: 'operator', pin: '12345678' });
      const impPath = path.join(tmp.dir, 'ImpPath');
      const box = (b: string) => path.join(impPath, 'DecCus001', b);
      mkdirSync(box('OutBox'), { recursive: true });
      for (let i = 0; i < FILES; i++)
        writeFileSync(path.join(box('OutBox'), `dec-${String(i).padStart(5, '0')}.xml`), withClientSeqNo(example));
      const brokerUrl = clientBrokerUrl(vh.url);
      // longer than any restart: files wait instead of failing with C18
      const config = (name: string) => ({ sendRetryForMs: 180_000, deviceId: `broker-restart-test-${name}` });

      // ---- the push fan-out to the importer's client ----
      const ownerCard = await issueCard(platform.deps, { enterpriseCode: FAN_OUT_OWNER, kind: 'operator', pin: '12345678' });
      const o = await registerClient(platform.deps, {
        enterpriseCode: FAN_OUT_OWNER,
        region: randomRegion(),
        transport: 'amqp',
        environment: 'test',
      });
      users.push(brokerNames(o.clientId).user);
      const ownerHome = path.join(tmp.dir, 'owner');
      mkdirSync(path.join(ownerHome, 'ImpPath', 'DecCus001', 'InBox'), { recursive: true });
      await subscribeToFanOut(store, { clientId: o.clientId, cardNo: ownerCard.cardNo });
      owner = await startAmqpClient({ home: ownerHome, url: brokerUrl, reg: o, card: ownerCard, config: config('owner') });
      const ownerInBox = path.join(ownerHome, 'ImpPath', 'DecCus001', 'InBox');
      const fanOut = new FanOut(store);
      const pushed = () => filesBelow(ownerInBox).length;

      // ---- both clients running; the first half of the fan-out raised while the import client sends ----
      client = await startAmqpClient({ home: tmp.dir, url: brokerUrl, reg: d, card, config: config('broker') });
      const sent = () => filesBelow(box('SentBox')).length;
      const firstHalf = fanOut.raise(FAN_OUT / 2);

      // the streams under way, then the restart
      await waitFor(
        async () => (await store.inbound.get(c.clientId, id(300))) !== undefined && sent() >= FILES / 4 && pushed() > 0,
        'the streams under way',
        120_000,
        50,
      );
      const sentBefore = sent();
      const pushedBefore = pushed();
      const t0 = Date.now();
      await ctl('stop_app');
      await firstHalf;
      // the other half of the fan-out while the broker is down: the store takes it, delivery waits
      await fanOut.raise(FAN_OUT - FAN_OUT / 2);
      await ctl('start_app');
      await ctl('await_startup');
      const restartMs = Date.now() - t0;

      await sending;
      await enqueue;
      await receiving;
      await t.close();
      await waitFor(() => sent() + filesBelow(box('FailBox')).length >= FILES, 'every file filed', FULL ? 600_000 : 180_000, 250);
      await waitFor(
        async () => (await store.declarations.listFor('4403980001', 100_000)).every((x) => x.channel === 'R' || x.channel === 'E'),
        'every declaration through its receipts',
        180_000,
        250,
      );
      await waitFor(async () => (await store.deliveries.countPending(d.clientId)) === 0, 'no delivery left for the client', 60_000, 250);
      const receipts = await waitFor(
        () => {
          const r = filesBelow(box('InBox')).filter((f) => f.startsWith('Receipt_'));
          return r.length >= FILES * RECEIPTS ? r : null;
        },
        'every receipt in the InBox',
        120_000,
        250,
      );
      await waitFor(
        () => pushed() >= fanOut.pushes,
        `${fanOut.pushes} pushes in the importer's InBox (have ${pushed()})`,
        FULL ? 600_000 : 180_000,
        250,
      );
      await waitFor(async () => (await store.deliveries.countPending(o.clientId)) === 0, 'no delivery left for the importer', 60_000, 250);
      const pushCheck = fanOut.check(ownerInBox);

      // the transport: each message imported once, each receipt received
      for (let i = 0; i < N; i++) expect(await store.inbound.get(c.clientId, id(i))).toBeDefined();
      expect(seen.size).toBe(N);
      expect(await store.deliveries.countPending(c.clientId)).toBe(0);
      // the client: every file once in SentBox, one Successed_ each, one declaration each, every receipt once
      const sentNames = filesBelow(box('SentBox')).map((f) => path.basename(f).replace(/_\d{21,23}\.xml$/, ''));
      const successed = filesBelow(box('InBox'))
        .filter((f) => f.startsWith('Successed_'))
        .map((f) => f.replace(/_\d{21,23}\.xml$/, ''));
      const accepted = (await store.declarations.listFor('4403980001', 100_000)).length;
      const lost =
        FILES - new Set(sentNames).size + Math.max(0, FILES * RECEIPTS - new Set(receipts).size) + (N - seen.size) + pushCheck.missing;
      const duplicates =
        sentNames.length -
        new Set(sentNames).size +
        (successed.length - new Set(successed).size) +
        Math.max(0, accepted - FILES) +
        (receipts.length - new Set(receipts).size) +
        pushCheck.duplicates;
      record({
        test: 'RabbitMQ restarted mid-stream (rabbitmqctl stop_app/start_app)',
        load: `${N} transport sends + ${N} receipts; ${FILES} client files + ${FILES * RECEIPTS} receipts; ${fanOut.pushes} pushes`,
        faults: 1,
        lost,
        duplicates,
      });
      console.info(
        `broker restart took ${restartMs} ms; transport: ${N} sends + ${N} receipts in ${Date.now() - started} ms, ${retries} sends retried, ${dups} receipts redelivered (dropped by id); ` +
          `client: ${sentBefore}/${FILES} files sent before the restart, ${client.snapshot().received.duplicatesDropped} receipts redelivered (dropped by id); ` +
          `fan-out: ${pushedBefore}/${fanOut.pushes} pushes in the InBox before the restart, half raised while the broker was down, ${owner.snapshot().received.duplicatesDropped} redelivered (dropped by id); platform reconnects ${platform.amqp!.stats.reconnects}`,
      );
      expect(filesBelow(box('FailBox'))).toEqual([]);
      expect(filesBelow(box('OutBox'))).toEqual([]);
      expect(sentNames).toHaveLength(FILES);
      expect(new Set(sentNames).size).toBe(FILES);
      expect(successed).toHaveLength(FILES);
      expect(accepted).toBe(FILES);
      expect(receipts).toHaveLength(FILES * RECEIPTS);
      expect(new Set(receipts).size).toBe(FILES * RECEIPTS);
      // the fan-out: every push once
      expect(pushCheck.missing).toBe(0);
      expect(pushCheck.duplicates).toBe(0);
      expect(pushCheck.files).toHaveLength(fanOut.pushes);
      expect(pushCheck.data).toHaveLength(FAN_OUT);
    },
  );
});
