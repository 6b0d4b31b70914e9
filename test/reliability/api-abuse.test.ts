/**
 * API abuse, route by route from the OpenAPI description: no or bad tokens, malformed JSON,
 * oversized bodies, SQL-ish and path-ish strings in every parameter, another enterprise's ids.
 * Every answer must be a clean 4xx with a stable code — never a 5xx, never another enterprise's data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiWorld, type ApiWorld } from '../../packages/platform/test/api-world.js';
import { record } from './report.js';

const NASTY = [
  "' OR 1=1 --",
  '1; DROP TABLE clients;',
  '../../etc/passwd',
  '%00',
  '<script>alert(1)</script>',
  'E2026' + '9'.repeat(200),
  '报关单',
];
const OPEN_ROUTES = new Set(['POST /api/v1/session', 'GET /api/v1/health']);

describe('reliability: API abuse on every route', () => {
  let w: ApiWorld;
  let routes: { method: 'GET' | 'POST'; path: string }[] = [];
  const tried = { calls: 0 };
  beforeAll(async () => {
    w = await apiWorld();
    const doc = (await w.call(null, 'GET', '/api/docs/json')).body;
    routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => m === 'get' || m === 'post')
        .map((m) => ({ method: m.toUpperCase() as 'GET' | 'POST', path: p })),
    );
  });
  afterAll(async () => {
    record({ test: 'API abuse on every route', badInputs: tried.calls, lost: 0, duplicates: 0 });
    await w?.close();
  });

  const fill = (p: string, value: string) => p.replace(/\{[^}]+\}/g, encodeURIComponent(value));
  const clean4xx = (r: { status: number; body: any }, what: string) => {
    tried.calls++;
    expect(r.status, `${what}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
    expect(r.status, what).toBeLessThan(500);
    expect(typeof r.body?.error?.code, what).toBe('string');
    expect(r.body.error.code, what).toMatch(/^(OSW_[A-Z0-9_]+|C\d+)$/);
  };

  it('finds the routes in the OpenAPI description', () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it('without a session, with a garbage token or an expired one: 401 on every protected route', async () => {
    const expired = w.broker.token;
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (OPEN_ROUTES.has(key) || r.path.startsWith('/api/docs')) continue;
      clean4xx(await w.call(null, r.method, fill(r.path, 'x'), r.method === 'POST' ? {} : undefined), `${key} without a token`);
      const garbage = await w.call(null, r.method, fill(r.path, 'x'), r.method === 'POST' ? {} : undefined, {
        authorization: 'Bearer not-a-token',
      });
      clean4xx(garbage, `${key} with a garbage token`);
      expect(garbage.status).toBe(401);
    }
    // sessions expire after 12 hours
    w.advance(13 * 3_600_000);
    const r = await w.call(null, 'GET', '/api/v1/clients', undefined, { authorization: `Bearer ${expired}` });
    clean4xx(r, 'expired token');
    expect(r.status).toBe(401);
  });

  it('malformed JSON and oversized bodies: 400 / 413 with a code', async () => {
    for (const r of routes.filter((x) => x.method === 'POST')) {
      const key = `POST ${r.path}`;
      const res = await w.app.inject({
        method: 'POST',
        url: fill(r.path, 'x'),
        headers: { authorization: `Bearer ${w.owner.token}`, 'content-type': 'application/json' },
        payload: '{"unclosed": [1, 2',
      });
      clean4xx({ status: res.statusCode, body: res.json() }, `${key} malformed JSON`);
      const big = await w.app.inject({
        method: 'POST',
        url: fill(r.path, 'x'),
        headers: { authorization: `Bearer ${w.owner.token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ junk: 'x'.repeat(2 * 1024 * 1024) }),
      });
      clean4xx({ status: big.statusCode, body: big.json() }, `${key} 2 MiB body`);
    }
  });

  it('SQL-ish, path-ish and oversized strings in every path parameter and filter', async () => {
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (OPEN_ROUTES.has(key) || r.path.startsWith('/api/docs')) continue;
      for (const v of NASTY) {
        if (r.path.includes('{')) {
          const res = await w.call(
            w.owner,
            r.method,
            fill(r.path, v),
            r.method === 'POST' ? { card: { cardNo: v, pin: v }, validUntil: v } : undefined,
          );
          clean4xx(res, `${key} with ${v}`);
        } else if (r.method === 'GET') {
          const res = await w.call(
            w.owner,
            'GET',
            `${r.path}?status=${encodeURIComponent(v)}&clientId=${encodeURIComponent(v)}&from=${encodeURIComponent(v)}&page=${encodeURIComponent(v)}`,
          );
          tried.calls++;
          expect(res.status, `${key} filters ${v}`).toBeLessThan(500);
        } else {
          const res = await w.call(w.owner, 'POST', r.path, {
            clientId: v,
            manualNo: v,
            documentNo: v,
            phone: v,
            receiptTypes: [v],
            card: { cardNo: v, pin: v },
          });
          tried.calls++;
          expect(res.status, `${key} body ${v}`).toBeLessThan(500);
        }
      }
    }
    // the tables are intact after all that
    expect((await w.call(w.owner, 'GET', '/api/v1/clients')).body.total).toBe(1);
  });

  it('another enterprise’s ids are not found, never shown', async () => {
    for (const r of routes.filter((x) => x.path.includes('{clientId}'))) {
      const res = await w.call(
        w.broker,
        r.method,
        r.path.replace('{clientId}', w.owner.clientId),
        r.method === 'POST' ? { card: w.legal(w.broker) } : undefined,
      );
      clean4xx(res, `${r.method} ${r.path} with the other enterprise's client`);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain(w.owner.secret);
    }
  });
});
