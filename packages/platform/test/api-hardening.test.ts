/**
 * What an outsider can do to the REST API and the HTTP exchange without knowing a secret: big bodies,
 * guessed passwords and client secrets, NUL characters, framing — and what logout leaves behind.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { eachEngine, type TestDatabase } from '../../../test/support/engines.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import type { OpenedStore } from '../src/adapters/sqlite/open.js';
import { build } from '../src/api/app.js';
import { registerClient } from '../src/core/clients/registry.js';
import { createEnterprise, createOperator } from '../src/core/identity/registry.js';
import { hashSecret, verifySecret } from '../src/core/identity/secrets.js';
import { silentLogger, type PlatformDeps } from '../src/core/ports.js';
import { DeclarationSandbox } from '../src/core/sandbox/declarations.js';
import { apiWorld, START, type ApiWorld } from './api-world.js';

const basic = (clientId: string, secret: string) => 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64');

let w: ApiWorld;
afterEach(async () => {
  await w?.close();
});

describe('body limits: a body too large is refused before it is read', () => {
  it('a login body over 16 KiB is answered 413 and the login never runs', async () => {
    w = await apiWorld();
    let lookups = 0;
    const getOperator = w.deps.store.identity.getOperator.bind(w.deps.store.identity);
    w.deps.store.identity.getOperator = async (a) => (lookups++, getOperator(a));
    const r = await w.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ account: 'owner01', password: 'x'.repeat(64 * 1024) }),
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().error.code).toBe('OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE');
    // octet-stream is no way around it
    const raw = await w.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(1024 * 1024),
    });
    expect(raw.statusCode).toBe(413);
    expect(lookups).toBe(0);
    // a login of ordinary size still works
    expect((await w.call(null, 'POST', '/api/v1/session', { account: 'owner01', password: w.owner.password })).status).toBe(200);
    expect(lookups).toBe(1);
  });

  it('a REST body over 64 KiB is answered 413, a manual change of 1000 rows is not', async () => {
    w = await apiWorld();
    const big = await w.call(w.owner, 'POST', '/api/v1/sms/verification-codes', { phone: '13800138000', junk: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      action: 'modify',
      kind: 'img',
      serial: (i % 30) + 1,
      name: `料件${i}`.padEnd(80, '料'),
    }));
    const change = await w.call(w.owner, 'POST', '/api/v1/sandbox/manuals/E53002600001/changes', { items: rows, autoApprove: false });
    expect(JSON.stringify({ items: rows }).length).toBeGreaterThan(64 * 1024);
    expect(change.status).not.toBe(413);
  });

  it('the exchange reads no message from a caller without valid credentials; a client may send more than 64 KiB', async () => {
    w = await apiWorld();
    const body = Buffer.alloc(300 * 1024, 0x20);
    const send = (authorization?: string) =>
      w.app.inject({
        method: 'POST',
        url: '/exchange/v1/messages',
        headers: {
          ...(authorization ? { authorization } : {}),
          'content-type': 'application/octet-stream',
          'x-osw-message-id': `${w.owner.clientId}000000000000000000001`,
          'x-osw-file-name': 'big.xml',
          'x-osw-business': 'declaration',
        },
        payload: body,
      });
    expect((await send()).statusCode).toBe(401);
    expect((await send(basic(w.owner.clientId, 'wrong'))).statusCode).toBe(401);
    expect(await w.deps.store.inbound.get(w.owner.clientId, `${w.owner.clientId}000000000000000000001`)).toBeUndefined();
    const ok = await send(basic(w.owner.clientId, w.owner.secret));
    expect(ok.statusCode).toBeLessThan(400);
  });
});

describe('secret checks: off the event loop, and limited per address and per client', () => {
  it('verifySecret runs scrypt on the thread pool: it answers a promise', async () => {
    const h = await hashSecret('right');
    const check = verifySecret('wrong', h);
    expect(check).toBeInstanceOf(Promise);
    expect(await check).toBe(false);
    expect(await verifySecret('right', h)).toBe(true);
  });

  it('/health answers while a batch of wrong client secrets is being checked', async () => {
    w = await apiWorld();
    const order: string[] = [];
    let health: Promise<unknown> | undefined;
    // the health request starts when every wrong-secret request has found its client and goes on to scrypt
    const get = w.deps.store.clients.get.bind(w.deps.store.clients);
    let found = 0;
    w.deps.store.clients.get = async (id) => {
      const row = await get(id);
      if (++found === 8) health = w.app.inject({ method: 'GET', url: '/api/v1/health' }).then((r) => order.push(`health:${r.statusCode}`));
      return row;
    };
    const wrong = Array.from({ length: 8 }, (_, i) =>
      w.app
        .inject({
          method: 'POST',
          url: '/exchange/v1/ping',
          headers: { authorization: basic(w.owner.clientId, `wrong-${i}`) },
          remoteAddress: `203.0.113.${i + 1}`,
        })
        .then((r) => order.push(`wrong:${r.statusCode}`)),
    );
    await Promise.all(wrong);
    await health;
    expect(order.indexOf('health:200')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('health:200')).toBeLessThan(order.indexOf('wrong:401'));
    expect(order.filter((o) => o === 'wrong:401')).toHaveLength(8);
  });

  it('secret checks leave the event loop free while they run', async () => {
    const h = await hashSecret('right');
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    await Promise.all(Array.from({ length: 6 }, () => verifySecret('wrong', h)));
    running = false;
    expect(turns).toBeGreaterThan(3);
  });

  it('wrong client secrets beyond the limit are answered 429 with Retry-After; other addresses and the right secret go on', async () => {
    w = await apiWorld();
    const ping = (secret: string, remoteAddress: string) =>
      w.app.inject({
        method: 'POST',
        url: '/exchange/v1/ping',
        headers: { authorization: basic(w.owner.clientId, secret) },
        remoteAddress,
      });
    // the client at work, verified once
    expect((await ping(w.owner.secret, '198.51.100.1')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await ping('guess', '203.0.113.9')).statusCode).toBe(401);
    const limited = await ping('guess', '203.0.113.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('OSW_AUTH_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // the guesser's address is refused for other clients too, after 20 failures
    for (let i = 0; i < 15; i++) await ping('guess', '203.0.113.10');
    expect((await ping('guess', '203.0.113.10')).statusCode).toBe(429);
    // the client itself is not stopped by someone guessing at its id
    expect((await ping(w.owner.secret, '198.51.100.1')).statusCode).toBe(200);
    expect((await ping('guess', '192.0.2.44')).statusCode).toBe(401);
    // the window ends
    w.advance(15 * 60_000 + 1000);
    expect((await ping('guess', '203.0.113.9')).statusCode).toBe(401);
  });

  it('an unknown client id is answered like a wrong secret, and limited the same', async () => {
    w = await apiWorld();
    const ping = (clientId: string) =>
      w.app.inject({
        method: 'POST',
        url: '/exchange/v1/ping',
        headers: { authorization: basic(clientId, 'x') },
        remoteAddress: '203.0.113.5',
      });
    const unknown = await ping('DXPESW9999000001');
    const wrong = await ping(w.owner.clientId);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
  });
});

describe('logins: no account probing, no lock-out of others', () => {
  const loginFrom = (account: string, password: string, remoteAddress = '203.0.113.20') =>
    w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { account, password }, remoteAddress });

  it('an unknown account and a wrong password get the same answer', async () => {
    w = await apiWorld();
    const unknown = await loginFrom('nobody01', 'wrong-password');
    const wrong = await loginFrom('owner01', 'wrong-password');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(unknown.statusCode);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('OSW_AUTH_FAILED');
  });

  it('after five failures the address waits — for real and unknown accounts alike; the operator elsewhere logs in', async () => {
    w = await apiWorld();
    for (const account of ['owner01', 'nobody01']) {
      for (let i = 0; i < 5; i++) expect((await loginFrom(account, 'wrong-password')).statusCode).toBe(401);
      const sixth = await loginFrom(account, 'wrong-password');
      expect(sixth.statusCode).toBe(429);
      expect(sixth.json().error.code).toBe('OSW_AUTH_RATE_LIMITED');
      // when to try again, in China time as the console shows times (the window began at START, 02:00 UTC)
      expect(sixth.json().error.message).toContain('2026-11-21 10:15:00');
      expect(sixth.json().error.message).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    }
    // nothing answers 423 (locked) any more, which only a real account could get
    expect((await loginFrom('owner01', w.owner.password)).statusCode).toBe(429);
    expect((await loginFrom('owner01', w.owner.password, '198.51.100.30')).statusCode).toBe(200);
    w.advance(15 * 60_000 + 1000);
    expect((await loginFrom('owner01', w.owner.password)).statusCode).toBe(200);
  });
});

describe('logout', () => {
  it('DELETE /api/v1/session revokes the token; other sessions of the operator stay', async () => {
    w = await apiWorld();
    const other = (await w.call(null, 'POST', '/api/v1/session', { account: 'owner01', password: w.owner.password })).body.token;
    expect((await w.call(w.owner, 'GET', '/api/v1/clients')).status).toBe(200);
    const out = await w.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { authorization: `Bearer ${w.owner.token}` } });
    expect(out.statusCode).toBe(204);
    const after = await w.call(w.owner, 'GET', '/api/v1/clients');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('OSW_AUTH_REQUIRED');
    const again = await w.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { authorization: `Bearer ${w.owner.token}` } });
    expect(again.statusCode).toBe(401);
    expect((await w.call(null, 'GET', '/api/v1/clients', undefined, { authorization: `Bearer ${other}` })).status).toBe(200);
  });
});

describe('security headers', () => {
  it('the console and the API answer with CSP frame-ancestors none, nosniff, a referrer policy', async () => {
    const t = tempDir();
    mkdirSync(path.join(t.dir, 'assets'));
    writeFileSync(path.join(t.dir, 'index.html'), '<!doctype html><div id="root"></div>');
    w = await apiWorld({ webRoot: t.dir });
    try {
      for (const [url, party] of [
        ['/', null],
        ['/subscriptions/receipt', null],
        ['/api/v1/health', null],
        ['/api/v1/clients', w.owner],
        ['/api/v1/clients', null],
        ['/api/v1/nope', null],
      ] as const) {
        const r = await w.call(party, 'GET', url);
        expect(r.headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
        expect(r.headers['content-security-policy'], url).toContain("script-src 'self'");
        expect(r.headers['x-content-type-options'], url).toBe('nosniff');
        expect(r.headers['x-frame-options'], url).toBe('DENY');
        expect(r.headers['referrer-policy'], url).toBe('no-referrer');
      }
    } finally {
      t.cleanup();
    }
  });
});

describe.each(eachEngine())('NUL characters on $name', (engine) => {
  let db: TestDatabase;
  let opened: OpenedStore;
  let app: Awaited<ReturnType<typeof build>>;
  let token: string;
  let client: { clientId: string; secret: string };
  beforeAll(async () => {
    db = await engine.create();
    opened = await db.open();
    const deps: PlatformDeps = {
      store: opened.store,
      clock: { now: () => new Date(START) },
      logger: silentLogger,
      notifier: new InProcessNotifier(),
    };
    await createEnterprise(deps, { customsCode: '4403960002', uscc: '91440300MA5F8K3L7P', name: '华南', region: '5300' });
    await createOperator(deps, {
      account: 'owner01',
      password: 'osw-demo-owner',
      enterpriseCode: '4403960002',
      name: 'o',
      operatorCode: 'QH0031',
    });
    client = await registerClient(deps, { enterpriseCode: '4403960002', region: '5300', transport: 'http', environment: 'test' });
    app = await build({
      deps,
      customs: new DeclarationSandbox({ paceMs: 0 }),
      sms: new OutboxSmsSender(deps),
      webhook: new HttpWebhookPort(),
      failedLoginDelayMs: 0,
    });
    token = (
      await app.inject({ method: 'POST', url: '/api/v1/session', payload: { account: 'owner01', password: 'osw-demo-owner' } })
    ).json().token;
  });
  afterAll(async () => {
    await app?.close();
    await opened?.close();
    await db?.drop();
  });

  it.each([
    ['the login account', 'POST', '/api/v1/session', { account: 'owner\u000001', password: 'x' }],
    [
      'a JSON string deep in a body',
      'POST',
      '/api/v1/subscriptions/receipt',
      { pushMethod: 'sms', mode: 'enterprise', phone: '138\u00000' },
    ],
    ['a path id', 'GET', '/api/v1/declarations/E2026%00', undefined],
    ['a list filter', 'GET', '/api/v1/pushes?clientId=DXP%00', undefined],
    ['a filter of the subscriptions', 'GET', '/api/v1/subscriptions/declaration?clientId=%00', undefined],
  ] as const)('%s with NUL is answered 400 OSW_VALIDATION', async (_what, method, url, payload) => {
    const r = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe('OSW_VALIDATION');
  });

  it('an exchange file name with NUL is a bad request, not a database error', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/exchange/v1/messages',
      headers: {
        authorization: basic(client.clientId, client.secret),
        'content-type': 'application/xml',
        'x-osw-message-id': `${client.clientId}000000000000000000001`,
        'x-osw-business': 'declaration',
        'x-osw-file-name': 'a%00.xml',
      },
      payload: Buffer.from('<x/>'),
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe('OSW_EXCHANGE_BAD_REQUEST');
  });

  it.each([
    ['a newline', 'new%0Aline.xml'],
    ['a path', '..%2F..%2Fetc%2Fpasswd'],
    ['a backslash', 'a%5Cb.xml'],
  ])('an exchange file name with %s is refused before anything is stored', async (_what, encoded) => {
    const messageId = `${client.clientId}${String(Date.now()).padStart(21, '0')}`;
    const r = await app.inject({
      method: 'POST',
      url: '/exchange/v1/messages',
      headers: {
        authorization: basic(client.clientId, client.secret),
        'content-type': 'application/xml',
        'x-osw-message-id': messageId,
        'x-osw-business': 'declaration',
        'x-osw-file-name': encoded,
      },
      payload: Buffer.from('<x/>'),
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe('OSW_EXCHANGE_BAD_REQUEST');
  });
});
