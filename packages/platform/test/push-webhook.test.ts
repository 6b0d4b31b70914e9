/** Webhook pushes against a real local HTTP receiver: Standard Webhooks signatures, retries, suspension and recovery. */
import type dns from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { verifyWebhook, webhookSignature } from '../src/core/push/webhook-signature.js';
import { pushWorld, type PushWorld } from './push-world.js';
import { webhookReceiver } from '../../../test/support/webhook-receiver.js';

const receiver = webhookReceiver;

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

describe('webhook endpoints: enable, rotate, test event, delivery log', () => {
  const testEvent = (id: number, party = w.owner) => w.call(party, 'POST', `/api/v1/webhooks/${id}/test`);

  it('a test event is signed and POSTed at once, and answered with the status and time; a failing endpoint is said so', async () => {
    w = await pushWorld();
    rx = await receiver([200, 500]);
    const hook = await hookedSubscription();
    const ok = await testEvent(hook.id);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ delivered: true, status: 200, error: null });
    expect(ok.body.durationMs).toBeGreaterThanOrEqual(0);
    expect(rx.got).toHaveLength(1);
    const event = JSON.parse(rx.got[0].body);
    expect(event).toMatchObject({ type: 'webhook.test', messageId: ok.body.messageId, data: { webhookId: hook.id } });
    expect(rx.got[0].headers['webhook-id']).toBe(ok.body.messageId);
    expect(verifyWebhook(hook.secret, rx.got[0].headers, rx.got[0].body, w.now())).toBe(true);
    const failing = await testEvent(hook.id);
    expect(failing.body).toMatchObject({ delivered: false, status: 500, error: 'webhook answered HTTP 500' });
    await rx.close();
    const gone = await testEvent(hook.id);
    expect(gone.body).toMatchObject({ delivered: false, status: null, error: 'webhook endpoint not reachable' });
    rx = undefined;
    // a test event is not a push: the push log has none; the audit log has the three
    expect((await w.call(w.owner, 'GET', '/api/v1/pushes')).body.items.filter((p: { method: string }) => p.method === 'webhook')).toEqual(
      [],
    );
    const audit = (await w.call(w.owner, 'GET', `/api/v1/audit?entity=webhook&entityId=${hook.id}`)).body.items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['webhook.test', 'webhook.test', 'webhook.test', 'webhook.create']);
  });

  it('a rotated secret is shown once and signs from then on; the old one verifies nothing, pushes included', async () => {
    w = await pushWorld();
    rx = await receiver();
    const hook = await hookedSubscription();
    const rotated = await w.call(w.owner, 'POST', `/api/v1/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const secret: string = rotated.body.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(secret).not.toBe(hook.secret);
    expect((await w.call(w.owner, 'GET', '/api/v1/webhooks')).body.items[0].secret).toBe(`whsec_…${secret.slice(-4)}`);
    await testEvent(hook.id);
    await w.declare();
    await w.engine.runOnce();
    expect(rx.got.map((g) => JSON.parse(g.body).type)).toEqual(['webhook.test', 'declaration.data']);
    for (const g of rx.got) {
      expect(verifyWebhook(secret, g.headers, g.body, w.now())).toBe(true);
      expect(verifyWebhook(hook.secret, g.headers, g.body, w.now())).toBe(false);
    }
    const audit = (await w.call(w.owner, 'GET', `/api/v1/audit?entity=webhook&entityId=${hook.id}`)).body.items;
    expect(audit[audit.length - 2].action).toBe('webhook.rotate-secret');
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('a disabled endpoint gets no pushes; enabled again, it gets the next ones', async () => {
    w = await pushWorld();
    rx = await receiver();
    const hook = await hookedSubscription();
    const off = await w.call(w.owner, 'POST', `/api/v1/webhooks/${hook.id}/disable`);
    expect(off.body.disabledAt).not.toBeNull();
    await w.declare();
    await w.engine.runOnce();
    expect(rx.got).toHaveLength(0);
    const on = await w.call(w.owner, 'POST', `/api/v1/webhooks/${hook.id}/enable`);
    expect(on.status).toBe(200);
    expect(on.body.disabledAt).toBeNull();
    expect(on.body.secret).toMatch(/^whsec_….{4}$/);
    expect((await w.call(w.owner, 'GET', '/api/v1/webhooks')).body.items[0].disabledAt).toBeNull();
    const d = await w.declare();
    await w.engine.runOnce();
    expect(rx.got.map((g) => JSON.parse(g.body).data.seqNo)).toEqual([d.seqNo]);
    const audit = (await w.call(w.owner, 'GET', `/api/v1/audit?entity=webhook&entityId=${hook.id}`)).body.items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['webhook.enable', 'webhook.disable', 'webhook.create']);
  });

  it('the delivery log lists the pushes of one endpoint, newest first, each with its attempts', async () => {
    w = await pushWorld({ retryScheduleMs: [1000] });
    rx = await receiver([500]);
    const hook = await hookedSubscription();
    const d = await w.declare();
    await w.engine.runOnce();
    w.advance(1000);
    await w.engine.runOnce();
    await w.receipts(d.seqNo, ['7']);
    await w.engine.runOnce();
    const log = await w.call(w.owner, 'GET', `/api/v1/webhooks/${hook.id}/deliveries?pageSize=1`);
    expect(log.status).toBe(200);
    expect(log.body.total).toBe(2);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({
      method: 'webhook',
      target: String(hook.id),
      status: 'delivered',
      source: 'declaration-receipt',
    });
    const older = (await w.call(w.owner, 'GET', `/api/v1/webhooks/${hook.id}/deliveries?page=2&pageSize=1`)).body.items[0];
    expect(older.source).toBe('declaration-data');
    expect(older.attemptLog.map((a: { outcome: string; error: string | null }) => `${a.outcome}${a.error ? ':' + a.error : ''}`)).toEqual([
      'failed:webhook answered HTTP 500',
      'delivered',
    ]);
    // another endpoint's log holds only its own pushes
    const s = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      receiptTypes: [],
      card: w.legal(w.owner),
    });
    const other = await w.call(w.owner, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'declaration',
      subscriptionId: s.body.id,
      url: rx.url,
    });
    expect((await w.call(w.owner, 'GET', `/api/v1/webhooks/${other.body.id}/deliveries`)).body).toEqual({ items: [], total: 0 });
  });

  it("another enterprise's webhook answers 404 OSW_NOT_FOUND to every call, and nothing changes", async () => {
    w = await pushWorld();
    rx = await receiver();
    const hook = await hookedSubscription();
    await w.call(w.owner, 'POST', `/api/v1/webhooks/${hook.id}/disable`);
    for (const [method, p] of [
      ['POST', 'enable'],
      ['POST', 'disable'],
      ['POST', 'rotate-secret'],
      ['POST', 'test'],
      ['GET', 'deliveries'],
    ] as const) {
      const r = await w.call(w.broker, method, `/api/v1/webhooks/${hook.id}/${p}`);
      expect([p, r.status, r.body.error?.code]).toEqual([p, 404, 'OSW_NOT_FOUND']);
    }
    expect(rx.got).toHaveLength(0);
    expect((await w.call(w.owner, 'GET', '/api/v1/webhooks')).body.items[0].disabledAt).not.toBeNull();
    // the secret is the one given at creation: a test event still verifies with it
    await testEvent(hook.id);
    expect(verifyWebhook(hook.secret, rx.got[0].headers, rx.got[0].body, w.now())).toBe(true);
    expect((await w.call(w.broker, 'GET', `/api/v1/audit?entity=webhook`)).body.items).toEqual([]);
  });

  it('a test event goes through the address checks: a name that now resolves to a refused address is not contacted', async () => {
    let answer = '127.0.0.1';
    const lookup = ((_host: string, _o: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      cb(null, [{ address: answer, family: 4 }])) as unknown as typeof dns.lookup;
    w = await pushWorld({}, new HttpWebhookPort({ allowPrivate: ['127.0.0.1/32'], lookup }));
    rx = await receiver();
    const s = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      receiptTypes: [],
      card: w.legal(w.owner),
    });
    const hook = await w.call(w.owner, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'declaration',
      subscriptionId: s.body.id,
      url: `https://hooks.example.com:${new URL(rx.url).port}/osw-hook`,
    });
    expect(hook.status).toBe(201);
    answer = '10.0.0.7';
    const r = await w.call(w.owner, 'POST', `/api/v1/webhooks/${hook.body.id}/test`, undefined, { 'accept-language': 'en' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OSW_PUSH_WEBHOOK_URL');
    // nor can it be enabled again while it points there
    await w.call(w.owner, 'POST', `/api/v1/webhooks/${hook.body.id}/disable`);
    expect((await w.call(w.owner, 'POST', `/api/v1/webhooks/${hook.body.id}/enable`)).body.error.code).toBe('OSW_PUSH_WEBHOOK_URL');
    expect(rx.got).toHaveLength(0);
  });
});
