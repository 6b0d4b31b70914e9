import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiWorld, MANUAL_NO, OWNER, type ApiWorld } from './api-world.js';

describe('加工贸易账册数据订阅 (processing-trade manual subscription)', () => {
  let w: ApiWorld;
  beforeEach(async () => {
    w = await apiWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  const subscribe = (body: Record<string, unknown>, party = w.owner) =>
    w.call(party, 'POST', '/api/v1/subscriptions/manual', { clientId: party.clientId, manualNo: MANUAL_NO, card: w.legal(party), ...body });
  const stock = (body: Record<string, unknown> = {}) =>
    subscribe({ kind: 'stock', pushTypes: ['img', 'exg'], imgRange: '1-100', exgRange: '1-100', ...body });
  const incremental = (body: Record<string, unknown> = {}) => subscribe({ kind: 'incremental', ...body });

  it('a stock subscription shows its content as the manual does and is pushed once right away (a pending push request)', async () => {
    const r = await stock();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      enterpriseCode: OWNER,
      clientId: w.owner.clientId,
      cardNo: w.owner.legalCard,
      operatorCode: 'QH0031',
      kind: 'stock',
      kindText: '存量',
      content: `账册存量数据订阅: 账册号[${MANUAL_NO}] 料件[1-100]成品[1-100];`,
      validUntil: '2027-11-21',
      validUntilText: '2027-11-21 23:59:59',
      status: 'active',
      imgRange: '1-100',
      exgRange: '1-100',
      pushTypes: ['img', 'exg'],
      pushRequestId: expect.any(Number),
    });
    const pending = await w.deps.store.pushRequests.pending(10);
    expect(pending).toEqual([
      expect.objectContaining({
        id: r.body.pushRequestId,
        kind: 'manual-stock',
        subscriptionId: r.body.id,
        clientId: w.owner.clientId,
        payload: { manualNo: MANUAL_NO, pushTypes: ['img', 'exg'], imgRange: { from: 1, to: 100 }, exgRange: { from: 1, to: 100 } },
      }),
    ]);
    expect(await w.deps.store.pushRequests.complete(r.body.pushRequestId, w.now().toISOString())).toBe(true);
    expect(await w.deps.store.pushRequests.pending(10)).toEqual([]);
  });

  it("only the manual's 加工单位 may subscribe: another enterprise is refused with a clear message", async () => {
    const r = await stock();
    expect(r.status).toBe(201);
    const other = await w.call(w.broker, 'POST', '/api/v1/subscriptions/manual', {
      clientId: w.broker.clientId,
      manualNo: MANUAL_NO,
      kind: 'stock',
      card: w.legal(w.broker),
    });
    expect(other.status).toBe(404);
    expect(other.body.error.message).toContain('只有账册的加工单位可以订阅');
  });

  it("the manual's 经营单位 that is not its 加工单位 is refused as such", async () => {
    await w.deps.store.manuals.insert(
      {
        manualNo: 'E53002600002',
        enterpriseCode: OWNER,
        head: { manualNo: 'E53002600002', tradeCode: OWNER, processingCode: '4403970003' },
        version: 1,
        createdAt: w.now().toISOString(),
      },
      [{ manualNo: 'E53002600002', kind: 'img', serial: 1, code: '1', name: 'x', model: '-', unit: '007', quantity: '1' }],
    );
    const r = await subscribe({ kind: 'stock', manualNo: 'E53002600002' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('OSW_SUB_NOT_PROCESSING_UNIT');
    expect(r.body.error.message).toContain('加工单位');
  });

  it('a stock range of more than 10,000 rows per type is refused with the limit in the message; 10,000 is fine', async () => {
    const big = await stock({ imgRange: '1-10001' });
    expect(big.status).toBe(400);
    expect(big.body.error.code).toBe('OSW_SUB_RANGE_TOO_LARGE');
    expect(big.body.error.message).toContain('10000');
    expect((await stock({ exgRange: '5-10004' })).status).toBe(201);
  });

  it('a malformed range, or a range for a type that is not pushed, is refused', async () => {
    expect((await stock({ imgRange: '100-1' })).body.error.code).toBe('OSW_VALIDATION');
    expect((await stock({ imgRange: 'all' })).body.error.code).toBe('OSW_VALIDATION');
    expect((await stock({ pushTypes: ['exg'] })).body.error.code).toBe('OSW_VALIDATION');
  });

  it("a stock subscription without ranges takes each chosen type's whole range", async () => {
    const r = await subscribe({ kind: 'stock', pushTypes: ['img'] });
    expect(r.body).toMatchObject({ imgRange: '1-30', exgRange: null, content: `账册存量数据订阅: 账册号[${MANUAL_NO}] 料件[1-30];` });
    const both = await subscribe({ kind: 'stock' });
    expect(both.body.content).toBe(`账册存量数据订阅: 账册号[${MANUAL_NO}] 料件[1-30]成品[1-12];`);
    const onlyExg = await subscribe({ kind: 'stock', exgRange: '3-4' });
    expect(onlyExg.body).toMatchObject({ pushTypes: ['exg'], content: `账册存量数据订阅: 账册号[${MANUAL_NO}] 成品[3-4];` });
  });

  it('stock subscriptions are repeatable', async () => {
    expect((await stock()).status).toBe(201);
    expect((await stock()).status).toBe(201);
    expect(await w.deps.store.pushRequests.pending(10)).toHaveLength(2);
  });

  it('a stock subscription cannot be cancelled or extended', async () => {
    const r = await stock();
    const c = await w.call(w.owner, 'POST', `/api/v1/subscriptions/manual/${r.body.id}/cancel`, { card: w.legal(w.owner) });
    expect(c.status).toBe(409);
    expect(c.body.error.code).toBe('OSW_SUB_STOCK_FINAL');
    const e = await w.call(w.owner, 'POST', `/api/v1/subscriptions/manual/${r.body.id}/extend`, {
      validUntil: '2027-01-01',
      card: w.legal(w.owner),
    });
    expect(e.body.error.code).toBe('OSW_SUB_STOCK_FINAL');
  });

  it('an incremental subscription has no push types or ranges, and shows its content', async () => {
    expect((await incremental({ imgRange: '1-10' })).body.error.code).toBe('OSW_VALIDATION');
    const r = await incremental({ validUntil: '2027-03-31' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      kind: 'incremental',
      kindText: '增量',
      content: `账册增量数据订阅: 账册号[${MANUAL_NO}];`,
      validUntilText: '2027-03-31 23:59:59',
      pushRequestId: null,
    });
    expect(await w.deps.store.pushRequests.pending(10)).toEqual([]);
  });

  it('only one incremental subscription per manual is in force: a second is refused until the first is cancelled', async () => {
    const first = await incremental();
    const second = await incremental();
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('OSW_SUB_INCREMENTAL_EXISTS');
    expect(second.body.error.message).toContain(`[${first.body.id}]`);
    const c = await w.call(w.owner, 'POST', `/api/v1/subscriptions/manual/${first.body.id}/cancel`, { card: w.operator(w.owner) });
    expect(c.body.status).toBe('cancelled');
    expect((await incremental()).status).toBe(201);
  });

  it('a new incremental subscription is allowed once the previous one has expired', async () => {
    await incremental({ validUntil: '2026-11-30' });
    w.setNow('2026-11-30T16:00:00.000Z');
    expect((await incremental()).status).toBe(201);
  });

  it('an incremental subscription is pushed every change until it expires: the push engine finds it by manual while in force', async () => {
    const r = await incremental({ validUntil: '2026-11-30' });
    w.setNow('2026-11-30T15:59:59.000Z');
    expect((await w.deps.store.manualSubscriptions.active(MANUAL_NO, w.now().toISOString())).map((s) => s.id)).toEqual([r.body.id]);
    w.setNow('2026-11-30T16:00:00.000Z');
    expect(await w.deps.store.manualSubscriptions.active(MANUAL_NO, w.now().toISOString())).toEqual([]);
    expect((await w.call(w.owner, 'GET', `/api/v1/subscriptions/manual/${r.body.id}`)).body.status).toBe('expired');
  });

  it('an incremental subscription can be extended while active, and not once expired', async () => {
    const r = await incremental({ validUntil: '2026-12-31' });
    const e = await w.call(w.owner, 'POST', `/api/v1/subscriptions/manual/${r.body.id}/extend`, {
      validUntil: '2027-11-21',
      card: w.legal(w.owner),
    });
    expect(e.status).toBe(200);
    expect(e.body).toMatchObject({ validUntil: '2027-11-21', validUntilText: '2027-11-21 23:59:59' });
    w.setNow('2027-11-21T16:00:00.000Z');
    const late = await w.call(w.owner, 'POST', `/api/v1/subscriptions/manual/${r.body.id}/extend`, {
      validUntil: '2028-01-01',
      card: w.legal(w.owner),
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('OSW_SUB_EXPIRED');
  });

  it('an incremental subscription extends only to a later day, at most one year from today', async () => {
    const r = await incremental({ validUntil: '2027-03-31' });
    const url = `/api/v1/subscriptions/manual/${r.body.id}/extend`;
    const extend = (validUntil: string) => w.call(w.owner, 'POST', url, { validUntil, card: w.legal(w.owner) });
    const earlier = await extend('2027-01-31');
    expect(earlier.status).toBe(400);
    expect(earlier.body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    expect((await extend('2027-03-31')).body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    expect((await extend('2026-11-21')).body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    expect((await extend('2027-11-22')).body.error.code).toBe('OSW_SUB_VALIDITY');
    const ok = await extend('2027-04-01');
    expect(ok.status).toBe(200);
    expect(ok.body.validUntil).toBe('2027-04-01');
  });

  it('the list shows 海关十位, 客户端ID, 操作员卡号, 订阅内容, 录入人, 有效期, 状态, newest first, with filters', async () => {
    const s = await stock();
    w.advance(1000);
    const i = await incremental();
    const list = await w.call(w.owner, 'GET', '/api/v1/subscriptions/manual');
    expect(list.body.total).toBe(2);
    expect(list.body.items.map((x: { id: number }) => x.id)).toEqual([i.body.id, s.body.id]);
    for (const item of list.body.items)
      expect(item).toEqual(
        expect.objectContaining({
          enterpriseCode: OWNER,
          clientId: w.owner.clientId,
          cardNo: w.owner.legalCard,
          content: expect.any(String),
          operatorCode: 'QH0031',
          validUntilText: '2027-11-21 23:59:59',
          status: 'active',
        }),
      );
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/manual?kind=stock')).body.items.map((x: { id: number }) => x.id)).toEqual([
      s.body.id,
    ]);
    expect((await w.call(w.owner, 'GET', `/api/v1/subscriptions/manual?manualNo=${MANUAL_NO}&status=active`)).body.total).toBe(2);
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/manual?status=cancelled')).body.total).toBe(0);
  });
});
