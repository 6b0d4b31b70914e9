import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../cli/src/demo-seed.js';
import { preferredLanguage } from '../src/api/errors.js';
import { apiWorld, type ApiWorld } from './api-world.js';
import { tempDir } from '../../../test/helpers.js';
import path from 'node:path';
import { openSqliteStore } from '../src/adapters/sqlite/open.js';
import { build } from '../src/api/app.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { silentLogger } from '../src/core/ports.js';
import { DeclarationSandbox } from '../src/core/sandbox/declarations.js';

describe('API quality: OpenAPI, errors in two languages, audit log', () => {
  let w: ApiWorld;
  beforeEach(async () => {
    w = await apiWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas at /api/docs', async () => {
    const doc = await w.call(null, 'GET', '/api/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const p of [
      '/api/v1/session',
      '/api/v1/clients',
      '/api/v1/clients/{clientId}/unbind-device',
      '/api/v1/subscriptions/declaration/{id}/extend',
      '/api/v1/subscriptions/receipt',
      '/api/v1/subscriptions/manual',
      '/api/v1/sms/verification-codes',
      '/api/v1/audit',
    ])
      expect(doc.body.paths).toHaveProperty([p]);
    const apply = doc.body.paths['/api/v1/clients'].post;
    expect(apply.security).toEqual([{ bearer: [] }]);
    expect(apply.requestBody.content['application/json'].schema.properties.transport.enum).toEqual(['https', 'rabbitmq', 'ibmmq']);
    expect(apply.responses['201'].content['application/json'].schema.properties).toHaveProperty('transportSettings');
    expect(apply.responses['4XX'].content['application/json'].schema.properties).toHaveProperty('error');
    const list = doc.body.paths['/api/v1/subscriptions/declaration'].get;
    expect(list.parameters.map((x: { name: string }) => x.name)).toEqual(
      expect.arrayContaining(['page', 'pageSize', 'from', 'to', 'status', 'clientId']),
    );
    const ui = await w.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('errors are {error: {code, message}} in the language of Accept-Language, both when none is given', async () => {
    const ask = (lang?: string) =>
      w.call(
        w.owner,
        'POST',
        '/api/v1/subscriptions/declaration',
        { clientId: w.owner.clientId, card: w.legal(w.owner) },
        lang ? { 'accept-language': lang } : {},
      );
    const zh = await ask('zh-CN,zh;q=0.9,en;q=0.8');
    expect(zh.body).toEqual({ error: { code: 'OSW_SUB_CONTENT_EMPTY', message: '请至少选择一项订阅内容（申报数据或状态回执）' } });
    const en = await ask('en-US,en;q=0.9');
    expect(en.body.error.message).toBe('choose at least one content item: declaration data or a receipt type');
    const both = await ask();
    expect(both.body.error.message).toBe(
      '请至少选择一项订阅内容（申报数据或状态回执） (choose at least one content item: declaration data or a receipt type)',
    );
    // older messages written as "中文 (English)" are split too
    const login = await w.call(
      null,
      'POST',
      '/api/v1/session',
      { account: 'owner01', password: 'wrong-password' },
      { 'accept-language': 'en' },
    );
    expect(login.body.error).toEqual({ code: 'OSW_AUTH_FAILED', message: 'wrong account or password' });
    const invalid = await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?status=sleeping', undefined, {
      'accept-language': 'zh',
    });
    expect(invalid.body.error.code).toBe('OSW_VALIDATION');
    expect(invalid.body.error.message).toMatch(/^请求参数有误：querystring\.status/);
  });

  it('Accept-Language is read by weight', () => {
    expect(preferredLanguage('en;q=0.5, zh;q=0.8')).toBe('zh');
    expect(preferredLanguage('fr, en-GB;q=0.7')).toBe('en');
    expect(preferredLanguage('fr')).toBe('both');
    expect(preferredLanguage(undefined)).toBe('both');
  });

  it('every change is in the audit log: who, when, card used, before and after', async () => {
    const s = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      validUntil: '2027-06-30',
      card: w.legal(w.owner),
    });
    w.advance(60_000);
    await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${s.body.id}/extend`, {
      validUntil: '2027-11-21',
      card: w.legal(w.owner),
    });
    w.advance(60_000);
    await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${s.body.id}/cancel`, { card: w.legal(w.owner) });
    await w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/disable`, { card: w.legal(w.owner) });
    const log = await w.call(w.owner, 'GET', `/api/v1/audit?entity=declaration-subscription&entityId=${s.body.id}`);
    expect(log.body.total).toBe(3);
    const [cancel, extend, create] = log.body.items;
    expect(create).toMatchObject({
      account: 'owner01',
      cardNo: w.owner.legalCard,
      action: 'subscription.declaration.create',
      before: null,
      after: { id: s.body.id, validUntil: '2027-06-30' },
      at: '2026-11-21T02:00:00.000Z',
    });
    expect(extend).toMatchObject({
      action: 'subscription.declaration.extend',
      before: { validUntil: '2027-06-30' },
      after: { validUntil: '2027-11-21' },
      at: '2026-11-21T02:01:00.000Z',
    });
    expect(cancel).toMatchObject({
      action: 'subscription.declaration.cancel',
      before: { cancelledAt: null },
      after: { cancelledAt: '2026-11-21T02:02:00.000Z' },
    });
    const client = await w.call(w.owner, 'GET', '/api/v1/audit?entity=client');
    expect(client.body.items[0]).toMatchObject({ action: 'client.disable', before: { status: 'active' }, after: { status: 'disabled' } });
    expect(JSON.stringify(client.body)).not.toMatch(/secretHash|scrypt\$/);
    // a refused change leaves no trace
    await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${s.body.id}/cancel`, { card: w.legal(w.owner) });
    expect((await w.call(w.owner, 'GET', '/api/v1/audit')).body.total).toBe(4);
  });
});

describe("the demo's accounts and cards (demo.json) work against the API", () => {
  it("the docs/api.md walk-through: log in, subscribe the importer's client to declaration data and all receipt types, list, extend, cancel", async () => {
    const t = tempDir();
    const opened = await openSqliteStore(path.join(t.dir, 'demo.db'));
    const deps = {
      store: opened.store,
      clock: { now: () => new Date('2026-11-21T02:00:00Z') },
      logger: silentLogger,
      notifier: new InProcessNotifier(),
    };
    const app = await build({
      deps,
      customs: new DeclarationSandbox({ paceMs: 0 }),
      sms: new OutboxSmsSender(deps),
      webhook: new HttpWebhookPort(),
    });
    try {
      const demo = await seedDemo(deps);
      const owner = demo.accounts.find((a) => a.account === 'owner01')!;
      const legal = demo.cards.find((c) => c.enterpriseCode === owner.enterpriseCode && c.kind === 'legal')!;
      const client = demo.clients.find((c) => c.role === 'owner')!;
      const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, token?: string) => {
        const res = await app.inject({
          method,
          url,
          payload: payload as object | string | undefined,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        return { status: res.statusCode, body: res.json() };
      };
      const { body: session } = await call('POST', '/api/v1/session', { account: owner.account, password: owner.password });
      const token = session.token as string;
      const card = { cardNo: legal.cardNo, pin: legal.pin };
      const sub = await call(
        'POST',
        '/api/v1/subscriptions/declaration',
        {
          clientId: client.clientId,
          declarationData: true,
          receiptTypes: ['海关入库', '退单', '审核', '接单', '放行', '结关', '查验通知'],
          validUntil: '2027-02-21', // three months, as the walk-through does
          card,
        },
        token,
      );
      expect(sub.status).toBe(201);
      const list = await call('GET', '/api/v1/subscriptions/declaration?status=active', undefined, token);
      expect(list.body.items.map((s: { id: number }) => s.id)).toEqual([sub.body.id]);
      const ext = await call('POST', `/api/v1/subscriptions/declaration/${sub.body.id}/extend`, { validUntil: '2027-11-21', card }, token);
      expect(ext.status).toBe(200);
      const cancel = await call('POST', `/api/v1/subscriptions/declaration/${sub.body.id}/cancel`, { card }, token);
      expect(cancel.body.status).toBe('cancelled');
      // the operator card and the demo's manual work too
      const opCard = demo.cards.find((c) => c.enterpriseCode === owner.enterpriseCode && c.kind === 'operator')!;
      const manual = await call(
        'POST',
        '/api/v1/subscriptions/manual',
        {
          clientId: client.clientId,
          kind: 'stock',
          manualNo: demo.manuals[0].manualNo,
          imgRange: '1-100',
          exgRange: '1-100',
          card: { cardNo: opCard.cardNo, pin: opCard.pin },
        },
        token,
      );
      expect(manual.status).toBe(201);
      expect(manual.body.content).toBe('账册存量数据订阅: 账册号[E53002600001] 料件[1-100]成品[1-100];');
    } finally {
      await app.close();
      await opened.close();
      t.cleanup();
    }
  });
});

describe('platform configuration of the API', () => {
  it('the SMS provider defaults to the embedded outbox; an HTTP gateway needs a URL, and a bad one is refused', async () => {
    const { PlatformConfigSchema } = await import('../src/main.js');
    expect(PlatformConfigSchema.parse({ dbFile: 'x.db' }).sms).toEqual({ provider: 'outbox' });
    expect(PlatformConfigSchema.parse({ dbFile: 'x.db', sms: { provider: 'http', url: 'https://sms.example/send' } }).sms).toEqual({
      provider: 'http',
      url: 'https://sms.example/send',
      timeoutMs: 10_000,
    });
    expect(() => PlatformConfigSchema.parse({ dbFile: 'x.db', sms: { provider: 'http', url: 'not a url' } })).toThrow();
    expect(() => PlatformConfigSchema.parse({ dbFile: 'x.db', publicUrl: 'nope' })).toThrow();
  });
});
