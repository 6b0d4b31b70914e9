/**
 * The push engine: matching per subscription kind and status, order per manual, at least once,
 * suspension and recovery, resend, expiry mid-stream, retention. Real SQLite, a fake clock.
 */
import { MODF_MARK, parseDecResult, parseManualData } from '@osw/messages';
import { afterEach, describe, expect, it } from 'vitest';
import { HELD } from '../src/core/push/engine.js';
import { acknowledgeDeliveries, PUSH_SENDER_ID } from '../src/core/exchange/outbound.js';
import { MANUAL_NO, OWNER } from './api-world.js';
import { pushWorld, type PushWorld } from './push-world.js';

const ALL_TYPES = ['海关入库', '退单', '审核', '接单', '放行', '结关', '查验通知'];
let w: PushWorld;
afterEach(async () => w?.close());

async function subscribeDeclarations(receiptTypes = ALL_TYPES, declarationData = true, validUntil?: string) {
  const r = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
    clientId: w.owner.clientId,
    declarationData,
    receiptTypes,
    validUntil,
    card: w.legal(w.owner),
  });
  expect(r.status).toBe(201);
  return r.body.id as number;
}

async function subscribeManual(body: Record<string, unknown>) {
  const r = await w.call(w.owner, 'POST', '/api/v1/subscriptions/manual', {
    clientId: w.owner.clientId,
    manualNo: MANUAL_NO,
    card: w.operator(w.owner),
    ...body,
  });
  expect(r.status).toBe(201);
  return r.body.id as number;
}

async function requestChange(items: unknown[], autoApprove = false) {
  const r = await w.call(w.owner, 'POST', `/api/v1/sandbox/manuals/${MANUAL_NO}/changes`, { items, autoApprove });
  expect(r.status).toBe(201);
  return r.body.id as number;
}

describe('matching: business events become pushes to every subscriber in force', () => {
  it('the 收发货人’s client gets the declaration data and each receipt; the sender’s client only its own receipts', async () => {
    w = await pushWorld();
    await subscribeDeclarations();
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7', 'L', 'J', 'P', 'R']);
    await w.engine.runOnce();
    const got = await w.take(w.owner.clientId);
    expect(got.map((g) => g.fileName.split('_')[0])).toEqual(['DecData', 'Receipt', 'Receipt', 'Receipt', 'Receipt', 'Receipt']);
    expect(got[0].fileName).toMatch(new RegExp(`^DecData_${d.seqNo}_\\d{21}\\.xml$`));
    expect(got[0].body).toContain('<DecMessage');
    expect(got.slice(1).map((g) => parseDecResult(g.body).channel)).toEqual(['7', 'L', 'J', 'P', 'R']);
    for (const g of got) expect(g.messageId.startsWith(PUSH_SENDER_ID + w.owner.clientId)).toBe(true);
    const sender = await w.take(w.broker.clientId);
    expect(sender).toHaveLength(5);
    const log = await w.call(w.owner, 'GET', `/api/v1/pushes?documentNo=${d.seqNo}`);
    expect(log.body.total).toBe(6);
    expect(
      log.body.items.every((p: { status: string; clientId: string }) => p.status === 'delivered' && p.clientId === w.owner.clientId),
    ).toBe(true);
    expect(log.body.items[0]).toMatchObject({ statusText: '下发成功', resent: false, resentAt: null, documentNo: d.seqNo });
  });

  it('only the chosen receipt types are pushed, and declaration data only when chosen', async () => {
    w = await pushWorld();
    await subscribeDeclarations(['放行'], false);
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7', 'L', 'J', 'P', 'R']);
    await w.engine.runOnce();
    const got = await w.take(w.owner.clientId);
    expect(got.map((g) => parseDecResult(g.body).channel)).toEqual(['P']);
  });

  it('receipt subscriptions: one SMS per receipt, app and WeChat feed messages; cancelled ones and other enterprises’ documents get nothing', async () => {
    w = await pushWorld();
    await w.receiptSubscription({ pushMethod: 'sms', mode: 'enterprise', phone: '13800138000' });
    await w.receiptSubscription({ pushMethod: 'sms', mode: 'enterprise', phone: '13900139000', cancelledAt: w.now().toISOString() });
    await w.receiptSubscription({
      pushMethod: 'app',
      mode: 'operator',
      operatorCode: 'QH0030',
      enterpriseCode: '4403980001',
      operatorAccount: 'broker01',
    });
    const d = await w.declare();
    await w.receiptSubscription({ pushMethod: 'wechat', mode: 'document', documentNo: d.seqNo, seqNo: d.seqNo });
    await w.receiptSubscription({
      pushMethod: 'sms',
      mode: 'document',
      documentNo: 'E20269999999999999',
      seqNo: 'E20269999999999999',
      phone: '13700137000',
    });
    await w.receipts(d.seqNo, ['7', 'L', 'C', 'P', 'R']);
    await w.engine.runOnce();
    const sms = (await w.deps.store.sms.listOutbox(OWNER, { offset: 0, limit: 100 })).rows;
    expect(sms).toHaveLength(5);
    // the sandbox's outbox keeps phones masked
    expect(sms.every((s) => s.phone === '138****8000')).toBe(true);
    expect(sms.map((s) => s.text).reverse()[2]).toMatch(
      /^【单一窗口】报关单\d{18}\(统一编号E\d{17}\)状态：查验通知，时间\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}。$/,
    );
    // by operator: the declaration was signed with the broker operator's card (录入人 QH0030)
    const app = await w.call(w.broker, 'GET', '/api/v1/feed?channel=app');
    expect(app.body.total).toBe(5);
    expect(app.body.items[0]).toMatchObject({ channel: 'app', title: '报关单状态', payload: { seqNo: d.seqNo, channel: 'R' } });
    const wechat = await w.call(w.owner, 'GET', '/api/v1/feed?channel=wechat');
    expect(wechat.body.total).toBe(5);
  });

  it('a receipt subscription by client pushes only its receipt types, and nothing once its validity has ended', async () => {
    w = await pushWorld();
    const r = await w.call(w.owner, 'POST', '/api/v1/subscriptions/receipt', {
      pushMethod: 'client',
      mode: 'enterprise',
      clientId: w.owner.clientId,
      operatorCardNo: w.owner.operatorCard,
      receiptTypes: ['海关入库', '放行'],
      validUntil: '2026-11-21',
    });
    expect(r.status).toBe(201);
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7', 'L', 'J', 'P']);
    w.setNow('2026-11-21T16:00:00.000Z'); // 00:00 on 11-22 China time: expired
    await w.receipts(d.seqNo, ['P']);
    await w.engine.runOnce();
    const got = (await w.take(w.owner.clientId)).filter((g) => g.fileName.startsWith('Receipt_'));
    expect(got.map((g) => parseDecResult(g.body).channel)).toEqual(['L', 'P']);
    const log = await w.call(w.owner, 'GET', `/api/v1/pushes?documentNo=${d.seqNo}`);
    expect(log.body.items.filter((p: { clientId: string }) => p.clientId === w.owner.clientId)).toHaveLength(2);
  });

  it('a cancelled or expired declaration subscription stops pushing from that moment', async () => {
    w = await pushWorld();
    const id = await subscribeDeclarations(ALL_TYPES, true, '2026-11-21');
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7']);
    w.setNow('2026-11-21T16:00:00.000Z'); // 00:00 on 11-22 China time: expired
    await w.receipts(d.seqNo, ['L']);
    await w.engine.runOnce();
    expect((await w.take(w.owner.clientId)).map((g) => g.fileName.split('_')[0])).toEqual(['DecData', 'Receipt']);
    const s = await w.call(w.owner, 'GET', `/api/v1/subscriptions/declaration/${id}`);
    expect(s.body.status).toBe('expired');
  });
});

describe('processing-trade manuals: stock snapshot, then every approved change in version order', () => {
  it('a stock subscription is pushed once, split into numbered messages, before the changes that follow', async () => {
    w = await pushWorld({ stockRowsPerMessage: 8 });
    await subscribeManual({ kind: 'stock', pushTypes: ['img'], imgRange: '1-20' });
    await subscribeManual({ kind: 'incremental' });
    await w.engine.runOnce();
    const c = await requestChange([{ kind: 'img', action: 'modify', serial: 3, quantity: '4242' }]);
    expect((await w.call(w.owner, 'POST', `/api/v1/sandbox/manual-changes/${c}/approve`)).status).toBe(200);
    await w.engine.runOnce();
    const got = await w.take(w.owner.clientId);
    expect(got.every((g) => g.business === 'processing-trade' && /^Receipt_DXPEDCPUSH\w+_\d{21}\.xml$/.test(g.fileName))).toBe(true);
    const parsed = got.map((g) => parseManualData(g.body));
    expect(parsed.map((p) => p.data.kind)).toEqual(['stock', 'stock', 'stock', 'incremental']);
    expect(parsed.slice(0, 3).flatMap((p) => p.data.imgs.map((i) => i.serial))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(
      got
        .slice(0, 3)
        .map((g) => /<cur_pocket_no>(\d)<\/cur_pocket_no>/.exec(g.body)?.[1] + '/' + /<total_pocket_qty>(\d)</.exec(g.body)?.[1]),
    ).toEqual(['1/3', '2/3', '3/3']);
    expect(parsed[3].data).toMatchObject({ version: 2, imgs: [{ serial: 3, mark: MODF_MARK.modified, fields: { DclQty: '4242' } }] });
    expect(parsed[3].envelope.message_id).toBe(got[3].messageId);
  });

  it('a stock subscription shows its push progress: waiting, then how many of its messages the client acknowledged, then done', async () => {
    w = await pushWorld({ stockRowsPerMessage: 8 });
    const id = await subscribeManual({ kind: 'stock', pushTypes: ['img'], imgRange: '1-20', validUntil: '2027-05-31' });
    const progress = async () => (await w.call(w.owner, 'GET', `/api/v1/subscriptions/manual/${id}`)).body;
    expect(await progress()).toMatchObject({
      validUntilText: '2027-05-31 23:59:59',
      stockPush: { state: 'waiting', stateText: '待推送', pushed: 0, total: 0, text: '待推送' },
    });
    await w.engine.runOnce();
    const handed = await w.take(w.owner.clientId, { ack: false });
    expect(handed).toHaveLength(3);
    expect((await progress()).stockPush).toMatchObject({ state: 'pushing', stateText: '推送中', pushed: 0, total: 3, text: '已推送 0/3' });
    await acknowledgeDeliveries(w.deps, w.owner.clientId, [handed[0].id]);
    expect((await progress()).stockPush).toMatchObject({ state: 'pushing', pushed: 1, total: 3, text: '已推送 1/3' });
    await acknowledgeDeliveries(
      w.deps,
      w.owner.clientId,
      handed.slice(1).map((h) => h.id),
    );
    const inc = await subscribeManual({ kind: 'incremental' });
    const list = await w.call(w.owner, 'GET', '/api/v1/subscriptions/manual');
    const byId = new Map(list.body.items.map((s: { id: number }) => [s.id, s]));
    expect(byId.get(id)).toMatchObject({ stockPush: { state: 'done', stateText: '推送完成', pushed: 3, total: 3, text: '已推送 3/3' } });
    expect(byId.get(inc)).toMatchObject({ stockPush: null });
  });

  it('concurrent approvals get consecutive versions and are pushed in version order, never reordered', async () => {
    w = await pushWorld();
    await subscribeManual({ kind: 'incremental' });
    const ids = [];
    for (let i = 0; i < 8; i++)
      ids.push(await requestChange([{ kind: 'exg', action: 'add', code: '8517000000', name: `新成品${i}`, unit: '007', quantity: '1' }]));
    const answers = await Promise.all(ids.map((id) => w.call(w.owner, 'POST', `/api/v1/sandbox/manual-changes/${id}/approve`)));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    expect(answers.map((a) => a.body.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    // delivered across several rounds with the client fetching in between
    const versions: number[] = [];
    for (let round = 0; round < 3; round++) {
      await Promise.all([w.engine.runOnce(), w.engine.runOnce()]);
      versions.push(...(await w.take(w.owner.clientId)).map((g) => parseManualData(g.body).data.version));
    }
    expect(versions).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const manual = await w.call(w.owner, 'GET', `/api/v1/sandbox/manuals/${MANUAL_NO}`);
    expect(manual.body.version).toBe(9);
    expect(manual.body.items.filter((i: { kind: string }) => i.kind === 'exg')).toHaveLength(20);
  });

  it('an incremental subscription that expires mid-stream pushes the changes approved before, none after', async () => {
    w = await pushWorld();
    await subscribeManual({ kind: 'incremental', validUntil: '2026-11-21' });
    const a = await requestChange([{ kind: 'img', action: 'delete', serial: 30 }]);
    await w.call(w.owner, 'POST', `/api/v1/sandbox/manual-changes/${a}/approve`);
    w.setNow('2026-11-21T16:00:01.000Z');
    const b = await requestChange([{ kind: 'img', action: 'delete', serial: 29 }]);
    await w.call(w.owner, 'POST', `/api/v1/sandbox/manual-changes/${b}/approve`);
    await w.engine.runOnce();
    const got = (await w.take(w.owner.clientId)).map((g) => parseManualData(g.body).data);
    expect(got).toHaveLength(1);
    expect(got[0].imgs).toEqual([expect.objectContaining({ serial: 30, mark: MODF_MARK.deleted })]);
  });
});

describe('delivery: at least once, suspension and recovery, resend, retention', () => {
  it('a push the client fetched but did not acknowledge comes again with the same message id; every fetch is an attempt', async () => {
    w = await pushWorld();
    await subscribeDeclarations(['接单'], false);
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7']);
    await w.engine.runOnce();
    const first = await w.take(w.owner.clientId, { ack: false });
    const again = await w.take(w.owner.clientId);
    expect(again.map((g) => g.messageId)).toEqual(first.map((g) => g.messageId));
    const [push] = (await w.call(w.owner, 'GET', '/api/v1/pushes')).body.items;
    const detail = await w.call(w.owner, 'GET', `/api/v1/pushes/${push.id}`);
    expect(detail.body.attempts).toBe(2);
    expect(detail.body.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(['queued', 'taken', 'taken', 'delivered']);
    expect(detail.body.payloadType).toBe('xml');
    expect(detail.body.payload).toBe(first[0].body);
    expect(parseDecResult(detail.body.payload).channel).toBe('7');
  });

  it('a client that stays offline is suspended: its pushes are kept and flow again, in order, once it acknowledges', async () => {
    w = await pushWorld({ clientAckTimeoutMs: 60_000 });
    await subscribeDeclarations();
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7']);
    await w.engine.runOnce();
    w.advance(120_000);
    await w.engine.runOnce();
    await w.receipts(d.seqNo, ['L', 'J']);
    await w.engine.runOnce();
    const log = async () =>
      (await w.call(w.owner, 'GET', `/api/v1/pushes?documentNo=${d.seqNo}`)).body.items.map((p: { status: string }) => p.status);
    expect(await log()).toEqual(['suspended', 'suspended', 'suspended', 'suspended']);
    expect((await w.deps.store.pushes.getTarget(`client:${w.owner.clientId}`))?.suspendedAt).not.toBeNull();
    const held = (await w.deps.store.pushes.list({ enterpriseCode: OWNER, offset: 0, limit: 10 })).rows.filter(
      (p) => p.status === 'suspended' && p.handedAt === null,
    );
    expect(held).toHaveLength(2);
    expect(held.every((p) => p.nextAttemptAt === HELD)).toBe(true);
    // the client comes back: takes and acknowledges what was queued; the rest follows
    expect((await w.take(w.owner.clientId)).map((g) => g.fileName.split('_')[0])).toEqual(['DecData', 'Receipt']);
    await w.engine.runOnce();
    expect((await w.take(w.owner.clientId)).map((g) => parseDecResult(g.body).channel)).toEqual(['L', 'J']);
    expect(await log()).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
  });

  it('resending chosen pushes keeps the message id and sets 重发标识 and 重发时间; another enterprise’s push is not found', async () => {
    w = await pushWorld();
    await subscribeDeclarations(['接单', '海关入库'], false);
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7', 'L']);
    await w.engine.runOnce();
    const first = await w.take(w.owner.clientId);
    const items = (await w.call(w.owner, 'GET', '/api/v1/pushes')).body.items;
    w.advance(60_000);
    const r = await w.call(w.owner, 'POST', '/api/v1/pushes/resend', { ids: [items[1].id] });
    expect(r.body).toEqual({ resent: [items[1].id], skipped: [] });
    expect((await w.call(w.broker, 'POST', '/api/v1/pushes/resend', { ids: [items[0].id] })).status).toBe(404);
    await w.engine.runOnce();
    const again = await w.take(w.owner.clientId);
    expect(again.map((g) => g.messageId)).toEqual([first[0].messageId]);
    const row = (await w.call(w.owner, 'GET', `/api/v1/pushes/${items[1].id}`)).body;
    expect(row).toMatchObject({ resent: true, resentAt: w.now().toISOString(), status: 'delivered', messageId: first[0].messageId });
    expect((await w.call(w.owner, 'POST', '/api/v1/pushes/resend', { ids: [1], filter: {} })).status).toBe(400);
  });

  it('a bulk resend by filter runs as a job with progress until done', async () => {
    w = await pushWorld();
    await subscribeDeclarations();
    for (let i = 0; i < 3; i++) await w.receipts((await w.declare()).seqNo, ['7', 'L']);
    await w.engine.runOnce();
    await w.take(w.owner.clientId);
    const r = await w.call(w.owner, 'POST', '/api/v1/pushes/resend', { filter: { clientId: w.owner.clientId, status: 'delivered' } });
    expect(r.status).toBe(202);
    expect(r.body.job).toMatchObject({ status: 'running', total: 9, done: 0, progress: 0 });
    await w.engine.runOnce();
    const job = await w.call(w.owner, 'GET', `/api/v1/jobs/${r.body.job.id}`);
    expect(job.body).toMatchObject({ status: 'done', total: 9, done: 9, skipped: 0, progress: 1 });
    expect((await w.call(w.broker, 'GET', `/api/v1/jobs/${r.body.job.id}`)).status).toBe(404);
    await w.engine.runOnce();
    const resent = await w.take(w.owner.clientId);
    expect(resent).toHaveLength(9);
    const pushes = (await w.call(w.owner, 'GET', '/api/v1/pushes?pageSize=50')).body.items as {
      messageId: string;
      fileName: string;
      resent: boolean;
      resendCount: number;
    }[];
    expect(pushes.every((p) => p.resent && p.resendCount === 1)).toBe(true);
    // each goes out as resend attempt 1 under a new file stamp, so the client writes it beside the first file
    const byId = new Map(pushes.map((p) => [p.messageId, p]));
    for (const d of resent) {
      expect(d.resend).toBe(1);
      expect(d.fileName).not.toBe(byId.get(d.messageId)!.fileName);
      expect(d.fileName.replace(/_\d{21}\.xml$/, '')).toBe(byId.get(d.messageId)!.fileName.replace(/_\d{21}\.xml$/, ''));
    }
    expect(new Set(resent.map((d) => d.fileName)).size).toBe(9);
  });

  it('payloads of delivered pushes are dropped after the retention period; such pushes are skipped on resend', async () => {
    w = await pushWorld({ retentionDays: 90 });
    await subscribeDeclarations(['接单'], false);
    await w.receipts((await w.declare()).seqNo, ['7']);
    await w.engine.runOnce();
    await w.take(w.owner.clientId);
    w.advance(91 * 86_400_000);
    expect(await w.engine.cleanupNow()).toEqual({ pushes: 1, deliveries: 1 });
    const [p] = (await w.call(w.owner, 'GET', '/api/v1/pushes')).body.items;
    expect(p.payloadKept).toBe(false);
    expect((await w.call(w.owner, 'GET', `/api/v1/pushes/${p.id}`)).body.payload).toBeNull();
    const r = await w.call(w.owner, 'POST', '/api/v1/pushes/resend', { ids: [p.id] });
    expect(r.body.skipped).toEqual([{ id: p.id, reason: expect.stringContaining('retention') }]);
  });
});
