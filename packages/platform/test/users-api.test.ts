/**
 * 用户管理 and 服务地区变更 through the REST API, on every engine: an enterprise's administrator
 * creates operators, binds 操作员卡, resets passwords, disables and enables them; an enterprise asks to
 * move a client to another 关区 and an operator of the platform decides. Each refusal is shown: a
 * non-administrator (403 OSW_ADMIN_REQUIRED), another enterprise's operator (404), a non-platform
 * operator deciding (403 OSW_PLATFORM_OPERATOR_REQUIRED); every change lands in the audit log.
 */
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachEngine, scratchDatabases, type TestDatabase } from '../../../test/support/engines.js';
import { postgresCapabilities, sqliteCapabilities } from '../src/adapters/kysely/capabilities.js';
import { migrateToLatest } from '../src/adapters/kysely/migrations.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import type { OpenedStore } from '../src/adapters/sqlite/open.js';
import { build } from '../src/api/app.js';
import { registerClient } from '../src/core/clients/registry.js';
import { createEnterprise, createOperator, issueCard } from '../src/core/identity/registry.js';
import { verifySecret } from '../src/core/identity/secrets.js';
import { silentLogger, type PlatformDeps } from '../src/core/ports.js';
import { DeclarationSandbox } from '../src/core/sandbox/declarations.js';

const START = '2026-11-21T02:00:00.000Z';
const OWNER = '4403960002';
const BROKER = '4403980001';
const LEGAL_PIN = '88888888';
const OP_PIN = '12345678';

describe.each(eachEngine())('用户管理 and 服务地区变更 on $name', (engine) => {
  let db: TestDatabase;
  let opened: OpenedStore;
  let deps: PlatformDeps;
  let app: Awaited<ReturnType<typeof build>>;
  const now = new Date(START);
  const cards: Record<string, string> = {};

  async function login(account: string, password: string) {
    const r = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { account, password } });
    return { status: r.statusCode, body: r.json() };
  }
  const tokens: Record<string, string> = {};
  async function call(who: string | null, method: 'GET' | 'POST', url: string, payload?: unknown) {
    const r = await app.inject({
      method,
      url,
      payload: payload as object | undefined,
      headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), 'accept-language': 'en' },
    });
    return { status: r.statusCode, body: r.json() };
  }
  const legal = (code = OWNER) => ({ cardNo: cards[`${code}:legal`], pin: LEGAL_PIN });
  /** an administrator of the owner adds an operator with this password, and the operator logs in */
  async function addOperator(account: string, password: string) {
    const r = await call('owner01', 'POST', '/api/v1/operators', {
      account,
      name: 'x',
      operatorCode: `QH${account.slice(-2)}`,
      password,
      card: legal(),
    });
    expect(r.status).toBe(201);
    tokens[account] = (await login(account, password)).body.token;
  }

  beforeAll(async () => {
    db = await engine.create();
    opened = await db.open();
    deps = { store: opened.store, clock: { now: () => now }, logger: silentLogger, notifier: new InProcessNotifier() };
    for (const [code, uscc] of [
      [OWNER, '91440300MA5F8K3L7P'],
      [BROKER, '91440300MA5G0B1X2K'],
    ]) {
      await createEnterprise(deps, { customsCode: code, uscc, name: `企业${code}`, region: '5300' });
      cards[`${code}:legal`] = (await issueCard(deps, { enterpriseCode: code, kind: 'legal', pin: LEGAL_PIN })).cardNo;
      cards[`${code}:op1`] = (await issueCard(deps, { enterpriseCode: code, kind: 'operator', pin: OP_PIN })).cardNo;
      cards[`${code}:op2`] = (await issueCard(deps, { enterpriseCode: code, kind: 'operator', pin: OP_PIN })).cardNo;
    }
    await createOperator(deps, {
      account: 'owner01',
      password: 'osw-demo-owner',
      enterpriseCode: OWNER,
      name: '陈',
      operatorCode: 'QH0031',
    });
    await createOperator(deps, {
      account: 'owner02',
      password: 'osw-demo-owner2',
      enterpriseCode: OWNER,
      name: '王',
      operatorCode: 'QH0032',
      role: 'operator',
    });
    await createOperator(deps, {
      account: 'broker01',
      password: 'osw-demo-broker',
      enterpriseCode: BROKER,
      name: '林',
      operatorCode: 'QH0030',
    });
    await createEnterprise(deps, { customsCode: '5300PT0001', uscc: '12440300MB2C00001X', name: '平台', region: '5300' });
    await createOperator(deps, {
      account: 'platform01',
      password: 'osw-demo-platform',
      enterpriseCode: '5300PT0001',
      name: '运维',
      operatorCode: 'PT0001',
      role: 'platform',
    });
    app = await build({
      deps,
      customs: new DeclarationSandbox({ paceMs: 0 }),
      sms: new OutboxSmsSender(deps),
      webhook: new HttpWebhookPort(),
      failedLoginDelayMs: 0,
    });
    for (const [a, p] of [
      ['owner01', 'osw-demo-owner'],
      ['owner02', 'osw-demo-owner2'],
      ['broker01', 'osw-demo-broker'],
      ['platform01', 'osw-demo-platform'],
    ])
      tokens[a] = (await login(a, p)).body.token;
  });
  afterAll(async () => {
    await app?.close();
    await opened?.close();
    await db?.drop();
  });

  it('the session says the role: admin, operator or platform', async () => {
    expect((await login('owner01', 'osw-demo-owner')).body.role).toBe('admin');
    expect((await login('owner02', 'osw-demo-owner2')).body.role).toBe('operator');
    expect((await login('platform01', 'osw-demo-platform')).body.role).toBe('platform');
  });

  it('an administrator creates an operator with a password made once, stored hashed, and the operator logs in', async () => {
    const r = await call('owner01', 'POST', '/api/v1/operators', {
      account: 'owner10',
      name: '张三',
      operatorCode: 'QH0040',
      card: legal(),
    });
    expect(r.status).toBe(201);
    expect(r.body.operator).toMatchObject({ account: 'owner10', role: 'operator', status: 'active', cards: [] });
    const password = r.body.password as string;
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const row = await opened.store.identity.getOperator('owner10');
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(row!.passwordHash).not.toContain(password);
    expect(await verifySecret(password, row!.passwordHash)).toBe(true);
    expect((await login('owner10', password)).status).toBe(200);
    // the list shows it; the password never again
    const list = await call('owner01', 'GET', '/api/v1/operators');
    expect(list.body.items.map((o: { account: string }) => o.account)).toContain('owner10');
    expect(JSON.stringify(list.body)).not.toContain(password);
    // audited, with the 法人卡, without a password or its hash
    const audit = await call('owner01', 'GET', '/api/v1/audit?entity=operator&entityId=owner10');
    expect(audit.body.items[0]).toMatchObject({ account: 'owner01', cardNo: legal().cardNo, action: 'operator.create', before: null });
    expect(JSON.stringify(audit.body)).not.toMatch(/scrypt|passwordHash/);
    expect(JSON.stringify(audit.body)).not.toContain(password);
  });

  it('an administrator may set the password; a short one and an existing account are refused', async () => {
    const r = await call('owner01', 'POST', '/api/v1/operators', {
      account: 'owner11',
      name: '李四',
      operatorCode: 'QH0041',
      role: 'admin',
      password: 'chosen-by-admin',
      card: legal(),
    });
    expect(r.status).toBe(201);
    expect(r.body.password).toBeNull();
    expect(r.body.operator.role).toBe('admin');
    expect((await login('owner11', 'chosen-by-admin')).body.role).toBe('admin');
    const weak = await call('owner01', 'POST', '/api/v1/operators', {
      account: 'owner12',
      name: 'x',
      operatorCode: 'Q',
      password: 'short',
      card: legal(),
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('OSW_VALIDATION');
    // the account of another enterprise's operator is taken too: accounts are global
    const taken = await call('owner01', 'POST', '/api/v1/operators', { account: 'broker01', name: 'x', operatorCode: 'Q', card: legal() });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('OSW_OPERATOR_EXISTS');
  });

  it('user management needs the 法人卡: an 操作员卡 is refused and nothing is created', async () => {
    const r = await call('owner01', 'POST', '/api/v1/operators', {
      account: 'owner13',
      name: 'x',
      operatorCode: 'Q',
      card: { cardNo: cards[`${OWNER}:op1`], pin: OP_PIN },
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('OSW_CARD_KIND');
    expect(await opened.store.identity.getOperator('owner13')).toBeUndefined();
  });

  it('a non-administrator gets 403 OSW_ADMIN_REQUIRED on every user-management call', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/v1/operators'],
      ['GET', '/api/v1/operators/owner01'],
      ['POST', '/api/v1/operators', { account: 'owner14', name: 'x', operatorCode: 'Q', card: legal() }],
      ['POST', '/api/v1/operators/owner01/reset-password', { card: legal() }],
      ['POST', '/api/v1/operators/owner01/disable', { card: legal() }],
      ['POST', '/api/v1/operators/owner01/enable', { card: legal() }],
      ['POST', '/api/v1/operators/owner01/role', { role: 'operator', card: legal() }],
      ['POST', '/api/v1/operators/owner01/bind-card', { cardNo: cards[`${OWNER}:op1`], card: legal() }],
      ['POST', '/api/v1/operators/owner01/unbind-card', { cardNo: cards[`${OWNER}:op1`], card: legal() }],
    ];
    for (const [method, url, body] of calls) {
      const r = await call('owner02', method as 'GET' | 'POST', url, body);
      expect([url, r.status, r.body.error?.code]).toEqual([url, 403, 'OSW_ADMIN_REQUIRED']);
    }
    // a platform operator is no enterprise's administrator either
    expect((await call('platform01', 'GET', '/api/v1/operators')).body.error.code).toBe('OSW_ADMIN_REQUIRED');
    // and without a session: log in first
    expect((await call(null, 'GET', '/api/v1/operators')).status).toBe(401);
  });

  it("another enterprise's operator answers 404 to every call naming it", async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/operators/broker01'],
      ['POST', '/api/v1/operators/broker01/reset-password', { card: legal() }],
      ['POST', '/api/v1/operators/broker01/disable', { card: legal() }],
      ['POST', '/api/v1/operators/broker01/enable', { card: legal() }],
      ['POST', '/api/v1/operators/broker01/role', { role: 'operator', card: legal() }],
      ['POST', '/api/v1/operators/broker01/bind-card', { cardNo: cards[`${OWNER}:op1`], card: legal() }],
      ['POST', '/api/v1/operators/broker01/unbind-card', { cardNo: cards[`${OWNER}:op1`], card: legal() }],
    ] as const) {
      const r = await call('owner01', method, url, body);
      expect([url, r.status, r.body.error?.code]).toEqual([url, 404, 'OSW_NOT_FOUND']);
    }
    // the broker's operator can still log in: nothing was done to it
    expect((await login('broker01', 'osw-demo-broker')).status).toBe(200);
  });

  it('an administrator binds an 操作员卡 to an operator and unbinds it; a held card, a 法人卡 and another enterprise’s card are refused', async () => {
    const op1 = cards[`${OWNER}:op1`];
    const bind = (account: string, cardNo: string) =>
      call('owner01', 'POST', `/api/v1/operators/${account}/bind-card`, { cardNo, card: legal() });
    const r = await bind('owner02', op1);
    expect(r.status).toBe(200);
    expect(r.body.cards).toEqual([{ cardNo: op1, kind: 'operator' }]);
    expect((await opened.store.identity.getCard(op1))!.holderAccount).toBe('owner02');
    const held = await bind('owner01', op1);
    expect([held.status, held.body.error.code]).toEqual([409, 'OSW_CARD_BOUND']);
    const legalCard = await bind('owner01', legal().cardNo);
    expect([legalCard.status, legalCard.body.error.code]).toEqual([403, 'OSW_CARD_KIND']);
    const theirs = await bind('owner01', cards[`${BROKER}:op1`]);
    expect([theirs.status, theirs.body.error.code]).toEqual([403, 'OSW_CARD_INVALID']);
    const cardsList = await call('owner01', 'GET', '/api/v1/cards');
    expect(cardsList.body.items.find((c: { cardNo: string }) => c.cardNo === op1)).toMatchObject({ holderAccount: 'owner02' });
    // only the enterprise's own cards
    expect(cardsList.body.items.map((c: { cardNo: string }) => c.cardNo).sort()).toEqual(
      [cards[`${OWNER}:legal`], cards[`${OWNER}:op1`], cards[`${OWNER}:op2`]].sort(),
    );
    const un = await call('owner01', 'POST', '/api/v1/operators/owner02/unbind-card', { cardNo: op1, card: legal() });
    expect(un.status).toBe(200);
    expect(un.body.cards).toEqual([]);
    const audit = await call('owner01', 'GET', '/api/v1/audit?entity=operator&entityId=owner02');
    expect(audit.body.items.map((e: { action: string }) => e.action).slice(0, 2)).toEqual(['operator.unbind-card', 'operator.bind-card']);
    expect(audit.body.items[1].after.cards).toEqual([{ cardNo: op1, kind: 'operator' }]);
  });

  it('a reset password works once set, the old one and the old sessions do not', async () => {
    await addOperator('owner20', 'first-password');
    expect((await call('owner20', 'GET', '/api/v1/clients')).status).toBe(200);
    const r = await call('owner01', 'POST', '/api/v1/operators/owner20/reset-password', { card: legal() });
    expect(r.status).toBe(200);
    expect(r.body.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await call('owner20', 'GET', '/api/v1/clients')).status).toBe(401);
    expect((await login('owner20', 'first-password')).status).toBe(401);
    expect((await login('owner20', r.body.password)).status).toBe(200);
    const set = await call('owner01', 'POST', '/api/v1/operators/owner20/reset-password', { password: 'second-password', card: legal() });
    expect(set.body.password).toBeNull();
    expect((await login('owner20', 'second-password')).status).toBe(200);
    const audit = await call('owner01', 'GET', '/api/v1/audit?action=operator.reset-password&entityId=owner20');
    expect(audit.body.total).toBe(2);
    expect(JSON.stringify(audit.body)).not.toContain('second-password');
  });

  it('a disabled operator cannot log in and its session ends; enabled, it logs in again; nobody disables themself', async () => {
    await addOperator('owner30', 'owner30-password');
    const d = await call('owner01', 'POST', '/api/v1/operators/owner30/disable', { card: legal() });
    expect([d.status, d.body.status]).toEqual([200, 'disabled']);
    expect((await call('owner30', 'GET', '/api/v1/clients')).status).toBe(401);
    const refused = await login('owner30', 'owner30-password');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'OSW_OPERATOR_DISABLED']);
    // a wrong password is still only "wrong account or password"
    expect((await login('owner30', 'not-the-password')).body.error.code).toBe('OSW_AUTH_FAILED');
    const e = await call('owner01', 'POST', '/api/v1/operators/owner30/enable', { card: legal() });
    expect([e.status, e.body.status]).toEqual([200, 'active']);
    expect((await login('owner30', 'owner30-password')).status).toBe(200);
    const self = await call('owner01', 'POST', '/api/v1/operators/owner01/disable', { card: legal() });
    expect([self.status, self.body.error.code]).toEqual([409, 'OSW_OPERATOR_SELF']);
    const audit = await call('owner01', 'GET', '/api/v1/audit?entity=operator&entityId=owner30');
    expect(audit.body.items.slice(0, 2).map((x: { action: string; after: { status: string } }) => [x.action, x.after.status])).toEqual([
      ['operator.enable', 'active'],
      ['operator.disable', 'disabled'],
    ]);
  });

  it('an administrator changes an operator to an administrator and back; the role holds from the next request and is audited', async () => {
    await addOperator('owner40', 'owner40-password');
    expect((await call('owner40', 'GET', '/api/v1/operators')).body.error.code).toBe('OSW_ADMIN_REQUIRED');
    const up = await call('owner01', 'POST', '/api/v1/operators/owner40/role', { role: 'admin', card: legal() });
    expect([up.status, up.body.account, up.body.role]).toEqual([200, 'owner40', 'admin']);
    // the same session may now manage users
    expect((await call('owner40', 'GET', '/api/v1/operators')).status).toBe(200);
    expect((await login('owner40', 'owner40-password')).body.role).toBe('admin');
    // the role it has already: answered as it is, nothing audited
    const same = await call('owner01', 'POST', '/api/v1/operators/owner40/role', { role: 'admin', card: legal() });
    expect([same.status, same.body.role]).toEqual([200, 'admin']);
    const down = await call('owner01', 'POST', '/api/v1/operators/owner40/role', { role: 'operator', card: legal() });
    expect([down.status, down.body.role]).toEqual([200, 'operator']);
    expect((await call('owner40', 'GET', '/api/v1/operators')).body.error.code).toBe('OSW_ADMIN_REQUIRED');
    const audit = await call('owner01', 'GET', '/api/v1/audit?action=operator.change-role&entityId=owner40');
    expect(audit.body.items.map((x: { before: { role: string }; after: { role: string } }) => [x.before.role, x.after.role])).toEqual([
      ['admin', 'operator'],
      ['operator', 'admin'],
    ]);
    expect(audit.body.items[0]).toMatchObject({ account: 'owner01', cardNo: legal().cardNo, entity: 'operator' });
  });

  it('the audit log filters by action and by China date', async () => {
    const all = await call('owner01', 'GET', '/api/v1/audit?action=operator.create&pageSize=200');
    expect(all.body.total).toBeGreaterThan(0);
    expect(all.body.items.every((x: { action: string }) => x.action === 'operator.create')).toBe(true);
    // 2026-11-21 10:00 China time: the day before has nothing, the day has them
    expect((await call('owner01', 'GET', '/api/v1/audit?from=2026-11-20&to=2026-11-20')).body.total).toBe(0);
    expect((await call('owner01', 'GET', '/api/v1/audit?action=operator.create&from=2026-11-21&to=2026-11-21')).body.total).toBe(
      all.body.total,
    );
    // the broker sees none of the owner's entries
    expect((await call('broker01', 'GET', '/api/v1/audit?entity=operator')).body.total).toBe(0);
  });

  it('a role change is refused without the 法人卡, for a role that is not admin or operator, and for the last administrator making themself an operator', async () => {
    const opCard = await call('owner01', 'POST', '/api/v1/operators/owner02/role', {
      role: 'admin',
      card: { cardNo: cards[`${OWNER}:op2`], pin: OP_PIN },
    });
    expect([opCard.status, opCard.body.error.code]).toEqual([403, 'OSW_CARD_KIND']);
    const wrongPin = await call('owner01', 'POST', '/api/v1/operators/owner02/role', {
      role: 'admin',
      card: { ...legal(), pin: '00000000' },
    });
    expect([wrongPin.status, wrongPin.body.error.code]).toEqual([403, 'OSW_CARD_PIN_WRONG']);
    // the right PIN gives the 法人卡 its tries back for the tests after this one
    expect((await call('owner01', 'POST', '/api/v1/operators/owner02/role', { role: 'operator', card: legal() })).status).toBe(200);
    for (const role of ['platform', 'ADMIN', '']) {
      const r = await call('owner01', 'POST', '/api/v1/operators/owner02/role', { role, card: legal() });
      expect([role, r.status, r.body.error.code]).toEqual([role, 400, 'OSW_VALIDATION']);
    }
    expect((await opened.store.identity.getOperator('owner02'))!.role).toBe('operator');
    // broker01 is the broker's only administrator
    const role = (who: string, account: string, to: string) =>
      call(who, 'POST', `/api/v1/operators/${account}/role`, { role: to, card: legal(BROKER) });
    const last = await role('broker01', 'broker01', 'operator');
    expect([last.status, last.body.error.code]).toEqual([409, 'OSW_OPERATOR_LAST_ADMIN']);
    expect((await opened.store.identity.getOperator('broker01'))!.role).toBe('admin');
    // a disabled administrator is no administrator to count on
    await call('broker01', 'POST', '/api/v1/operators', {
      account: 'broker41',
      name: 'x',
      operatorCode: 'QH41',
      role: 'admin',
      password: 'broker41-password',
      card: legal(BROKER),
    });
    await call('broker01', 'POST', '/api/v1/operators/broker41/disable', { card: legal(BROKER) });
    const stillLast = await role('broker01', 'broker01', 'operator');
    expect([stillLast.status, stillLast.body.error.code]).toEqual([409, 'OSW_OPERATOR_LAST_ADMIN']);
    // with another active administrator, one may step down; the other may then make them administrator again
    await call('broker01', 'POST', '/api/v1/operators/broker41/enable', { card: legal(BROKER) });
    const stepDown = await role('broker01', 'broker01', 'operator');
    expect([stepDown.status, stepDown.body.role]).toEqual([200, 'operator']);
    expect((await call('broker01', 'GET', '/api/v1/operators')).body.error.code).toBe('OSW_ADMIN_REQUIRED');
    tokens.broker41 = (await login('broker41', 'broker41-password')).body.token;
    const back = await role('broker41', 'broker01', 'admin');
    expect([back.status, back.body.role]).toEqual([200, 'admin']);
    expect((await call('broker01', 'GET', '/api/v1/operators')).status).toBe(200);
  });

  it('服务地区变更: requested with the 法人卡, approved by the platform; the client keeps its id and its history', async () => {
    const c = await registerClient(deps, { enterpriseCode: OWNER, region: '5300', transport: 'http', environment: 'test' });
    const req = await call('owner01', 'POST', `/api/v1/clients/${c.clientId}/region-changes`, {
      region: '5100',
      reason: '业务迁至广州',
      card: legal(),
    });
    expect(req.status).toBe(201);
    expect(req.body).toMatchObject({
      clientId: c.clientId,
      fromRegion: '5300',
      toRegion: '5100',
      status: 'pending',
      requestedBy: 'owner01',
    });
    const again = await call('owner01', 'POST', `/api/v1/clients/${c.clientId}/region-changes`, {
      region: '5200',
      reason: 'x',
      card: legal(),
    });
    expect([again.status, again.body.error.code]).toEqual([409, 'OSW_REGION_CHANGE_PENDING']);
    // the platform sees it among every enterprise's pending requests; the broker does not
    const pending = await call('platform01', 'GET', '/api/v1/region-changes?status=pending');
    expect(pending.body.items.map((x: { id: number }) => x.id)).toContain(req.body.id);
    expect((await call('broker01', 'GET', '/api/v1/region-changes')).body.items.map((x: { id: number }) => x.id)).not.toContain(
      req.body.id,
    );
    const approved = await call('platform01', 'POST', `/api/v1/region-changes/${req.body.id}/approve`, { note: '同意' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'platform01', decisionNote: '同意' });
    const client = await call('owner01', 'GET', `/api/v1/clients/${c.clientId}`);
    expect(client.body).toMatchObject({ clientId: c.clientId, region: '5100', status: 'active' });
    // the exchange still knows the client by its id and secret
    const ping = await app.inject({
      method: 'POST',
      url: '/exchange/v1/ping',
      headers: { authorization: 'Basic ' + Buffer.from(`${c.clientId}:${c.secret}`).toString('base64') },
    });
    expect(ping.statusCode).toBe(200);
    const twice = await call('platform01', 'POST', `/api/v1/region-changes/${req.body.id}/reject`, {});
    expect([twice.status, twice.body.error.code]).toEqual([409, 'OSW_REGION_CHANGE_DECIDED']);
    // request and decision in the enterprise's log under the client
    const audit = await call('owner01', 'GET', `/api/v1/audit?entity=client&entityId=${c.clientId}`);
    expect(audit.body.items.map((x: { action: string; account: string }) => [x.action, x.account])).toEqual([
      ['client.region-change.approve', 'platform01'],
      ['client.region-change.request', 'owner01'],
    ]);
    expect(audit.body.items[0]).toMatchObject({ before: { region: '5300' }, after: { region: '5100', status: 'approved' } });
    // the client's own list of requests
    const mine = await call('owner01', 'GET', `/api/v1/region-changes?clientId=${c.clientId}`);
    expect(mine.body.items.map((x: { status: string }) => x.status)).toEqual(['approved']);
  });

  it('服务地区变更 refused: the same region, another enterprise’s client, a decision by anyone but the platform; a rejection leaves the region', async () => {
    const c = await registerClient(deps, { enterpriseCode: OWNER, region: '5300', transport: 'http', environment: 'test' });
    const same = await call('owner01', 'POST', `/api/v1/clients/${c.clientId}/region-changes`, {
      region: '5300',
      reason: 'x',
      card: legal(),
    });
    expect([same.status, same.body.error.code]).toEqual([400, 'OSW_REGION_CHANGE_SAME']);
    const theirs = await call('broker01', 'POST', `/api/v1/clients/${c.clientId}/region-changes`, {
      region: '5100',
      reason: 'x',
      card: legal(BROKER),
    });
    expect([theirs.status, theirs.body.error.code]).toEqual([404, 'OSW_NOT_FOUND']);
    expect((await call('broker01', 'GET', `/api/v1/region-changes?clientId=${c.clientId}`)).status).toBe(404);
    const bad = await call('owner01', 'POST', `/api/v1/clients/${c.clientId}/region-changes`, { region: '53', reason: 'x', card: legal() });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'OSW_VALIDATION']);
    const req = await call('owner01', 'POST', `/api/v1/clients/${c.clientId}/region-changes`, {
      region: '4200',
      reason: 'x',
      card: legal(),
    });
    for (const who of ['owner01', 'owner02', 'broker01']) {
      const r = await call(who, 'POST', `/api/v1/region-changes/${req.body.id}/approve`, {});
      expect([who, r.status, r.body.error.code]).toEqual([who, 403, 'OSW_PLATFORM_OPERATOR_REQUIRED']);
    }
    expect((await call('platform01', 'POST', '/api/v1/region-changes/999999/approve', {})).status).toBe(404);
    const rej = await call('platform01', 'POST', `/api/v1/region-changes/${req.body.id}/reject`, { note: '材料不全' });
    expect([rej.status, rej.body.status]).toEqual([200, 'rejected']);
    expect((await call('owner01', 'GET', `/api/v1/clients/${c.clientId}`)).body.region).toBe('5300');
    const audit = await call('owner01', 'GET', `/api/v1/audit?action=client.region-change.reject&entityId=${c.clientId}`);
    expect(audit.body.items[0]).toMatchObject({ account: 'platform01', after: { region: '5300', status: 'rejected', note: '材料不全' } });
  });
});

describe.each(eachEngine())('migration 0013 on $name', (engine) => {
  const dbs = scratchDatabases(engine);
  it('the operators from before roles existed become administrators, active, and log in as before', async () => {
    const db = await dbs.create();
    const k =
      engine.name === 'sqlite'
        ? new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(db.location) }), plugins: [new CamelCasePlugin()] })
        : new Kysely<any>({
            dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.location, max: 2 }) }),
            plugins: [new CamelCasePlugin()],
          });
    try {
      await migrateToLatest(k, engine.name === 'sqlite' ? sqliteCapabilities : postgresCapabilities, {
        upTo: '0012_receipt_subscription_client_validity',
      });
      await k
        .insertInto('enterprises')
        .values({ customsCode: OWNER, uscc: '91440300MA5F8K3L7P', name: '华南', region: '5300', createdAt: START })
        .execute();
      const { hashSecret } = await import('../src/core/identity/secrets.js');
      await k
        .insertInto('operators')
        .values({
          account: 'old01',
          enterpriseCode: OWNER,
          name: '旧',
          operatorCode: 'QH0001',
          passwordHash: await hashSecret('old-password'),
          failedLogins: 0,
          lockedUntil: null,
          createdAt: START,
        })
        .execute();
    } finally {
      await k.destroy();
    }
    const opened = await dbs.open(db);
    expect(await opened.store.identity.getOperator('old01')).toMatchObject({ role: 'admin', status: 'active' });
    const { login } = await import('../src/core/identity/registry.js');
    const r = await login({ store: opened.store, clock: { now: () => new Date(START) } }, 'old01', 'old-password');
    expect(r.role).toBe('admin');
  });
});
