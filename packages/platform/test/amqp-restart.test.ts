/**
 * A real broker restart (`rabbitmqctl stop_app` / `start_app`) during a 2,000-message send and a
 * 2,000-receipt forward: everything arrives once. It stops the machine's broker for every test
 * that shares it, so it runs only when asked: OSW_TEST_BROKER_RESTART=1 (see docs/scale-out.md).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir, waitFor } from '../../../test/helpers.js';
import { startPlatform, type RunningPlatform } from '../src/main.js';
import { createEnterprise, registerClient } from '../src/core/identity/registry.js';
import { brokerNames } from '../src/core/identity/clients.js';
import { AmqpTransport } from '../../client/src/adapters/amqp/transport.js';

const RESTART = process.env.OSW_TEST_BROKER_RESTART === '1';

describe.skipIf(!AMQP_URL || !RESTART)('RabbitMQ restart mid-run', () => {
  const tmp = tempDir('osw-amqp-restart-');
  const vh = testVhost();
  let platform: RunningPlatform;
  let c: { clientId: string; secret: string };

  beforeAll(async () => {
    platform = await startPlatform({ dbFile: `${tmp.dir}/p.db`, port: 0, exchange: vh.url, amqp: { discoverMs: 300, sweepMs: 200, retryBaseMs: 100, retryMaxMs: 2000 } }, pino({ level: 'silent' }));
    await createEnterprise(platform.deps, { customsCode: '4403980001', uscc: '91440300MA5G0B1X2K', name: '深圳市前海通关报关有限公司', region: '5300' });
    c = await registerClient(platform.deps, { enterpriseCode: '4403980001', region: randomRegion(), transport: 'amqp', environment: 'test' });
  });
  afterAll(async () => {
    await platform?.close();
    await vh.drop(c ? [brokerNames(c.clientId).user] : []);
    tmp.cleanup();
  });

  test('2,000 sends and 2,000 receipts across stop_app/start_app: each imported once, each received', { timeout: 300_000 }, async () => {
    const N = 2000;
    const store = platform.deps.store;
    const t = new AmqpTransport({ url: vh.url.replace('guest:guest@', ''), clientId: c.clientId, password: c.secret, sendTimeoutMs: 5000 });
    let retries = 0;
    const id = (i: number) => `${c.clientId}2026010300000${String(i).padStart(7, '0')}`;
    const sendOne = async (i: number) => {
      for (;;) {
        try {
          return await t.send({ messageId: id(i), fileName: `f${i}.xml`, business: 'declaration', body: Buffer.from(`<Unknown n="${i}"/>`) });
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
          for (const m of batch) (seen.has(m.messageId) ? dups++ : seen.add(m.messageId));
          await t.ack(batch.map((m) => m.deliveryId));
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })();
    const enqueue = (async () => {
      for (let i = 0; i < N; i++) {
        await store.enqueueDelivery({ clientId: c.clientId, messageId: `D${i}`, business: 'declaration', fileName: `Receipt_D${i}.xml`, body: `<d n="${i}"/>`, createdAt: new Date().toISOString() });
        platform.deps.notifier.notify(c.clientId);
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = Date.now();
    const sending = (async () => {
      for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, k) => sendOne(i + k)));
    })();
    await waitFor(async () => (await store.getInbound(c.clientId, id(300))) !== undefined, 'some sends done', 60_000, 50);
    const t0 = Date.now();
    execFileSync('rabbitmqctl', ['stop_app'], { stdio: 'ignore' });
    execFileSync('rabbitmqctl', ['start_app'], { stdio: 'ignore' });
    const restartMs = Date.now() - t0;
    await sending;
    await enqueue;
    await receiving;
    await t.close();
    for (let i = 0; i < N; i++) expect(await store.getInbound(c.clientId, id(i))).toBeDefined();
    expect(seen.size).toBe(N);
    expect(await store.countPendingDeliveries(c.clientId)).toBe(0);
    console.info(`broker restart took ${restartMs} ms; ${N} sends + ${N} receipts in ${Date.now() - started} ms; ${retries} sends retried; ${dups} receipts redelivered (dropped by id); platform reconnects ${platform.amqp!.stats.reconnects}`);
  });
});
