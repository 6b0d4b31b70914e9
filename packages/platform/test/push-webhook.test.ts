/** Webhook pushes against a real local HTTP receiver: Standard Webhooks signatures, retries, suspension and recovery. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook, webhookSignature } from '../src/core/push/webhook-signature.js';
import { pushWorld, type PushWorld } from './push-world.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function receiver(statuses: number[] = []) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/osw-hook`;
  return { got, url, statuses, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let w: PushWorld;
let rx: Awaited<ReturnType<typeof receiver>> | undefined;
afterEach(async () => {
  await rx?.close();
  await w?.close();
});

async function hookedSubscription() {
  const s = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
    clientId: w.owner.clientId,
    declarationData: true,
    receiptTypes: ['接单', '海关入库', '放行'],
    card: w.legal(w.owner),
  });
  const h = await w.call(w.owner, 'POST', '/api/v1/webhooks', { subscriptionKind: 'declaration', subscriptionId: s.body.id, url: rx!.url });
  expect(h.status).toBe(201);
  return h.body as { id: number; secret: string };
}

describe('webhook push', () => {
  it('POSTs JSON with the parsed receipt and the original XML, signed the Standard Webhooks way; the receiver verifies it', async () => {
    w = await pushWorld();
    rx = await receiver();
    const hook = await hookedSubscription();
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7', 'L']);
    await w.engine.runOnce();
    expect(rx.got).toHaveLength(3);
    const bodies = rx.got.map((g) => JSON.parse(g.body));
    expect(bodies.map((b) => b.type)).toEqual(['declaration.data', 'declaration.receipt', 'declaration.receipt']);
    expect(bodies[2].data).toMatchObject({
      seqNo: d.seqNo,
      channel: 'L',
      channelName: '海关入库成功',
      receipt: { cusCiqNo: d.seqNo, channel: 'L' },
    });
    expect(bodies[2].data.xml).toContain('<DEC_RESULT>');
    const now = w.now();
    for (const g of rx.got) {
      expect(g.headers['content-type']).toBe('application/json');
      expect(g.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]{44}$/);
      expect(verifyWebhook(hook.secret, g.headers, g.body, now)).toBe(true);
      expect(verifyWebhook(hook.secret, g.headers, g.body.replace('"type":"declaration', '"type":"xdeclaration'), now)).toBe(false);
      expect(verifyWebhook('whsec_' + Buffer.alloc(24, 1).toString('base64'), g.headers, g.body, now)).toBe(false);
      expect(verifyWebhook(hook.secret, g.headers, g.body, new Date(now.getTime() + 10 * 60_000))).toBe(false);
    }
    const log = (await w.call(w.owner, 'GET', `/api/v1/pushes?documentNo=${d.seqNo}`)).body.items.filter(
      (p: { method: string }) => p.method === 'webhook',
    );
    expect(log.map((p: { messageId: string }) => p.messageId).reverse()).toEqual(rx.got.map((g) => g.headers['webhook-id']));
    // the list masks the secret
    expect((await w.call(w.owner, 'GET', '/api/v1/webhooks')).body.items[0].secret).toMatch(/^whsec_….{4}$/);
  });

  it('matches the published Standard Webhooks test vector', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(webhookSignature(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('an endpoint that keeps failing is retried on the schedule, then suspended; its pushes are kept and flow in order after a probe succeeds', async () => {
    w = await pushWorld({ retryScheduleMs: [1000], suspendAfterFailures: 2, probeEveryMs: 60_000 });
    rx = await receiver([500, 503]);
    await hookedSubscription();
    const d = await w.declare();
    await w.engine.runOnce();
    w.advance(1000);
    await w.engine.runOnce();
    await w.receipts(d.seqNo, ['7', 'L']);
    await w.engine.runOnce();
    const webhookPushes = async () =>
      (await w.call(w.owner, 'GET', `/api/v1/pushes?documentNo=${d.seqNo}&pageSize=50`)).body.items.filter(
        (p: { method: string }) => p.method === 'webhook',
      );
    expect((await webhookPushes()).map((p: { status: string }) => p.status)).toEqual(['suspended', 'suspended', 'suspended']);
    expect(rx.got).toHaveLength(2);
    w.advance(60_000);
    await w.engine.runOnce();
    expect(rx.got).toHaveLength(5);
    expect(
      rx.got
        .slice(2)
        .map((g) => JSON.parse(g.body))
        .map((b) => (b.type === 'declaration.data' ? 'data' : b.data.channel)),
    ).toEqual(['data', '7', 'L']);
    const after = await webhookPushes();
    expect(after.map((p: { status: string }) => p.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const first = after[2];
    expect(first.attempts).toBe(3);
    const detail = (await w.call(w.owner, 'GET', `/api/v1/pushes/${first.id}`)).body;
    expect(
      detail.attemptLog
        .filter((a: { outcome: string }) => a.outcome !== 'held')
        .map((a: { outcome: string; error: string | null }) => `${a.outcome}${a.error ? ':' + a.error : ''}`),
    ).toEqual(['failed:webhook answered HTTP 500', 'failed:webhook answered HTTP 503', 'delivered']);
  });

  it('refuses plain-HTTP endpoints other than this machine, and subscriptions of other enterprises', async () => {
    w = await pushWorld();
    const s = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      receiptTypes: [],
      card: w.legal(w.owner),
    });
    const bad = await w.call(
      w.owner,
      'POST',
      '/api/v1/webhooks',
      { subscriptionKind: 'declaration', subscriptionId: s.body.id, url: 'http://example.com/hook' },
      { 'accept-language': 'en' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('OSW_PUSH_WEBHOOK_URL');
    const foreign = await w.call(w.broker, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'declaration',
      subscriptionId: s.body.id,
      url: 'https://example.com/hook',
    });
    expect(foreign.status).toBe(404);
  });
});
