/**
 * Webhooks reach the internet, not the platform's own network: loopback, private, link-local and
 * reserved addresses are refused at registration and at each POST (after DNS), unless the platform
 * is configured to allow them; the push log never shows what the network said.
 */
import type dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpWebhookPort, WebhookAddressPolicy } from '../src/adapters/push/webhook-http.js';
import { PlatformConfigSchema } from '../src/main.js';
import { pushWorld, type PushWorld } from './push-world.js';

/** a DNS that answers what the test says, per name */
function fakeDns(answers: Record<string, string[] | (() => string[])>): typeof dns.lookup {
  return ((host: string, options: { all?: boolean }, callback: (err: Error | null, a: unknown, f?: number) => void) => {
    const a = answers[host];
    const list = typeof a === 'function' ? a() : a;
    if (!list) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), '');
    const all = list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, all);
    else callback(null, all[0].address, all[0].family);
  }) as unknown as typeof dns.lookup;
}

async function receiver() {
  let hits = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  // connections, not requests: a TLS hello to this plain server counts too
  server.on('connection', () => hits++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, hits: () => hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let w: PushWorld | undefined;
let rx: Awaited<ReturnType<typeof receiver>> | undefined;
afterEach(async () => {
  await rx?.close();
  await w?.close();
  rx = w = undefined;
});

async function subscription(world: PushWorld): Promise<number> {
  const s = await world.call(world.owner, 'POST', '/api/v1/subscriptions/declaration', {
    clientId: world.owner.clientId,
    declarationData: true,
    receiptTypes: ['海关入库'],
    card: world.legal(world.owner),
  });
  return s.body.id;
}

describe('webhook addresses', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast and reserved endpoints by default', async () => {
    rx = await receiver();
    w = await pushWorld(
      {},
      new HttpWebhookPort({ lookup: fakeDns({ 'internal.example': ['10.1.2.3'], 'mixed.example': ['93.184.216.34', '127.0.0.1'] }) }),
    );
    const id = await subscription(w);
    for (const url of [
      `http://127.0.0.1:${rx.port}/hook`,
      `http://localhost:${rx.port}/hook`,
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1/hook',
      'https://172.16.5.4/hook',
      'https://192.168.1.1/hook',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://224.0.0.1/hook',
      'https://240.0.0.1/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://internal.example/hook',
      'https://mixed.example/hook',
    ]) {
      const r = await w.call(w.owner, 'POST', '/api/v1/webhooks', { subscriptionKind: 'declaration', subscriptionId: id, url });
      expect(r.status, url).toBe(400);
      expect(r.body.error.code, url).toBe('OSW_PUSH_WEBHOOK_URL');
    }
    expect((await w.call(w.owner, 'GET', '/api/v1/webhooks')).body.items).toEqual([]);
    expect(rx.hits()).toBe(0);
  });

  it('a name that resolves to a public address at registration and to a private one at send time reaches nothing', async () => {
    rx = await receiver();
    let rebound = false;
    const port = new HttpWebhookPort({ lookup: fakeDns({ 'rebind.example': () => (rebound ? ['127.0.0.1'] : ['93.184.216.34']) }) });
    w = await pushWorld({}, port);
    const id = await subscription(w);
    const h = await w.call(w.owner, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'declaration',
      subscriptionId: id,
      url: `https://rebind.example:${rx.port}/hook`,
    });
    expect(h.status).toBe(201);
    rebound = true;
    await w.declare();
    await w.engine.runOnce();
    expect(rx.hits()).toBe(0);
    const pushes = (await w.call(w.owner, 'GET', '/api/v1/pushes?pageSize=50')).body.items.filter(
      (p: { method: string }) => p.method === 'webhook',
    );
    expect(pushes).toHaveLength(1);
    expect(pushes[0].lastError).toBe('webhook endpoint not reachable');
  });

  it('an endpoint on a private address that is in the store already (registered before the check) is not reached either', async () => {
    rx = await receiver();
    w = await pushWorld({}, new HttpWebhookPort());
    const id = await subscription(w);
    await w.deps.store.webhooks.insert({
      enterpriseCode: w.owner.code,
      subscriptionKind: 'declaration',
      subscriptionId: id,
      url: `http://127.0.0.1:${rx.port}/hook`,
      secret: 'whsec_' + Buffer.alloc(24, 1).toString('base64'),
      createdAt: w.now().toISOString(),
      disabledAt: null,
    });
    await w.declare();
    await w.engine.runOnce();
    expect(rx.hits()).toBe(0);
    const push = (await w.call(w.owner, 'GET', '/api/v1/pushes?pageSize=50')).body.items.find(
      (p: { method: string }) => p.method === 'webhook',
    );
    expect(push.lastError).toBe('webhook endpoint not reachable');
  });

  it('the push log says "not reachable", not what the network said (no refused ports, no addresses)', async () => {
    // allowed on purpose, as the tests' receivers are; nothing listens on the port
    rx = await receiver();
    const closed = rx.port;
    await rx.close();
    rx = undefined;
    w = await pushWorld();
    const id = await subscription(w);
    const h = await w.call(w.owner, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'declaration',
      subscriptionId: id,
      url: `http://127.0.0.1:${closed}/hook`,
    });
    expect(h.status).toBe(201);
    await w.declare();
    await w.engine.runOnce();
    const push = (await w.call(w.owner, 'GET', '/api/v1/pushes?pageSize=50')).body.items.find(
      (p: { method: string }) => p.method === 'webhook',
    );
    expect(push.lastError).toBe('webhook endpoint not reachable');
    const detail = (await w.call(w.owner, 'GET', `/api/v1/pushes/${push.id}`)).body;
    const said = JSON.stringify(detail.attemptLog);
    expect(said).toContain('webhook endpoint not reachable');
    expect(said).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:\d{4,5}/);
  });

  it('push.webhookAllowPrivate opens the ranges it names, and nothing else', () => {
    const strict = new WebhookAddressPolicy();
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect(strict.allows(a), a).toBe(true);
    for (const a of ['127.0.0.1', '10.9.9.9', '169.254.169.254', '::1', '::ffff:10.0.0.1', 'fc00::1', '64:ff9b::a00:1', 'not-an-ip'])
      expect(strict.allows(a), a).toBe(false);
    const some = new WebhookAddressPolicy(['10.0.0.0/8', 'fd12::/16']);
    expect(some.allows('10.20.30.40')).toBe(true);
    expect(some.allows('fd12::5')).toBe(true);
    expect(some.allows('192.168.0.1')).toBe(false);
    expect(some.allows('127.0.0.1')).toBe(false);
    expect(new WebhookAddressPolicy(true).allows('127.0.0.1')).toBe(true);

    expect(PlatformConfigSchema.parse({ dbFile: 'x.db' }).push.webhookAllowPrivate).toBe(false);
    expect(PlatformConfigSchema.parse({ dbFile: 'x.db', push: { webhookAllowPrivate: ['10.0.0.0/8'] } }).push.webhookAllowPrivate).toEqual([
      '10.0.0.0/8',
    ]);
    expect(PlatformConfigSchema.safeParse({ dbFile: 'x.db', push: { webhookAllowPrivate: ['10.0.0.0/33'] } }).success).toBe(false);
    expect(PlatformConfigSchema.safeParse({ dbFile: 'x.db', push: { webhookAllowPrivate: ['intranet'] } }).success).toBe(false);
  });
});
