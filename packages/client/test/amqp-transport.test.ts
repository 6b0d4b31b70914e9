/**
 * The client's RabbitMQ transport: chosen by the platform URL's scheme, refused logins are final,
 * an unreachable broker is retried, and receipts handed out but not acknowledged (a paused
 * business) are handed out again, then redelivered by the broker after a dropped connection.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir, waitFor } from '../../../test/helpers.js';
import { parseClientConfig } from '../src/config.js';
import { createTransport } from '../src/main.js';
import { AmqpTransport } from '../src/adapters/amqp/transport.js';
import { HttpTransport } from '../src/adapters/http/transport.js';
import { startPlatform, type RunningPlatform } from '../../platform/src/main.js';
import { createEnterprise } from '../../platform/src/core/identity/registry.js';
import { registerClient } from '../../platform/src/core/clients/registry.js';
import { brokerNames } from '@osw/messages/exchange';

const base = { clientId: 'DXPESW5300000001', impPath: '/tmp/osw-imp' };

describe('client transport by URL scheme', () => {
  test('amqp:// and amqps:// choose RabbitMQ, http(s):// the HTTP exchange; other schemes are refused', () => {
    const t = (url: string) => createTransport(parseClientConfig({ ...base, platform: { url, secret: 's' } }));
    expect(t('amqp://mq.example.com:5672/osw')).toBeInstanceOf(AmqpTransport);
    expect(t('amqps://mq.example.com:5671/osw')).toBeInstanceOf(AmqpTransport);
    expect(t('https://sw.example.com')).toBeInstanceOf(HttpTransport);
    expect(() => parseClientConfig({ ...base, platform: { url: 'ftp://sw.example.com', secret: 's' } })).toThrow(
      /http:\/\/, https:\/\/, amqp:\/\/ or amqps:\/\//,
    );
  });

  test('an unreachable broker is a retryable failure', async () => {
    const t = new AmqpTransport({ url: 'amqp://127.0.0.1:1/osw', clientId: 'DXPESW5300000001', password: 'x', sendTimeoutMs: 1000 });
    await expect(t.backlog()).rejects.toMatchObject({ code: 'OSW_TRANSPORT_UNREACHABLE', retryable: true });
    await t.close();
  });
});

describe.skipIf(!AMQP_URL)('client RabbitMQ transport against the broker', () => {
  const tmp = tempDir('osw-amqp-client-');
  const vh = testVhost();
  let platform: RunningPlatform;
  let c: { clientId: string; secret: string };

  beforeAll(async () => {
    platform = await startPlatform(
      { dbFile: `${tmp.dir}/p.db`, port: 0, exchange: vh.url, amqp: { discoverMs: 200, sweepMs: 100 } },
      pino({ level: 'silent' }),
    );
    await createEnterprise(platform.deps, {
      customsCode: '4403980001',
      uscc: '91440300MA5G0B1X2K',
      name: '深圳市前海通关报关有限公司',
      region: '5300',
    });
    c = await registerClient(platform.deps, {
      enterpriseCode: '4403980001',
      region: randomRegion(),
      transport: 'amqp',
      environment: 'test',
    });
  });
  afterAll(async () => {
    await platform?.close();
    await vh.drop(c ? [brokerNames(c.clientId).user] : []);
    tmp.cleanup();
  });

  test('a wrong secret is refused by the broker and not retried', async () => {
    const t = new AmqpTransport({ url: vh.url.replace('guest:guest@', ''), clientId: c.clientId, password: 'wrong', sendTimeoutMs: 1000 });
    await expect(t.ping()).rejects.toMatchObject({ code: 'OSW_AUTH_FAILED', retryable: false });
    await t.close();
  });

  test('receipts not acknowledged are handed out again; after a dropped connection the broker redelivers them', async () => {
    for (let i = 0; i < 3; i++)
      await platform.deps.store.deliveries.enqueue([
        {
          clientId: c.clientId,
          messageId: `H${i}`,
          business: 'declaration',
          fileName: `Receipt_H${i}.xml`,
          body: `<h n="${i}"/>`,
          createdAt: new Date().toISOString(),
        },
      ]);
    platform.deps.notifier.notify(c.clientId);
    const url = vh.url.replace('guest:guest@', '');
    const t = new AmqpTransport({ url, clientId: c.clientId, password: c.secret, sendTimeoutMs: 5000 });
    try {
      const first = await waitFor(async () => {
        const got = await t.receive({ waitMs: 300, max: 10 });
        return got.length === 3 ? got : null;
      }, 'three receipts');
      // a paused business: nothing acknowledged, the same three come back with the same delivery ids
      const again = await t.receive({ waitMs: 0, max: 10 });
      expect(again.map((m) => m.deliveryId)).toEqual(first.map((m) => m.deliveryId));
      await t.ack([first[0].deliveryId]);
      await waitFor(
        () => platform.amqp!.management.closeConnectionsOf(brokerNames(c.clientId).user, 'test: dropped'),
        'the client connection to drop',
        10_000,
        100,
      );
      const redelivered = await waitFor(
        async () => {
          try {
            const got = await t.receive({ waitMs: 300, max: 10 });
            // the broker closes the connection a moment after the management API answers: until the
            // transport has noticed and connected again, it hands out the old connection's unacknowledged ones
            return got.length === 2 && t.connects >= 2 ? got : null;
          } catch {
            return null; // the drop is noticed: receive again, as the Receiver does
          }
        },
        'two receipts redelivered',
        20_000,
        100,
      );
      expect(redelivered.map((m) => m.messageId).sort()).toEqual(['H1', 'H2']);
      await t.ack(redelivered.map((m) => m.deliveryId));
      expect(await t.backlog()).toBe(0);
    } finally {
      await t.close();
    }
  });
});
