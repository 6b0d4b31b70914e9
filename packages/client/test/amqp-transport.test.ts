/**
 * The client's RabbitMQ transport: chosen by the platform URL's scheme, refused logins are final,
 * an unreachable broker is retried, and receipts handed out but not acknowledged (a paused
 * business) are handed out again, then redelivered by the broker after a dropped connection; a
 * message the client cannot file is dead-lettered and never holds up the queue.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { filesBelow, tempDir, waitFor } from '../../../test/helpers.js';
import { parseClientConfig } from '../src/config.js';
import { createTransport, startClient } from '../src/main.js';
import { AmqpTransport } from '../src/adapters/amqp/transport.js';
import { HttpTransport } from '../src/adapters/http/transport.js';
import { startPlatform, type RunningPlatform } from '../../platform/src/main.js';
import { createEnterprise } from '../../platform/src/core/identity/registry.js';
import { registerClient } from '../../platform/src/core/clients/registry.js';
import { brokerNames, DEAD_LETTER_QUEUE, EXCHANGE_HEADER, messageHeaders } from '@osw/messages/exchange';

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

  test('sendBatch publishes every message under one confirm window and gets every answer, in order', async () => {
    const t = new AmqpTransport({
      url: vh.url.replace('guest:guest@', ''),
      clientId: c.clientId,
      password: c.secret,
      sendTimeoutMs: 10_000,
    });
    try {
      await t.ping();
      // every publish of the batch is made before the first confirm comes back: one window, not a round trip each
      const send = (t as unknown as { session: { send: { publish: (...a: unknown[]) => boolean } } }).session.send;
      const publish = send.publish.bind(send);
      let confirmed = 0;
      const confirmedAtPublish: number[] = [];
      send.publish = (...a: unknown[]) => {
        confirmedAtPublish.push(confirmed);
        const cb = a[4] as (err: unknown) => void;
        return publish(a[0], a[1], a[2], a[3], (err: unknown) => (confirmed++, cb(err)));
      };
      const id = (i: number) => `${c.clientId}BATCH${String(i).padStart(8, '0')}`;
      const msg = (messageId: string) => ({
        messageId,
        fileName: `${messageId}.xml`,
        business: 'declaration',
        body: Buffer.from('<NotAKnownMessage/>'),
      });
      const msgs = [...Array.from({ length: 30 }, (_, i) => msg(id(i))), msg('short'), msg(id(0))];
      const results = await t.sendBatch(msgs);
      expect(confirmedAtPublish).toEqual(msgs.map(() => 0));
      expect(confirmed).toBe(msgs.length);
      expect(
        results.slice(0, 30).every((r) => r.ok && !r.answer.accepted && !r.answer.duplicate && r.answer.responseXml.includes('C903')),
      ).toBe(true);
      expect(results[30]).toMatchObject({ ok: false, error: { code: 'OSW_EXCHANGE_BAD_MESSAGE_ID', retryable: false } });
      expect(results[31]).toMatchObject({ ok: true, answer: { duplicate: true } });
    } finally {
      await t.close();
    }
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
  test('a message in the receive queue that cannot be filed is dead-lettered with one log line; the next one is filed, nothing is left behind', async () => {
    const names = brokerNames(c.clientId);
    const impPath = path.join(tmp.dir, 'poison', 'ImpPath');
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const conn = await amqp.connect(vh.url);
    const ch = await conn.createChannel();
    const deadBefore = (await ch.checkQueue(DEAD_LETTER_QUEUE)).messageCount;
    const ok = (fileName: string) => messageHeaders({ fileName, business: 'declaration' });
    // what the platform never sends, published straight into the client's receive queue
    const poison: { headers: Record<string, unknown>; body?: Buffer; messageId?: string }[] = [
      { headers: {} },
      { headers: { [EXCHANGE_HEADER.fileName]: '', [EXCHANGE_HEADER.business]: 'declaration' } },
      { headers: ok('../../escape.xml') },
      { headers: ok('..') },
      { headers: ok('sub/escape.xml') },
      { headers: ok('new\nline.xml') },
      { headers: { [EXCHANGE_HEADER.fileName]: '%E4%B8', [EXCHANGE_HEADER.business]: 'declaration' } },
      { headers: { [EXCHANGE_HEADER.fileName]: 'Receipt_NOBIZ_202611211200000000001.xml' } },
      { headers: ok('Receipt_BYTES_202611211200000000002.xml'), body: Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x2f, 0x3e]) },
      { headers: ok('Receipt_EMPTY_202611211200000000003.xml'), body: Buffer.alloc(0) },
      { headers: ok('Receipt_BADID_202611211200000000004.xml'), messageId: 'bad id' },
    ];
    try {
      poison.forEach((p, i) =>
        ch.sendToQueue(names.receiveQueue, p.body ?? Buffer.from('<DEC_RESULT/>'), {
          persistent: true,
          messageId: p.messageId ?? `POISONAMQP${String(i).padStart(4, '0')}`,
          headers: p.headers,
        }),
      );
      ch.sendToQueue(names.receiveQueue, Buffer.from('<DEC_RESULT/>'), {
        persistent: true,
        messageId: 'GOODAMQP0001',
        headers: ok('Receipt_GOOD_202611211200000000005.xml'),
      });
      const client = await startClient(
        {
          clientId: c.clientId,
          platform: { url: vh.url.replace('guest:guest@', ''), secret: c.secret },
          impPath,
          stableMs: 100,
          rescanMs: 100,
          retryBaseMs: 100,
          retryMaxMs: 500,
          receiveWaitMs: 500,
          statusPage: { enabled: false, host: '127.0.0.1', port: 0 },
        },
        { logger, lockDir: path.join(tmp.dir, 'locks') },
      );
      try {
        const inBox = path.join(impPath, 'DecCus001', 'InBox');
        await waitFor(
          () => filesBelow(inBox).includes('Receipt_GOOD_202611211200000000005.xml'),
          'the good receipt behind the poison',
          30_000,
        );
        await waitFor(
          async () => (await ch.checkQueue(DEAD_LETTER_QUEUE)).messageCount === deadBefore + poison.length,
          'the poison in the dead-letter queue',
        );
        expect(filesBelow(inBox)).toEqual(['Receipt_GOOD_202611211200000000005.xml']);
        expect(client.snapshot().received).toMatchObject({ files: 1, rejected: poison.length });
        const refusals = lines.filter((l) => l.msg === 'received message cannot be filed: rejected, nothing written');
        expect(refusals).toHaveLength(poison.length);
        expect(new Set(refusals.map((l) => l.msgId)).size).toBe(poison.length);
        for (const reason of [
          'no x-osw-file-name header',
          'empty',
          'path separator',
          '"',
          'control characters',
          'percent-encoded',
          'no x-osw-business',
          'not UTF-8',
          'body is empty',
          'message id',
        ])
          expect(
            refusals.some((l) => String(l.reason).includes(reason)),
            reason,
          ).toBe(true);
        const dead = await ch.get(DEAD_LETTER_QUEUE, { noAck: false });
        expect(dead && dead.properties.headers?.['x-first-death-reason']).toBe('rejected');
        if (dead) ch.nack(dead, false, true);
      } finally {
        await client.stop(0);
      }
      expect((await ch.checkQueue(names.receiveQueue)).messageCount).toBe(0);
      // nothing written anywhere for the poison: no temp files, no escaped names
      const all = filesBelow(path.dirname(impPath), { hidden: true });
      expect(all.filter((f) => f.endsWith('.tmp') || f.includes('escape') || f.includes('line'))).toEqual([]);
      expect(readdirSync(path.dirname(impPath))).toEqual(['ImpPath']);
    } finally {
      await conn.close();
    }
  });
});
