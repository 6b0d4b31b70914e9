/**
 * 事件日志: one search term finds the declaration, its receipts, the pushes made for it and the
 * subscriptions that caused them — the operator's enterprise's only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pushWorld, type PushWorld } from './push-world.js';

let w: PushWorld;
afterEach(async () => w?.close());

const search = (party: PushWorld['owner'], q: string, extra = '') =>
  w.call(party, 'GET', `/api/v1/events?q=${encodeURIComponent(q)}${extra}`).then((r) => {
    expect(r.status).toBe(200);
    return r.body;
  });

describe('event log search', () => {
  it('a 统一编号, a 报文ID, a client id and a subscription id each find the declaration, its receipts, its pushes and their subscription', async () => {
    w = await pushWorld();
    const subscriptionId = await w.subscribeDeclarations();
    // the other declaration is not in the answer for this one
    const { declaration: d } = await w.pushedDeclaration(['7', 'L', 'P']);

    const byDoc = await search(w.owner, d.seqNo);
    expect(byDoc.matchedAs).toBe('document');
    expect(byDoc.declarations.map((x: { seqNo: string }) => x.seqNo)).toEqual([d.seqNo]);
    expect(byDoc.declarations[0].receipts.map((r: { channel: string }) => r.channel)).toEqual(['7', 'L', 'P']);
    // China time: the fake clock's 10:00 China time
    expect(byDoc.declarations[0].declaredAtText).toMatch(/^2026-11-21 10:/);
    expect(byDoc.pushes.total).toBe(4);
    expect(new Set(byDoc.pushes.items.map((p: { documentNo: string }) => p.documentNo))).toEqual(new Set([d.seqNo]));
    expect(byDoc.subscriptions).toEqual([
      expect.objectContaining({ kind: 'declaration', id: subscriptionId, clientId: w.owner.clientId, status: 'active' }),
    ]);

    // paged: two at a time, the same four in all
    const p1 = await search(w.owner, d.seqNo, '&pageSize=2');
    const p2 = await search(w.owner, d.seqNo, '&pageSize=2&page=2');
    expect([...p1.pushes.items, ...p2.pushes.items].map((p: { id: number }) => p.id).sort()).toEqual(
      byDoc.pushes.items.map((p: { id: number }) => p.id).sort(),
    );

    const messageId = byDoc.pushes.items[0].messageId as string;
    const byMessage = await search(w.owner, messageId);
    expect(byMessage.matchedAs).toBe('message');
    expect(byMessage.pushes.items.map((p: { messageId: string }) => p.messageId)).toEqual([messageId]);
    expect(byMessage.declarations.map((x: { seqNo: string }) => x.seqNo)).toEqual([d.seqNo]);
    expect(byMessage.subscriptions.map((s: { id: number }) => s.id)).toEqual([subscriptionId]);

    const byClient = await search(w.owner, w.owner.clientId);
    expect(byClient.matchedAs).toBe('client');
    expect(byClient.pushes.total).toBe(5);
    expect(byClient.declarations).toHaveLength(2);

    const bySubscription = await search(w.owner, String(subscriptionId));
    expect(bySubscription.matchedAs).toBe('subscription');
    expect(bySubscription.pushes.total).toBe(5);

    expect((await search(w.owner, 'NOTHING-LIKE-THIS')).matchedAs).toBe('none');
  });

  it("another enterprise finds none of the enterprise's pushes or subscriptions, not even by their ids; no session is refused", async () => {
    w = await pushWorld();
    const subscriptionId = await w.subscribeDeclarations();
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7']);
    await w.engine.runOnce();
    const messageId = (await search(w.owner, d.seqNo)).pushes.items[0].messageId as string;

    // the broker sent the declaration and may see it, but not the owner's pushes nor its subscription
    const theirs = await search(w.broker, d.seqNo);
    expect(theirs.pushes.total).toBe(0);
    expect(theirs.subscriptions).toEqual([]);
    for (const q of [messageId, w.owner.clientId]) {
      const r = await search(w.broker, q);
      expect(r.matchedAs).toBe('none');
      expect(r.pushes.items).toEqual([]);
      expect(r.declarations).toEqual([]);
    }
    const bySub = await search(w.broker, String(subscriptionId));
    expect(
      bySub.pushes.items.filter(
        (p: { subscriptionId: number; subscriptionKind: string }) =>
          p.subscriptionKind === 'declaration' && p.subscriptionId === subscriptionId,
      ),
    ).toEqual([]);
    expect(bySub.subscriptions.filter((s: { kind: string }) => s.kind === 'declaration')).toEqual([]);
    expect((await w.call(null, 'GET', `/api/v1/events?q=${d.seqNo}`)).status).toBe(401);
    expect((await w.call(w.owner, 'GET', '/api/v1/events')).status).toBe(400);
  });
});
