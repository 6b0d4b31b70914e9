/**
 * 死信 in the REST API: `GET /api/v1/dead-letters` shows what the broker dead-lettered, with its
 * reason, to the operators of the client's own enterprise only; with the HTTP exchange the list is
 * empty and says so. The dead letter is made by the real broker: a client rejects a receipt.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import amqp from 'amqplib';
import pino from 'pino';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir, waitFor } from '../../../test/helpers.js';
import { startPlatform, type RunningPlatform } from '../src/main.js';
import { createEnterprise, createOperator, login } from '../src/core/identity/registry.js';
import { registerClient } from '../src/core/clients/registry.js';
import { brokerNames } from '@osw/messages/exchange';

const silent = pino({ level: 'silent' });

async function operatorOf(platform: RunningPlatform, code: string, uscc: string, account: string, region: string) {
  await createEnterprise(platform.deps, { customsCode: code, uscc, name: `企业${code}`, region: '5300' });
  await createOperator(platform.deps, {
    account,
    password: 'dead-letter-test',
    enterpriseCode: code,
    name: account,
    operatorCode: account.toUpperCase(),
  });
  const client = await registerClient(platform.deps, { enterpriseCode: code, region, transport: 'amqp', environment: 'test' });
  const { token } = await login(platform.deps, account, 'dead-letter-test');
  return { token, client };
}

async function list(platform: RunningPlatform, token: string | null, query = '') {
  const res = await platform.app.inject({
    method: 'GET',
    url: `/api/v1/dead-letters${query}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.statusCode, body: res.json() };
}

describe('dead letters with the HTTP exchange', () => {
  const tmp = tempDir('osw-dlq-http-');
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startPlatform({ dbFile: `${tmp.dir}/p.db`, port: 0 }, silent);
  });
  afterAll(async () => {
    await platform?.close();
    tmp.cleanup();
  });

  test('the list is empty and says the exchange is http', async () => {
    const { token } = await operatorOf(platform, '4403980001', '91440300MA5G0B1X2K', 'broker01', '5300');
    expect(await list(platform, token)).toEqual({ status: 200, body: { exchange: 'http', items: [], total: 0, scanned: 0 } });
  });

  test('without a session the answer is only "log in first"', async () => {
    const r = await list(platform, null);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('OSW_AUTH_REQUIRED');
  });

  test('the route is described in the OpenAPI document', async () => {
    const doc = (await platform.app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    const op = doc.paths['/api/v1/dead-letters'].get;
    expect(op.tags).toEqual(['dead-letters']);
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties)).toEqual([
      'exchange',
      'items',
      'total',
      'scanned',
    ]);
  });
});

describe.skipIf(!AMQP_URL)('dead letters with the RabbitMQ exchange', () => {
  const tmp = tempDir('osw-dlq-amqp-');
  const vh = testVhost();
  let platform: RunningPlatform;
  const users: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform(
      { dbFile: `${tmp.dir}/p.db`, port: 0, exchange: vh.url, amqp: { discoverMs: 200, sweepMs: 200, retryBaseMs: 50 } },
      silent,
    );
  });

  afterAll(async () => {
    await platform?.close();
    await vh.drop(users);
    tmp.cleanup();
  });

  test('a receipt the client rejects is listed with the reason, to its own enterprise only', async () => {
    const a = await operatorOf(platform, '4403980001', '91440300MA5G0B1X2K', 'broker01', randomRegion());
    const b = await operatorOf(platform, '4403960002', '91440300MA5F8K3L7P', 'owner01', randomRegion());
    users.push(brokerNames(a.client.clientId).user, brokerNames(b.client.clientId).user);
    const bId = b.client.clientId;
    const fileName = 'Receipt_回执_1.xml';
    await platform.deps.store.deliveries.enqueue([
      {
        clientId: bId,
        messageId: `${bId}DEAD00000001`,
        business: 'declaration',
        fileName,
        body: '<r/>',
        createdAt: new Date().toISOString(),
      },
    ]);
    platform.deps.notifier.notify(bId);

    // client B takes the receipt from its receive queue and rejects it without requeue: the broker dead-letters it
    const u = new URL(vh.url);
    u.username = brokerNames(bId).user;
    u.password = b.client.secret;
    const conn = await amqp.connect(u.toString());
    try {
      const ch = await conn.createChannel();
      const msg = await waitFor(
        async () => await ch.get(brokerNames(bId).receiveQueue, { noAck: false }),
        'the receipt in the receive queue',
        30_000,
        100,
      );
      expect(msg.properties.messageId).toBe(`${bId}DEAD00000001`);
      ch.nack(msg, false, false);
      await ch.close();
    } finally {
      await conn.close();
    }

    const seen = await waitFor(
      async () => (await list(platform, b.token)).body.items?.find((d: { messageId: string }) => d.messageId === `${bId}DEAD00000001`),
      'the dead letter in the API',
      30_000,
      200,
    );
    expect(seen).toEqual({
      clientId: bId,
      queue: brokerNames(bId).receiveQueue,
      direction: 'receive',
      messageId: `${bId}DEAD00000001`,
      fileName,
      reason: 'rejected',
      count: 1,
    });

    const own = await list(platform, b.token, `?clientId=${bId}`);
    expect(own.body).toMatchObject({ exchange: 'amqp', total: 1 });
    const other = await list(platform, a.token);
    expect(other.status).toBe(200);
    expect(other.body.exchange).toBe('amqp');
    expect(other.body.scanned).toBeGreaterThanOrEqual(1);
    expect(other.body.items).toEqual([]);

    // peeking leaves the message in the dead-letter queue
    expect((await list(platform, b.token)).body.total).toBe(1);
  });
});
