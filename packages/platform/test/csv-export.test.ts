/**
 * CSV export of the push log and of the three subscription services' records: every row the filter
 * matches (not one page), UTF-8 with a BOM, China time, headers in the asked language, only the
 * operator's enterprise.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { csvLine } from '../src/api/routes/csv.js';
import { MANUAL_NO } from './api-world.js';
import { pushWorld, type PushWorld } from './push-world.js';

let w: PushWorld;
afterEach(async () => w?.close());

/** the CSV's lines without the BOM (the last, empty one dropped) */
function lines(body: string): string[] {
  expect(body.startsWith('\uFEFF')).toBe(true);
  return body.slice(1).split('\r\n').slice(0, -1);
}

describe('CSV export', () => {
  it('the push log: every matching push across pages, BOM, China time, headers in Chinese or English; another enterprise sees none', async () => {
    w = await pushWorld();
    const subscriptionId = await w.subscribeDeclarations();
    const { declaration: d, other } = await w.pushedDeclaration(['7', 'L', 'P']);

    const page = await w.call(w.owner, 'GET', `/api/v1/pushes?documentNo=${d.seqNo}&pageSize=1`);
    expect(page.body.total).toBe(4);
    const r = await w.call(w.owner, 'GET', `/api/v1/pushes/export?documentNo=${d.seqNo}&lang=zh`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(r.headers['content-disposition'])).toMatch(/^attachment; filename="pushes-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(r.headers['x-export-rows']).toBe('4');
    expect(r.headers['x-export-truncated']).toBe('false');
    const zh = lines(r.body);
    expect(zh[0].split(',').slice(0, 6)).toEqual(['报文ID', '账册号', '单据号', '下发客户端ID', '推送方式', '下发状态']);
    expect(zh).toHaveLength(5);
    const ids = new Set<string>();
    const all = (await w.call(w.owner, 'GET', `/api/v1/pushes?documentNo=${d.seqNo}`)).body.items as { messageId: string }[];
    for (const p of all) ids.add(p.messageId);
    expect(new Set(zh.slice(1).map((l) => l.split(',')[0]))).toEqual(ids);
    for (const l of zh.slice(1)) {
      const cells = l.split(',');
      expect(cells[2]).toBe(d.seqNo);
      expect(cells[5]).toBe('下发成功');
      // 下发时间 in China time: the fake clock's 10:00 China time, not 02:00 UTC
      expect(cells[8]).toMatch(/^2026-11-21 10:\d{2}:\d{2}$/);
      expect(cells[13]).toBe(String(subscriptionId));
    }
    expect(r.body).not.toContain(other.seqNo);

    const en = lines(
      (await w.call(w.owner, 'GET', `/api/v1/pushes/export?documentNo=${d.seqNo}`, undefined, { 'accept-language': 'en' })).body,
    );
    expect(en[0].split(',').slice(0, 3)).toEqual(['Message ID', 'Manual no.', 'Document no.']);
    expect(en[1].split(',')[5]).toBe('delivered');

    // the broker's enterprise is not the subscriber: none of these pushes is in its export
    const theirs = await w.call(w.broker, 'GET', `/api/v1/pushes/export?documentNo=${d.seqNo}`);
    expect(theirs.status).toBe(200);
    expect(lines(theirs.body)).toHaveLength(1);
    expect((await w.call(null, 'GET', '/api/v1/pushes/export')).status).toBe(401);
  });

  it('subscription records of each service, filtered as the screen filters', async () => {
    w = await pushWorld();
    await w.subscribeDeclarations();
    const m = await w.call(w.owner, 'POST', '/api/v1/subscriptions/manual', {
      clientId: w.owner.clientId,
      manualNo: MANUAL_NO,
      kind: 'incremental',
      card: w.operator(w.owner),
    });
    expect(m.status).toBe(201);
    await w.receiptSubscription({});

    const d = lines((await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration/export?status=active&lang=zh')).body);
    expect(d).toHaveLength(2);
    expect(d[0]).toContain('客户端ID');
    expect(d[1]).toContain(w.owner.clientId);
    expect(d[1]).toContain('生效');
    expect(lines((await w.call(w.owner, 'GET', '/api/v1/subscriptions/declaration/export?status=cancelled')).body)).toHaveLength(1);

    const man = lines((await w.call(w.owner, 'GET', '/api/v1/subscriptions/manual/export?lang=en')).body);
    expect(man).toHaveLength(2);
    expect(man[0]).toContain('Manual no.');
    expect(man[1]).toContain(MANUAL_NO);

    const rec = lines((await w.call(w.owner, 'GET', '/api/v1/subscriptions/receipt/export?lang=zh')).body);
    expect(rec).toHaveLength(2);
    expect(rec[0]).toContain('推送方式');

    // another enterprise: headers only
    for (const s of ['declaration', 'receipt', 'manual'])
      expect(lines((await w.call(w.broker, 'GET', `/api/v1/subscriptions/${s}/export`)).body)).toHaveLength(1);
  });

  it('cells with commas, quotes or a leading formula sign are quoted and kept as text', () => {
    expect(csvLine(['a,b', 'say "hi"', '=1+1', null, 3])).toBe('"a,b","say ""hi""",\'=1+1,,3\r\n');
  });
});
