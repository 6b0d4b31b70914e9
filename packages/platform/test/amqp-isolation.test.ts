/**
 * RabbitMQ exchange: each client's own broker user, proven with real connections. Client A can
 * publish only to its send exchange and consume only its receive queue; every other action gets
 * the broker's ACCESS_REFUSED, except what RabbitMQ checks no permission for (passive declares) or
 * grants with read (purging its own receive queue), pinned here as docs/scale-out.md describes it.
 * The platform answers only on direct reply-to. Disabling a client deletes its broker user and
 * closes its connections.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir, waitFor } from '../../../test/helpers.js';
import { startPlatform, type RunningPlatform } from '../src/main.js';
import { createEnterprise, createOperator, issueCard } from '../src/core/identity/registry.js';
import { registerClient } from '../src/core/clients/registry.js';
import { brokerNames, messageHeaders } from '@osw/messages/exchange';
import { disableClient } from '../src/core/clients/registry.js';
import { AmqpTransport } from '../../client/src/adapters/amqp/transport.js';

const silent = pino({ level: 'silent' });

describe.skipIf(!AMQP_URL)('RabbitMQ exchange: one broker user per client', () => {
  const tmp = tempDir('osw-amqp-iso-');
  const vh = testVhost();
  let platform: RunningPlatform;
  let a: { clientId: string; secret: string };
  let b: { clientId: string; secret: string };
  let legal: { cardNo: string; pin: string };
  const users: string[] = [];
  const conns: ChannelModel[] = [];
  const region = randomRegion();

  const as = async (who: { clientId: string; secret: string }, user = brokerNames(who.clientId).user) => {
    const u = new URL(vh.url);
    u.username = user;
    u.password = who.secret;
    const c = await amqp.connect(u.toString());
    c.on('error', () => undefined);
    conns.push(c);
    return c;
  };

  /** runs one action on a fresh channel of A's connection; resolves with the broker's refusal, if any */
  async function attempt(conn: ChannelModel, action: (ch: Channel) => unknown): Promise<string> {
    const ch = await conn.createChannel();
    const closed = new Promise<string>((resolve) => {
      ch.on('error', (err: Error) => resolve(err.message));
      ch.on('close', () => setTimeout(() => resolve('closed without error'), 50));
    });
    let thrown: string | null = null;
    try {
      await action(ch);
      // a publish is refused asynchronously: a round trip later the channel is closed
      await ch.checkExchange('amq.direct').catch(() => undefined);
    } catch (err) {
      thrown = (err as Error).message;
    }
    const outcome = thrown ?? (await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('allowed'), 1000))]));
    await ch.close().catch(() => undefined);
    return outcome;
  }

  beforeAll(async () => {
    platform = await startPlatform(
      { dbFile: `${tmp.dir}/platform.db`, port: 0, exchange: vh.url, amqp: { discoverMs: 200, sweepMs: 100 } },
      silent,
    );
    const deps = platform.deps;
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
    const card = await issueCard(deps, { enterpriseCode: '4403980001', kind: 'legal', pin: '123456' });
    legal = { cardNo: card.cardNo, pin: '123456' };
    a = await registerClient(deps, { enterpriseCode: '4403980001', region, transport: 'amqp', environment: 'test' });
    b = await registerClient(deps, { enterpriseCode: '4403980001', region, transport: 'amqp', environment: 'test' });
    users.push(brokerNames(a.clientId).user, brokerNames(b.clientId).user);
  });

  afterAll(async () => {
    for (const c of conns) await c.close().catch(() => undefined);
    await platform?.close();
    await vh.drop(users);
    tmp.cleanup();
  });

  test('registration creates the broker user, its send exchange and its quorum queues', async () => {
    const mgmt = platform.amqp!.management;
    const queues = await mgmt.listQueues(vh.vhost);
    const n = brokerNames(a.clientId);
    expect(queues.map((q) => q.name)).toEqual(expect.arrayContaining([n.sendQueue, n.receiveQueue, 'osw.dead-letter']));
    expect(await mgmt.getUser(n.user)).toBeTruthy();
    const conn = await as(a);
    expect(await attempt(conn, (ch) => ch.publish(n.exchange, '', Buffer.from('<x/>'), { messageId: `${a.clientId}000001` }))).toBe(
      'allowed',
    );
    expect(await attempt(conn, (ch) => ch.consume(n.receiveQueue, () => undefined))).toBe('allowed');
  });

  test("client A's credentials are refused for everything that is not its own send or receive", async () => {
    const conn = await as(a);
    const na = brokerNames(a.clientId);
    const nb = brokerNames(b.clientId);
    const forbidden: [string, (ch: Channel) => unknown][] = [
      ["consume B's receive queue", (ch) => ch.consume(nb.receiveQueue, () => undefined)],
      ["get from B's receive queue", (ch) => ch.get(nb.receiveQueue)],
      ["consume B's send queue", (ch) => ch.consume(nb.sendQueue, () => undefined)],
      ['consume its own send queue', (ch) => ch.consume(na.sendQueue, () => undefined)],
      ["publish to B's send exchange", (ch) => ch.publish(nb.exchange, '', Buffer.from('<x/>'))],
      ["publish straight into B's send queue", (ch) => ch.publish('', nb.sendQueue, Buffer.from('<x/>'))],
      ["publish straight into B's receive queue", (ch) => ch.publish('', nb.receiveQueue, Buffer.from('<x/>'))],
      ['publish into its own receive queue', (ch) => ch.publish('', na.receiveQueue, Buffer.from('<x/>'))],
      ['publish to amq.topic', (ch) => ch.publish('amq.topic', 'x', Buffer.from('<x/>'))],
      ['declare a queue', (ch) => ch.assertQueue('sneaky', { durable: false })],
      ['declare an exchange', (ch) => ch.assertExchange('sneaky', 'fanout')],
      ['delete its own receive queue', (ch) => ch.deleteQueue(na.receiveQueue)],
      ["delete B's receive queue", (ch) => ch.deleteQueue(nb.receiveQueue)],
      ['delete its own send exchange', (ch) => ch.deleteExchange(na.exchange)],
      ["bind B's receive queue to its exchange", (ch) => ch.bindQueue(nb.receiveQueue, na.exchange, '')],
      ['bind its own receive queue to its exchange', (ch) => ch.bindQueue(na.receiveQueue, na.exchange, '')],
      ["purge B's receive queue", (ch) => ch.purgeQueue(nb.receiveQueue)],
      ["purge B's send queue", (ch) => ch.purgeQueue(nb.sendQueue)],
      ['purge its own send queue', (ch) => ch.purgeQueue(na.sendQueue)],
      ['purge the dead letters', (ch) => ch.purgeQueue('osw.dead-letter')],
      ['get a dead letter', (ch) => ch.get('osw.dead-letter')],
      ['publish to the dead-letter exchange', (ch) => ch.publish('osw.dead-letter', '', Buffer.from('<x/>'))],
    ];
    const outcomes: Record<string, string> = {};
    for (const [what, action] of forbidden) outcomes[what] = await attempt(conn, action);
    for (const [what, outcome] of Object.entries(outcomes))
      expect({ what, refused: /ACCESS_REFUSED/.test(outcome) }).toEqual({ what, refused: true });
    // logging in as B with A's password
    await expect(as(a, nb.user)).rejects.toThrow(/ACCESS.REFUSED/);
  });

  test('what RabbitMQ checks no permission for, and what the client needs, is allowed — as docs/scale-out.md says', async () => {
    const conn = await as(a);
    const na = brokerNames(a.clientId);
    const nb = brokerNames(b.clientId);
    const outcome = (action: (ch: Channel) => unknown) => attempt(conn, action);
    // the client's own work: publish, consume and get, and its backlog (队列积压: a passive check of its receive queue)
    expect(await outcome((ch) => ch.publish(na.exchange, '', Buffer.from('<x/>'), { messageId: `${a.clientId}000002` }))).toBe('allowed');
    expect(await outcome((ch) => ch.consume(na.receiveQueue, () => undefined))).toBe('allowed');
    expect(await outcome((ch) => ch.get(na.receiveQueue))).toBe('allowed');
    expect(await outcome((ch) => ch.checkQueue(na.receiveQueue))).toBe('allowed');
    // RabbitMQ authorises no passive declare: any logged-in user learns that a queue or exchange exists, and a queue's
    // message and consumer counts (never a message); and queue.purge needs only read, which consuming needs
    let seen: { messageCount: number; consumerCount: number } | undefined;
    expect(
      await outcome(async (ch) => {
        seen = await ch.checkQueue(nb.receiveQueue);
      }),
    ).toBe('allowed');
    expect(seen).toMatchObject({ messageCount: expect.any(Number), consumerCount: expect.any(Number) });
    expect(await outcome((ch) => ch.checkExchange(nb.exchange))).toBe('allowed');
    expect(await outcome((ch) => ch.purgeQueue(na.receiveQueue))).toBe('allowed');
    // and still nothing beyond that
    expect(await outcome((ch) => ch.purgeQueue(nb.receiveQueue))).toMatch(/ACCESS_REFUSED/);
    expect(await outcome((ch) => ch.purgeQueue(na.sendQueue))).toMatch(/ACCESS_REFUSED/);
    expect(await outcome((ch) => ch.get(nb.receiveQueue))).toMatch(/ACCESS_REFUSED/);
  });

  test('the platform learns the sender from the queue: a message in A’s exchange is imported as A’s', async () => {
    const t = new AmqpTransport({ url: vh.url, clientId: a.clientId, password: a.secret, sendTimeoutMs: 10_000 });
    try {
      const answer = await t.send({
        messageId: `${a.clientId}20260101000000000001`,
        fileName: 'hello.xml',
        business: 'declaration',
        body: Buffer.from('<Hello/>'),
      });
      expect(answer.accepted).toBe(false);
      expect(answer.responseXml).toContain('C903');
      const row = await platform.deps.store.inbound.get(a.clientId, `${a.clientId}20260101000000000001`);
      expect(row?.clientId).toBe(a.clientId);
      expect(await platform.deps.store.inbound.get(b.clientId, `${a.clientId}20260101000000000001`)).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  test("a reply-to that is not direct reply-to is refused: A cannot make the platform write into B's receive queue", async () => {
    const na = brokerNames(a.clientId);
    const nb = brokerNames(b.clientId);
    const conn = await as(a);
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    const handled = () => {
      const st = platform.amqp!.stats;
      return st.imported + st.refused + (st.misdirected ?? 0);
    };
    const before = { handled: handled(), misdirected: platform.amqp!.stats.misdirected ?? 0 };
    // what the platform would have written to, with its own rights in the vhost
    const targets = [nb.receiveQueue, nb.sendQueue, 'osw.dead-letter', na.receiveQueue, undefined];
    const ids = targets.map((_, i) => `${a.clientId}2026010100000000010${i}`);
    targets.forEach((replyTo, i) =>
      ch.publish(na.exchange, '', Buffer.from('<Hello/>'), {
        messageId: ids[i],
        ...(replyTo ? { replyTo } : {}),
        headers: messageHeaders({ fileName: 'hello.xml', business: 'declaration' }),
      }),
    );
    await ch.waitForConfirms();
    await waitFor(() => handled() >= before.handled + targets.length, 'the platform took every one');
    await new Promise((r) => setTimeout(r, 200)); // an answer published would be in its queue by now
    // not imported, and nothing written anywhere: B's queues, the dead letters and A's own receive queue stay empty
    const admin = await amqp.connect(vh.url);
    conns.push(admin);
    const look = await admin.createChannel();
    for (const q of [nb.receiveQueue, nb.sendQueue, 'osw.dead-letter', na.receiveQueue])
      expect({ q, messages: (await look.checkQueue(q)).messageCount }).toEqual({ q, messages: 0 });
    for (const id of ids) expect(await platform.deps.store.inbound.get(a.clientId, id)).toBeUndefined();
    expect(platform.amqp!.stats.misdirected - before.misdirected).toBe(targets.length);
    // B's client receives its real receipts, and only them
    await platform.deps.store.deliveries.enqueue([
      {
        clientId: b.clientId,
        messageId: 'RB000001',
        business: 'declaration',
        fileName: 'Receipt_B.xml',
        body: '<r>B</r>',
        createdAt: new Date().toISOString(),
      },
    ]);
    platform.deps.notifier.notify(b.clientId);
    const tb = new AmqpTransport({ url: vh.url, clientId: b.clientId, password: b.secret, sendTimeoutMs: 10_000 });
    try {
      const got = await waitFor(async () => {
        const batch = await tb.receive({ waitMs: 300, max: 10 });
        await tb.ack(batch.map((m) => m.deliveryId));
        return batch.length ? batch : null;
      }, "B's receipt");
      expect(got.map((m) => [m.messageId, m.fileName, m.body])).toEqual([['RB000001', 'Receipt_B.xml', '<r>B</r>']]);
      expect(await tb.receive({ waitMs: 500, max: 10 })).toEqual([]);
    } finally {
      await tb.close();
    }
    // A's client resends the same message id with direct reply-to, as it does after a timeout: imported and answered
    const ta = new AmqpTransport({ url: vh.url, clientId: a.clientId, password: a.secret, sendTimeoutMs: 10_000 });
    try {
      const answer = await ta.send({ messageId: ids[0], fileName: 'hello.xml', business: 'declaration', body: Buffer.from('<Hello/>') });
      expect(answer).toMatchObject({ accepted: false, duplicate: false });
      expect((await platform.deps.store.inbound.get(a.clientId, ids[0]))?.clientId).toBe(a.clientId);
    } finally {
      await ta.close();
    }
  });

  test('disabling a client deletes its broker user and closes its connections', async () => {
    const conn = await as(b);
    const closed = new Promise<void>((r) => conn.on('close', () => r()));
    const actor = { enterpriseCode: '4403980001', account: 'broker01', operatorCode: 'QH0030' };
    await disableClient(platform.deps, actor, b.clientId, legal);
    await closed;
    expect(await platform.amqp!.management.getUser(brokerNames(b.clientId).user)).toBeUndefined();
    await expect(as(b)).rejects.toThrow(/ACCESS.REFUSED/);
    await waitFor(
      async () => (await platform.amqp!.management.connections(brokerNames(b.clientId).user)).length === 0,
      'no connection of B left',
      5000,
    );
  });
});
