import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpSmsGateway } from '../src/adapters/sms/http-gateway.js';
import { silentLogger } from '../src/core/ports.js';
import type { DeclarationRow } from '../src/core/store.js';
import { apiWorld, BROKER, OWNER, type ApiWorld } from './api-world.js';

const PHONE = '13800138000';

function declaration(seqNo: string, entryId: string, tradeCode: string): DeclarationRow {
  const at = '2026-11-21T01:00:00.000Z';
  return {
    seqNo,
    clientSeqNo: `C${seqNo}`,
    senderClientId: 'DXPESW5300000001',
    senderEnterprise: BROKER,
    tradeCode,
    ownerCode: tradeCode,
    agentCode: BROKER,
    ieFlag: 'I',
    customMaster: '5300',
    entryId,
    channel: 'L',
    messageId: 'M1',
    icCode: '',
    typistNo: '',
    xml: '<DecMessage/>',
    declaredAt: at,
    updatedAt: at,
  };
}

describe('报关状态订阅 (receipt subscription) and SMS verification codes', () => {
  let w: ApiWorld;
  beforeEach(async () => {
    w = await apiWorld();
    await w.deps.store.declarations.insert(declaration('E20260000000000001', '530020260000000001', OWNER));
    await w.deps.store.declarations.insert(declaration('E20260000000000002', '530020260000000002', '4403999999'));
  });
  afterEach(async () => {
    await w.close();
  });

  const subscribe = (body: Record<string, unknown>) => w.call(w.owner, 'POST', '/api/v1/subscriptions/receipt', body);
  // the embedded SMS provider (the sandbox) sends nothing: the code is answered to the operator who asked, once
  let sandboxCode = '';
  const requestCode = async (phone = PHONE) => {
    const r = await w.call(w.owner, 'POST', '/api/v1/sms/verification-codes', { phone });
    sandboxCode = r.body.sandboxCode;
    return r;
  };
  async function lastCode(): Promise<string> {
    return sandboxCode;
  }

  it('SMS push: a 6-digit code goes to the outbox, and subscribing with it answers the record', async () => {
    const sent = await requestCode();
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      phone: '138****8000',
      resendAfterSeconds: 60,
      expiresAt: new Date(w.now().getTime() + 5 * 60_000).toISOString(),
    });
    const code = await lastCode();
    expect(code).toMatch(/^\d{6}$/);
    // the outbox (the sandbox's phone) shows the SMS with the phone and the code masked; the store keeps no code in clear
    const out = await w.call(w.owner, 'GET', '/api/v1/sms/outbox');
    expect(out.body.items[0]).toMatchObject({ phone: '138****8000', text: expect.stringContaining('验证码为******') });
    const stored = await w.opened.db.selectFrom('smsOutbox').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(JSON.stringify(stored)).not.toContain(PHONE);
    expect(JSON.stringify(await w.opened.db.selectFrom('verificationCodes').selectAll().execute())).not.toContain(code);
    const r = await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE, verificationCode: code });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: expect.any(Number),
      pushMethod: 'sms',
      pushMethodText: '短信',
      mode: 'enterprise',
      modeText: '按企业订阅',
      content: '企业[4403960002]全部报关单的状态回执',
      documentNo: null,
      phone: '138****8000',
      valid: true,
      status: 'active',
    });
  });

  it('SMS push needs a phone number and a verification code', async () => {
    expect((await subscribe({ pushMethod: 'sms', mode: 'enterprise' })).body.error.code).toBe('OSW_SMS_PHONE_INVALID');
    expect((await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE })).body.error.code).toBe('OSW_SMS_CODE_REQUIRED');
    expect((await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE, verificationCode: '123456' })).body.error.code).toBe(
      'OSW_SMS_CODE_INVALID',
    );
  });

  it('a verification code is used once', async () => {
    await requestCode();
    const code = await lastCode();
    expect((await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE, verificationCode: code })).status).toBe(201);
    const again = await subscribe({
      pushMethod: 'sms',
      mode: 'document',
      documentNo: 'E20260000000000001',
      phone: PHONE,
      verificationCode: code,
    });
    expect(again.body.error.code).toBe('OSW_SMS_CODE_INVALID');
  });

  it('a verification code expires after 5 minutes', async () => {
    await requestCode();
    const code = await lastCode();
    w.advance(5 * 60_000);
    const r = await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE, verificationCode: code });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OSW_SMS_CODE_EXPIRED');
  });

  it('a code still works a moment before its 5 minutes are up', async () => {
    await requestCode();
    const code = await lastCode();
    w.advance(5 * 60_000 - 1);
    expect((await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE, verificationCode: code })).status).toBe(201);
  });

  it('five wrong codes make even the right one useless', async () => {
    await requestCode();
    const code = await lastCode();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      expect((await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE, verificationCode: wrong })).body.error.code).toBe(
        'OSW_SMS_CODE_INVALID',
      );
    const r = await subscribe({ pushMethod: 'sms', mode: 'enterprise', phone: PHONE, verificationCode: code });
    expect(r.body.error.code).toBe('OSW_SMS_CODE_INVALID');
    expect(r.body.error.message).toContain('次数过多');
  });

  it('verification codes are rate-limited per phone: once a minute, five an hour', async () => {
    expect((await requestCode()).status).toBe(201);
    const soon = await requestCode();
    expect(soon.status).toBe(429);
    expect(soon.body.error.code).toBe('OSW_SMS_RATE_LIMITED');
    expect(soon.headers['retry-after']).toBe('60');
    expect((await requestCode('13900139000')).status).toBe(201); // another phone is not held up
    for (let i = 0; i < 4; i++) {
      w.advance(60_000);
      expect((await requestCode()).status).toBe(201);
    }
    w.advance(60_000);
    const sixth = await requestCode();
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.message).toContain('一小时内最多');
    w.advance(60 * 60_000);
    expect((await requestCode()).status).toBe(201);
  });

  it('a phone number that is not a mainland mobile number is refused', async () => {
    const r = await requestCode('12345');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OSW_SMS_PHONE_INVALID');
  });

  it('the HTTP SMS gateway adapter posts phone and text, and a failing gateway is answered OSW_SMS_SEND_FAILED', async () => {
    const posted: { url: string; body: unknown; auth: string | undefined }[] = [];
    let answer = 200;
    const fakeFetch = (async (url: string, init: RequestInit) => {
      posted.push({ url, body: JSON.parse(String(init.body)), auth: (init.headers as Record<string, string>).authorization });
      return new Response('{}', { status: answer });
    }) as unknown as typeof fetch;
    await w.close();
    w = await apiWorld({
      sms: new HttpSmsGateway({ url: 'http://sms.example/send', token: 't0k', logger: silentLogger, fetch: fakeFetch }),
    });
    const sent = await requestCode();
    expect(sent.status).toBe(201);
    // a real gateway: the code goes by SMS only
    expect(sent.body.sandboxCode).toBeUndefined();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      url: 'http://sms.example/send',
      body: { phone: PHONE, text: expect.stringMatching(/验证码为\d{6}/) },
      auth: 'Bearer t0k',
    });
    // the sandbox's outbox does not exist beside a real gateway
    const outbox = await w.call(w.owner, 'GET', '/api/v1/sms/outbox');
    expect(outbox.status).toBe(404);
    answer = 500;
    const failed = await requestCode('13900139000');
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('OSW_SMS_SEND_FAILED');
  });

  it('by document needs a declaration number, by 统一编号 or 海关编号, of a declaration the enterprise is party to', async () => {
    expect((await subscribe({ pushMethod: 'app', mode: 'document' })).body.error.code).toBe('OSW_SUB_DOCUMENT_REQUIRED');
    const bySeq = await subscribe({ pushMethod: 'app', mode: 'document', documentNo: 'E20260000000000001' });
    expect(bySeq.status).toBe(201);
    expect(bySeq.body).toMatchObject({
      documentNo: 'E20260000000000001',
      seqNo: 'E20260000000000001',
      content: '报关单[E20260000000000001]的状态回执',
      modeText: '按单证订阅',
      pushMethodText: '掌上海关APP',
    });
    const byEntry = await subscribe({ pushMethod: 'wechat', mode: 'document', documentNo: '530020260000000001' });
    expect(byEntry.status).toBe(201);
    expect(byEntry.body).toMatchObject({ documentNo: '530020260000000001', seqNo: 'E20260000000000001' });
    const notParty = await subscribe({ pushMethod: 'app', mode: 'document', documentNo: 'E20260000000000002' });
    expect(notParty.status).toBe(404);
    expect((await subscribe({ pushMethod: 'app', mode: 'document', documentNo: 'E20269999999999999' })).status).toBe(404);
    // the broker sent the second one: it may subscribe to it
    expect(
      (
        await w.call(w.broker, 'POST', '/api/v1/subscriptions/receipt', {
          pushMethod: 'app',
          mode: 'document',
          documentNo: 'E20260000000000002',
        })
      ).status,
    ).toBe(201);
  });

  it('by operator covers the documents the subscribing operator (录入人) entered', async () => {
    const r = await subscribe({ pushMethod: 'wechat', mode: 'operator' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ operatorCode: 'QH0031', modeText: '按个人订阅', content: '录入人[QH0031]录入的报关单的状态回执' });
  });

  it('client push needs the client ID and an operator card number of the enterprise', async () => {
    expect((await subscribe({ pushMethod: 'client', mode: 'enterprise', clientId: w.owner.clientId })).body.error.code).toBe(
      'OSW_SUB_CLIENT_REQUIRED',
    );
    expect(
      (await subscribe({ pushMethod: 'client', mode: 'enterprise', clientId: w.owner.clientId, operatorCardNo: w.owner.legalCard })).body
        .error.code,
    ).toBe('OSW_CARD_KIND');
    expect(
      (await subscribe({ pushMethod: 'client', mode: 'enterprise', clientId: w.owner.clientId, operatorCardNo: w.broker.operatorCard }))
        .body.error.code,
    ).toBe('OSW_CARD_INVALID');
    expect(
      (await subscribe({ pushMethod: 'client', mode: 'enterprise', clientId: w.broker.clientId, operatorCardNo: w.owner.operatorCard }))
        .status,
    ).toBe(404);
    const r = await subscribe({
      pushMethod: 'client',
      mode: 'enterprise',
      clientId: w.owner.clientId,
      operatorCardNo: w.owner.operatorCard,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ pushMethodText: '客户端', clientId: w.owner.clientId, operatorCardNo: w.owner.operatorCard });
  });

  it("by client (manual 001 §三): chosen receipt types, valid one year by default and at most one year, records with the manual's columns", async () => {
    const client = (body: Record<string, unknown> = {}) =>
      subscribe({ pushMethod: 'client', mode: 'enterprise', clientId: w.owner.clientId, operatorCardNo: w.owner.operatorCard, ...body });
    const all = await client();
    expect(all.status).toBe(201);
    expect(all.body).toMatchObject({
      receiptTypes: null, // left out: every receipt
      channels: null,
      content: `企业[${OWNER}]全部报关单的状态回执`,
      validUntil: '2027-11-21',
      validUntilText: '2027-11-21 23:59:59',
      status: 'active',
      statusText: '生效',
    });
    await w.call(w.owner, 'POST', `/api/v1/subscriptions/receipt/${all.body.id}/cancel`);
    const tooFar = await client({ validUntil: '2027-11-22' });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.code).toBe('OSW_SUB_VALIDITY');
    expect((await client({ receiptTypes: ['放行', '开会'] })).body.error.code).toBe('OSW_SUB_RECEIPT_TYPE_UNKNOWN');
    const appWithTypes = await subscribe({ pushMethod: 'app', mode: 'enterprise', receiptTypes: ['放行'] });
    expect(appWithTypes.status).toBe(400);
    expect(appWithTypes.body.error.code).toBe('OSW_VALIDATION');
    const r = await client({ receiptTypes: ['放行', '结关'], validUntil: '2027-03-31' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      clientId: w.owner.clientId,
      operatorCardNo: w.owner.operatorCard,
      operatorCode: 'QH0031',
      channels: ['P', 'R'],
      content: `企业[${OWNER}]全部报关单的状态回执[放行、结关]`,
      validUntilText: '2027-03-31 23:59:59',
      subscribedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      status: 'active',
    });
    // the push engine sees its types and validity
    const [found] = (await w.deps.store.receiptSubscriptions.active({ enterpriseCodes: [OWNER] })).filter((s) => s.id === r.body.id);
    expect(found).toMatchObject({ channels: ['P', 'R'], validUntil: '2027-03-31', expiresAt: '2027-03-31T16:00:00.000Z' });
  });

  it('by client: extend only while active, to a later day within one year (each refusal with its code); expired ones are listed as such', async () => {
    const r = await subscribe({
      pushMethod: 'client',
      mode: 'enterprise',
      clientId: w.owner.clientId,
      operatorCardNo: w.owner.operatorCard,
      validUntil: '2026-12-31',
    });
    const url = `/api/v1/subscriptions/receipt/${r.body.id}/extend`;
    const extend = (validUntil: string) => w.call(w.owner, 'POST', url, { validUntil });
    expect((await extend('2026-12-01')).body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    expect((await extend('2026-12-31')).body.error.code).toBe('OSW_SUB_EXTEND_NOT_LATER');
    expect((await extend('2027-11-22')).body.error.code).toBe('OSW_SUB_VALIDITY');
    const ok = await extend('2027-01-31');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ validUntil: '2027-01-31', validUntilText: '2027-01-31 23:59:59', status: 'active' });
    const audit = await w.call(w.owner, 'GET', `/api/v1/audit?entity=receipt-subscription&entityId=${r.body.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toContain('subscription.receipt.extend');
    // an SMS/app subscription has no validity to extend
    const app = await subscribe({ pushMethod: 'app', mode: 'enterprise' });
    expect(
      (await w.call(w.owner, 'POST', `/api/v1/subscriptions/receipt/${app.body.id}/extend`, { validUntil: '2027-01-01' })).body.error.code,
    ).toBe('OSW_VALIDATION');
    w.setNow('2027-01-31T16:00:00.000Z'); // 00:00 on 02-01 China time
    const late = await extend('2027-06-30');
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('OSW_SUB_EXPIRED');
    expect((await w.call(w.owner, 'POST', `/api/v1/subscriptions/receipt/${r.body.id}/cancel`)).body.error.code).toBe('OSW_SUB_EXPIRED');
    const expired = await w.call(w.owner, 'GET', '/api/v1/subscriptions/receipt?status=expired');
    expect(expired.body.items).toMatchObject([{ id: r.body.id, status: 'expired', statusText: '已失效', valid: false }]);
    expect(
      (await w.call(w.owner, 'GET', '/api/v1/subscriptions/receipt?status=active')).body.items.map((s: { id: number }) => s.id),
    ).toEqual([app.body.id]);
  });

  it('an identical active subscription is refused', async () => {
    expect((await subscribe({ pushMethod: 'app', mode: 'enterprise' })).status).toBe(201);
    const dup = await subscribe({ pushMethod: 'app', mode: 'enterprise' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('OSW_SUB_DUPLICATE');
  });

  it('cancel works while active and is refused once cancelled; the list shows 是否有效', async () => {
    const r = await subscribe({ pushMethod: 'app', mode: 'enterprise' });
    const c = await w.call(w.owner, 'POST', `/api/v1/subscriptions/receipt/${r.body.id}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ valid: false, status: 'cancelled' });
    const again = await w.call(w.owner, 'POST', `/api/v1/subscriptions/receipt/${r.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('OSW_SUB_CANCELLED');
    // once cancelled, the same subscription may be made again
    expect((await subscribe({ pushMethod: 'app', mode: 'enterprise' })).status).toBe(201);
    const list = await w.call(w.owner, 'GET', '/api/v1/subscriptions/receipt');
    expect(list.body.items.map((s: { valid: boolean }) => s.valid)).toEqual([true, false]);
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/receipt?status=cancelled')).body.total).toBe(1);
    expect((await w.call(w.owner, 'GET', '/api/v1/subscriptions/receipt?pushMethod=sms')).body.total).toBe(0);
  });

  it('the push engine finds active receipt subscriptions by document, enterprise and operator through the Store', async () => {
    const doc = await subscribe({ pushMethod: 'app', mode: 'document', documentNo: '530020260000000001' });
    const ent = await subscribe({ pushMethod: 'wechat', mode: 'enterprise' });
    const op = await subscribe({ pushMethod: 'app', mode: 'operator' });
    await w.call(w.broker, 'POST', '/api/v1/subscriptions/receipt', { pushMethod: 'app', mode: 'enterprise' });
    const found = await w.deps.store.receiptSubscriptions.active({
      seqNos: ['E20260000000000001'],
      enterpriseCodes: [OWNER],
      operatorCodes: ['QH0031'],
    });
    expect(found.map((s) => s.id).sort()).toEqual([doc.body.id, ent.body.id, op.body.id].sort());
    await w.call(w.owner, 'POST', `/api/v1/subscriptions/receipt/${ent.body.id}/cancel`);
    expect((await w.deps.store.receiptSubscriptions.active({ enterpriseCodes: [OWNER] })).map((s) => s.id)).toEqual([]);
    expect(await w.deps.store.receiptSubscriptions.active({})).toEqual([]);
  });
});
