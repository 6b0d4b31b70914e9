import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiWorld, type ApiWorld } from './api-world.js';

const ALL_RECEIPT_TYPES = ['海关入库', '退单', '审核', '接单', '放行', '结关', '查验通知'];

describe('报关单数据订阅 (declaration data subscription)', () => {
  let w: ApiWorld;
  beforeEach(async () => {
    w = await apiWorld(); // today is 2026-11-21 (China time)
  });
  afterEach(async () => {
    await w.close();
  });

  const subscribe = (body: Record<string, unknown> = {}, party = w.owner) =>
    w.call(party, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: party.clientId,
      declarationData: true,
      receiptTypes: ALL_RECEIPT_TYPES,
      card: w.legal(party),
      ...body,
    });

  it('subscribing answers the new record with its id, valid for one year by default', async () => {
    const r = await subscribe();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: expect.any(Number),
      clientId: w.owner.clientId,
      cardNo: w.owner.legalCard,
      operatorCode: 'QH0031',
      declarationData: true,
      receiptTypes: ALL_RECEIPT_TYPES,
      validUntil: '2027-11-21',
      validUntilText: '2027-11-21 23:59:59',
      subscribedAt: '2026-11-21 10:00:00',
      status: 'active',
      statusText: '生效',
    });
    expect(r.body.content).toBe('申报数据; 状态回执[海关入库、退单、审核、接单、放行、结关、查验通知]');
    const one = await w.call(w.owner, 'GET', `/api/v1/subscriptions/declaration/${r.body.id}`);
    expect(one.body).toEqual(r.body);
  });

  it("the manual's receipt names are mapped to CHANNEL codes", async () => {
    const r = await subscribe({ declarationData: false });
    expect([...r.body.channels].sort()).toEqual(['7', 'C', 'E', 'G', 'J', 'L', 'P', 'R', 'Y', 'Z'].sort());
  });

  it('receipt types accept CHANNEL codes alike, and the record shows their names', async () => {
    const r = await subscribe({ declarationData: false, receiptTypes: ['L', 'P', '放行'] });
    expect(r.status).toBe(201);
    expect(r.body.channels).toEqual(['L', 'P']);
    expect(r.body.content).toBe('状态回执[L(海关入库成功)、P(海关已放行)、放行]');
  });

  it("an unknown receipt type is refused, listing the manual's names", async () => {
    const r = await subscribe({ receiptTypes: ['放行', '已发货'] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OSW_SUB_RECEIPT_TYPE_UNKNOWN');
    expect(r.body.error.message).toContain('已发货');
    expect(r.body.error.message).toContain('海关入库');
  });

  it('a subscription without any content item is refused', async () => {
    const r = await subscribe({ declarationData: false, receiptTypes: [] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OSW_SUB_CONTENT_EMPTY');
  });

  it('subscribing needs the 法人卡: the operator card is refused', async () => {
    const r = await subscribe({ card: w.operator(w.owner) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('OSW_CARD_KIND');
  });

  it("a subscription names exactly one client, and it must be one of the enterprise's active clients", async () => {
    expect((await subscribe({ clientId: [w.owner.clientId, w.owner.clientId] })).body.error.code).toBe('OSW_VALIDATION');
    expect((await subscribe({ clientId: w.broker.clientId })).status).toBe(404);
    await w.call(w.owner, 'POST', `/api/v1/clients/${w.owner.clientId}/disable`, { card: w.legal(w.owner) });
    const disabled = await subscribe();
    expect(disabled.status).toBe(403);
    expect(disabled.body.error.code).toBe('OSW_CLIENT_DISABLED');
  });

  it('validUntil may be today or up to one year ahead, never in the past or later', async () => {
    expect((await subscribe({ validUntil: '2026-11-21' })).status).toBe(201);
    expect((await subscribe({ validUntil: '2027-11-21' })).status).toBe(201);
    const past = await subscribe({ validUntil: '2026-11-20' });
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe('OSW_SUB_VALIDITY');
    const late = await subscribe({ validUntil: '2027-11-22' });
    expect(late.body.error.code).toBe('OSW_SUB_VALIDITY');
    expect(late.body.error.message).toContain('2027-11-21');
    expect((await subscribe({ validUntil: '2027-02-30' })).body.error.code).toBe('OSW_SUB_VALIDITY');
  });

  it('expiry happens at the end of the validUntil day in China time, without anyone calling anything', async () => {
    const r = await subscribe({ validUntil: '2026-11-25' });
    w.setNow('2026-11-25T15:59:59.999Z'); // 2026-11-25 23:59:59.999 China time
    expect((await w.call(w.owner, 'GET', `/api/v1/subscriptions/declaration/${r.body.id}`)).body.status).toBe('active');
    expect(await w.deps.store.declarationSubscriptions.active(['4403960002'], w.now().toISOString())).toHaveLength(1);
    w.setNow('2026-11-25T16:00:00.000Z'); // 2026-11-26 00:00 China time
    const after = await w.call(w.owner, 'GET', `/api/v1/subscriptions/declaration/${r.body.id}`);
    expect(after.body).toMatchObject({ status: 'expired', statusText: '已失效' });
    expect(await w.deps.store.declarationSubscriptions.active(['4403960002'], w.now().toISOString())).toHaveLength(0);
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?status=expired')).body.total).toBe(1);
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?status=active')).body.total).toBe(0);
  });

  it('cancel works while active and is refused once cancelled', async () => {
    const r = await subscribe();
    const c = await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${r.body.id}/cancel`, { card: w.legal(w.owner) });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ status: 'cancelled', statusText: '已取消', cancelledAt: w.now().toISOString() });
    const again = await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${r.body.id}/cancel`, { card: w.legal(w.owner) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('OSW_SUB_CANCELLED');
    const extend = await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${r.body.id}/extend`, {
      validUntil: '2027-11-21',
      card: w.legal(w.owner),
    });
    expect(extend.body.error.code).toBe('OSW_SUB_CANCELLED');
  });

  it('cancel needs the 法人卡', async () => {
    const r = await subscribe();
    const c = await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${r.body.id}/cancel`, { card: w.operator(w.owner) });
    expect(c.body.error.code).toBe('OSW_CARD_KIND');
  });

  it('extend is refused once the subscription has expired', async () => {
    const r = await subscribe({ validUntil: '2026-11-21' });
    w.setNow('2026-11-21T16:00:00.000Z');
    const e = await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${r.body.id}/extend`, {
      validUntil: '2027-06-30',
      card: w.legal(w.owner),
    });
    expect(e.status).toBe(409);
    expect(e.body.error.code).toBe('OSW_SUB_EXPIRED');
    const c = await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${r.body.id}/cancel`, { card: w.legal(w.owner) });
    expect(c.body.error.code).toBe('OSW_SUB_EXPIRED');
  });

  it('extend goes to a later day up to one year from today; an earlier, the same or a past day and a day beyond are refused', async () => {
    const r = await subscribe({ validUntil: '2026-12-31' });
    w.setNow('2026-12-01T02:00:00.000Z'); // a later today: one year from it is 2027-12-01
    const url = `/api/v1/subscriptions/declaration/${r.body.id}/extend`;
    const extend = (validUntil: string) => w.call(w.owner, 'POST', url, { validUntil, card: w.legal(w.owner) });
    const earlier = await extend('2026-12-15');
    expect(earlier.status).toBe(400);
    expect(earlier.body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    expect(earlier.body.error.message).toContain('须晚于当前有效期[2026-12-31]');
    expect((await extend('2026-12-31')).body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    expect((await extend('2026-11-30')).body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    const beyond = await extend('2027-12-02');
    expect(beyond.status).toBe(400);
    expect(beyond.body.error.code).toBe('OSW_SUB_VALIDITY');
    expect(beyond.body.error.message).toContain('最晚为[2027-12-01]');
    expect((await extend('2027-02-30')).body.error.code).toBe('OSW_SUB_VALIDITY');
    // nothing changed by the refusals
    expect((await w.call(w.owner, 'GET', `/api/v1/subscriptions/declaration/${r.body.id}`)).body.validUntil).toBe('2026-12-31');
    const later = await extend('2027-01-01');
    expect(later.status).toBe(200);
    expect(later.body.validUntil).toBe('2027-01-01');
    const ok = await extend('2027-12-01');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ validUntil: '2027-12-01', validUntilText: '2027-12-01 23:59:59', status: 'active' });
    expect((await extend('2027-06-30')).body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    const atLimit = await extend('2027-12-02');
    expect(atLimit.body.error.code).toBe('OSW_SUB_VALIDITY');
    expect(atLimit.body.error.message).toContain('已是今天起一年');
  });

  it('the list shows the newest 订阅日期 first, filters by status, client and date range, and pages', async () => {
    const first = await subscribe();
    w.advance(86_400_000);
    const second = await subscribe({ declarationData: false, receiptTypes: ['放行'] });
    w.advance(86_400_000);
    const third = await subscribe();
    await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${third.body.id}/cancel`, { card: w.legal(w.owner) });
    const all = await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration');
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((s: { id: number }) => s.id)).toEqual([third.body.id, second.body.id, first.body.id]);
    expect(
      (await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?status=cancelled')).body.items.map((s: { id: number }) => s.id),
    ).toEqual([third.body.id]);
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?status=active')).body.total).toBe(2);
    expect((await w.call(w.owner, 'GET', `/api/v1/subscriptions/declaration?clientId=${w.owner.clientId}`)).body.total).toBe(3);
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?clientId=DXPESW5300999999')).body.total).toBe(0);
    const range = await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?from=2026-11-22&to=2026-11-22');
    expect(range.body.items.map((s: { id: number }) => s.id)).toEqual([second.body.id]);
    const page = await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration?page=2&pageSize=2');
    expect(page.body).toMatchObject({ total: 3 });
    expect(page.body.items.map((s: { id: number }) => s.id)).toEqual([first.body.id]);
  });
});
