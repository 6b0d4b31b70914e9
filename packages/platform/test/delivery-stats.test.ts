/** Per-client delivery charts' data: deliveries per hour and latency p50/p95 over the last 24 h, the enterprise's clients only. */
import { afterEach, describe, expect, it } from 'vitest';
import { percentile } from '../src/core/clients/delivery-stats.js';
import { pushWorld, type PushWorld } from './push-world.js';

let w: PushWorld;
afterEach(async () => w?.close());

describe('delivery stats', () => {
  it('counts the client pushes delivered per hour with their latency; empty before; another enterprise sees none of them', async () => {
    w = await pushWorld();
    const empty = await w.call(w.owner, 'GET', '/api/v1/clients/delivery-stats');
    expect(empty.status).toBe(200);
    expect(empty.body.hours).toHaveLength(24);
    expect(empty.body.clients).toEqual([]);

    const r = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      receiptTypes: ['海关入库', '接单'],
      card: w.legal(w.owner),
    });
    expect(r.status).toBe(201);
    const d = await w.declare();
    await w.receipts(d.seqNo, ['7', 'L']);
    await w.engine.runOnce();
    w.advance(30_000); // the client acknowledges 30 s after the pushes were made
    await w.take(w.owner.clientId);

    const stats = (await w.call(w.owner, 'GET', '/api/v1/clients/delivery-stats')).body;
    expect(stats.hours.at(-1) <= w.now().toISOString()).toBe(true);
    const mine = stats.clients.find((c: { clientId: string }) => c.clientId === w.owner.clientId);
    expect(mine.total).toBe(3);
    expect(mine.delivered.at(-1)).toBe(3);
    expect(mine.delivered.slice(0, -1).every((n: number) => n === 0)).toBe(true);
    expect(mine.p50Ms.at(-1)).toBeGreaterThanOrEqual(30_000);
    expect(mine.p95Ms.at(-1)).toBeGreaterThanOrEqual(mine.p50Ms.at(-1));
    expect(mine.p50Ms[0]).toBeNull();

    const theirs = (await w.call(w.broker, 'GET', '/api/v1/clients/delivery-stats')).body;
    expect(theirs.clients.map((c: { clientId: string }) => c.clientId)).not.toContain(w.owner.clientId);
    // a day later the window has moved past them
    w.advance(25 * 3_600_000);
    expect((await w.call(w.owner, 'GET', '/api/v1/clients/delivery-stats')).body.clients).toEqual([]);
    expect((await w.call(null, 'GET', '/api/v1/clients/delivery-stats')).status).toBe(401);
    expect((await w.call(w.owner, 'GET', '/api/v1/clients/delivery-stats?hours=0')).status).toBe(400);
  });

  it('percentiles by nearest rank', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 95)).toBe(5);
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 95)]).toEqual([50, 95]);
  });
});
