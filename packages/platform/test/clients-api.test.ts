import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiWorld, type ApiWorld } from './api-world.js';

function basic(clientId: string, secret: string) {
  return 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64');
}

describe('client registry: 自动导入客户端申请, 查询客户端, 解除设备绑定, 停用', () => {
  let w: ApiWorld;
  beforeEach(async () => {
    w = await apiWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  const apply = (body: Record<string, unknown>, headers?: Record<string, string>) =>
    w.call(
      w.owner,
      'POST',
      '/api/v1/clients',
      { region: '5300', version: '2.0', transport: 'https', environment: 'test', card: w.legal(w.owner), ...body },
      headers,
    );

  it('applying for an HTTPS client answers its id and transport settings, and the password works on the exchange once', async () => {
    const r = await apply({}, { host: 'sw.example.com:8443' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      clientId: expect.stringMatching(/^DXPESW\d{10}$/),
      enterpriseCode: '4403960002',
      region: '5300',
      version: '2.0',
      transport: 'https',
      environment: 'test',
      status: 'active',
      device: { bound: false },
    });
    expect(r.body.id).toBe(r.body.clientId);
    expect(r.body.transportSettings).toEqual({
      endpoint: 'http://sw.example.com:8443/exchange/v1',
      user: r.body.clientId,
      password: expect.any(String),
      sendQueue: null,
      receiveQueue: null,
      exchange: null,
    });
    const ping = await w.app.inject({
      method: 'POST',
      url: '/exchange/v1/ping',
      headers: { authorization: basic(r.body.clientId, r.body.transportSettings.password) },
    });
    expect(ping.statusCode).toBe(200);
    // shown once: the list never carries it
    const list = await w.call(w.owner, 'GET', '/api/v1/clients');
    expect(JSON.stringify(list.body)).not.toContain(r.body.transportSettings.password);
  });

  it('a RabbitMQ client gets its broker user, queues and exchange', async () => {
    const r = await apply({ transport: 'rabbitmq', environment: 'prod' }, { host: 'sw.example.com' });
    expect(r.status).toBe(201);
    const id = r.body.clientId as string;
    expect(r.body.transport).toBe('rabbitmq');
    expect(r.body.transportSettings).toEqual({
      endpoint: 'amqp://sw.example.com:5672/',
      user: `U_SW${id.slice(6)}`,
      password: expect.any(String),
      sendQueue: `Q_Send${id}`,
      receiveQueue: `Q_Recv${id}`,
      exchange: `E_${id}`,
    });
  });

  it('each client shows live: connected while it uses the exchange, its backlog, and whether its pushes are suspended', async () => {
    const r = await apply({});
    const id = r.body.clientId as string;
    const live = async () => (await w.call(w.owner, 'GET', `/api/v1/clients/${id}`)).body.live;
    expect(await live()).toEqual({
      connected: false,
      connectedBy: 'exchange',
      lastSeenAt: null,
      backlog: 0,
      suspended: false,
      suspendedAt: null,
    });
    const ping = () =>
      w.app.inject({ method: 'POST', url: '/exchange/v1/ping', headers: { authorization: basic(id, r.body.transportSettings.password) } });
    expect((await ping()).statusCode).toBe(200);
    expect(await live()).toMatchObject({ connected: true, lastSeenAt: w.now().toISOString() });
    // written at most every few seconds, however often the client calls
    const first = w.now().toISOString();
    w.advance(1000);
    await ping();
    expect((await live()).lastSeenAt).toBe(first);
    w.advance(46_000);
    expect(await live()).toMatchObject({ connected: false, lastSeenAt: first });
    await ping();
    expect(await live()).toMatchObject({ connected: true, lastSeenAt: w.now().toISOString() });

    const at = w.now().toISOString();
    for (const n of [1, 2])
      await w.deps.store.deliveries.enqueue([
        { clientId: id, messageId: `M${n}`, business: 'DecCus001', fileName: `f${n}.xml`, body: '<x/>', createdAt: at },
      ]);
    await w.deps.store.pushes.upsertTarget({
      targetKey: `client:${id}`,
      consecutiveFailures: 5,
      suspendedAt: at,
      probeAt: at,
      lastError: 'offline',
      updatedAt: at,
    });
    expect(await live()).toMatchObject({ backlog: 2, suspended: true, suspendedAt: at });
    const list = await w.call(w.owner, 'GET', '/api/v1/clients');
    expect(list.body.items.find((c: { clientId: string }) => c.clientId === id).live).toMatchObject({
      connected: true,
      backlog: 2,
      suspended: true,
    });
  });

  it('a RabbitMQ client is connected while the broker holds a connection of its user, unknown without the management API', async () => {
    const r = await apply({ transport: 'rabbitmq' });
    const id = r.body.clientId as string;
    const live = async () => (await w.call(w.owner, 'GET', `/api/v1/clients/${id}`)).body.live;
    expect(await live()).toMatchObject({ connected: null, connectedBy: 'unknown' });
    let open = 1;
    w.deps.broker = {
      provisionClient: async () => undefined,
      blockClient: async () => undefined,
      connectionCounts: async (ids) => new Map(ids.map((x) => [x, x === id ? open : 0])),
    };
    expect(await live()).toMatchObject({ connected: true, connectedBy: 'broker' });
    open = 0;
    expect(await live()).toMatchObject({ connected: false, connectedBy: 'broker' });
    w.deps.broker.connectionCounts = async () => {
      throw new Error('management API down');
    };
    expect(await live()).toMatchObject({ connected: null, connectedBy: 'unknown' });
  });

  it('a configured public URL is the base of the HTTPS endpoint', async () => {
    await w.close();
    w = await apiWorld({ publicUrl: 'https://sw.example.org/' });
    const r = await apply({});
    expect(r.body.transportSettings.endpoint).toBe('https://sw.example.org/exchange/v1');
  });

  it('IBM MQ is answered "not supported" in Chinese and English', async () => {
    const r = await apply({ transport: 'ibmmq' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OSW_CLIENT_TRANSPORT_UNSUPPORTED');
    expect(r.body.error.message).toContain('暂不支持IBM MQ');
    expect(r.body.error.message).toContain('not supported');
  });

  it("applying needs the enterprise's 法人卡: an operator card is refused", async () => {
    const r = await apply({ card: w.operator(w.owner) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('OSW_CARD_KIND');
    expect(r.body.error.message).toContain('法人卡');
  });

  it("applying with another enterprise's card is refused", async () => {
    const r = await apply({ card: w.legal(w.broker) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('OSW_CARD_INVALID');
  });

  it('applying with a version other than 2.0 or a region that is not 4 digits is refused, naming the fields', async () => {
    const r = await apply({ version: '1.0', region: '53' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OSW_VALIDATION');
    expect(r.body.error.message).toContain('body.version');
    expect(r.body.error.message).toContain('body.region');
    // the shared form rules' words (@osw/messages/forms), in the asked language
    const en = await apply({ region: '53' }, { 'accept-language': 'en' });
    expect(en.body.error.message).toBe('invalid request: body.region: a 4-digit 关区代码, e.g. 5300');
    const zh = await apply({ region: '53' }, { 'accept-language': 'zh-CN' });
    expect(zh.body.error.message).toBe('请求参数有误：body.region: 关区代码为4位数字，如 5300');
  });

  it("查询客户端 lists the enterprise's clients with their device binding", async () => {
    await w.app.inject({
      method: 'POST',
      url: '/exchange/v1/ping',
      headers: { authorization: basic(w.owner.clientId, w.owner.secret), 'x-osw-device': 'ab'.repeat(16) },
    });
    await apply({});
    const r = await w.call(w.owner, 'GET', '/api/v1/clients');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(2);
    const seeded = r.body.items.find((c: { clientId: string }) => c.clientId === w.owner.clientId);
    expect(seeded.device).toEqual({ bound: true, boundAt: w.now().toISOString() });
    expect(r.body.items.every((c: { enterpriseCode: string }) => c.enterpriseCode === '4403960002')).toBe(true);
  });

  it('unbinding the device lets the client connect from another machine', async () => {
    const ping = (device: string) =>
      w.app.inject({
        method: 'POST',
        url: '/exchange/v1/ping',
        headers: { authorization: basic(w.owner.clientId, w.owner.secret), 'x-osw-device': device },
      });
    expect((await ping('a1'.repeat(16))).statusCode).toBe(200);
    expect((await ping('b2'.repeat(16))).json().error.code).toBe('OSW_DEVICE_MISMATCH');
    const r = await w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/unbind-device`, { card: w.operator(w.owner) });
    expect(r.status).toBe(200);
    expect(r.body.device).toEqual({ bound: false });
    expect((await ping('b2'.repeat(16))).statusCode).toBe(200);
  });

  it('a disabled client is refused by the exchange, and disabling it again is refused', async () => {
    const r = await w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/disable`, { card: w.legal(w.owner) });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('disabled');
    const ping = await w.app.inject({
      method: 'POST',
      url: '/exchange/v1/ping',
      headers: { authorization: basic(w.owner.clientId, w.owner.secret) },
    });
    expect(ping.json().error.code).toBe('OSW_CLIENT_DISABLED');
    const again = await w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/disable`, { card: w.legal(w.owner) });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('OSW_CLIENT_DISABLED');
  });

  it('disabling needs the 法人卡', async () => {
    const r = await w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/disable`, { card: w.operator(w.owner) });
    expect(r.body.error.code).toBe('OSW_CARD_KIND');
  });

  it('the client list filters by status and client and pages', async () => {
    await apply({});
    await apply({});
    await w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/disable`, { card: w.legal(w.owner) });
    expect(
      (await w.call(w.owner, 'GET', '/api/v1/clients?status=disabled')).body.items.map((c: { clientId: string }) => c.clientId),
    ).toEqual([w.owner.clientId]);
    expect((await w.call(w.owner, 'GET', '/api/v1/clients?status=active')).body.total).toBe(2);
    expect((await w.call(w.owner, 'GET', `/api/v1/clients?clientId=${w.owner.clientId}`)).body.total).toBe(1);
    const p2 = await w.call(w.owner, 'GET', '/api/v1/clients?page=2&pageSize=2');
    expect(p2.body).toMatchObject({ total: 3 });
    expect(p2.body.items).toHaveLength(1);
  });
});

describe('card proof and login protection', () => {
  let w: ApiWorld;
  beforeEach(async () => {
    w = await apiWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  const disable = (pin: string, card = w.owner.legalCard) =>
    w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/disable`, { card: { cardNo: card, pin } });

  it('a wrong PIN counts down the tries left, and the fifth locks the card even for the right PIN', async () => {
    for (let left = 4; left >= 1; left--) {
      const r = await disable('00000000');
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('OSW_CARD_PIN_WRONG');
      expect(r.body.error.message).toContain(`还可以重试${left}次`);
    }
    const fifth = await disable('00000000');
    expect(fifth.status).toBe(423);
    expect(fifth.body.error.code).toBe('OSW_CARD_LOCKED');
    const right = await disable('88888888');
    expect(right.body.error.code).toBe('OSW_CARD_LOCKED');
    expect((await w.deps.store.identity.getCard(w.owner.legalCard))?.locked).toBe(true);
  });

  it('a right PIN gives the card its tries back', async () => {
    await disable('00000000');
    await disable('00000000');
    expect((await w.deps.store.identity.getCard(w.owner.legalCard))?.triesLeft).toBe(3);
    expect((await disable('88888888')).status).toBe(200);
    expect((await w.deps.store.identity.getCard(w.owner.legalCard))?.triesLeft).toBe(5);
  });

  it('a card of the wrong kind is refused without counting a try', async () => {
    const r = await disable('00000000', w.owner.operatorCard);
    expect(r.body.error.code).toBe('OSW_CARD_KIND');
    expect((await w.deps.store.identity.getCard(w.owner.operatorCard))?.triesLeft).toBe(5);
  });

  it("an unknown card number is refused like another enterprise's card", async () => {
    const unknown = await disable('88888888', '8950000999999');
    const foreign = await disable('88888888', w.broker.legalCard);
    expect(unknown.body.error.code).toBe('OSW_CARD_INVALID');
    expect(foreign.body.error.code).toBe('OSW_CARD_INVALID');
    expect((await w.deps.store.identity.getCard(w.broker.legalCard))?.triesLeft).toBe(5);
  });

  it('each failed login of an account is answered more slowly than the one before', async () => {
    await w.close();
    w = await apiWorld({ failedLoginDelayMs: 80 });
    const timed = async () => {
      const t0 = Date.now();
      const r = await w.call(null, 'POST', '/api/v1/session', { account: 'owner01', password: 'wrong-password' });
      expect(r.body.error.code).toBe('OSW_AUTH_FAILED');
      return Date.now() - t0;
    };
    expect(await timed()).toBeGreaterThanOrEqual(75);
    expect(await timed()).toBeGreaterThanOrEqual(155);
    const ok = await w.call(null, 'POST', '/api/v1/session', { account: 'owner01', password: 'osw-demo-owner' });
    expect(ok.status).toBe(200);
  });
});

describe('IC卡: the enterprise’s cards with their validity', () => {
  let w: ApiWorld;
  beforeEach(async () => {
    w = await apiWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  it('lists the cards with 有效期 five years from issue, expired once it has passed, and locked after five wrong PINs', async () => {
    const r = await w.call(w.broker, 'GET', '/api/v1/cards');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      total: 2,
      items: [
        expect.objectContaining({ cardNo: w.broker.legalCard, kind: 'legal', holderAccount: null, locked: false }),
        expect.objectContaining({ cardNo: w.broker.operatorCard, kind: 'operator', holderAccount: 'broker01', locked: false }),
      ],
    });
    for (const c of r.body.items) expect(c).toMatchObject({ validUntil: '2031-11-21T02:00:00.000Z', expired: false });
    for (let i = 0; i < 5; i++) await w.deps.store.identity.recordCardPinFailure(w.broker.operatorCard);
    w.setNow('2031-11-21T02:00:00.000Z');
    const later = await w.call(w.broker, 'GET', '/api/v1/cards');
    expect(later.status).toBe(200);
    expect(later.body.items.map((c: { expired: boolean; locked: boolean }) => [c.expired, c.locked])).toEqual([
      [true, false],
      [true, true],
    ]);
  });
});
