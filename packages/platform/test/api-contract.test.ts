/**
 * The REST API answers with the views of its contract (`src/contract`, `@osw/platform/contract`),
 * and the web console takes its types from the same schemas (packages/web/src/api/types.ts): a view
 * that is not what a route answers, or a route that answers a schema of its own, fails here; a
 * console that reads a field the view lacks fails `tsc`.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registerOpenApi } from '../src/api/openapi.js';
import { restRoutes } from '../src/api/rest-routes.js';
import * as contract from '../src/contract/index.js';
import { CONNECTED_WITHIN_MS } from '../src/core/clients/live-status.js';
import type { PlatformDeps } from '../src/core/ports.js';
import type { AlertEvaluator } from '../src/core/alerts/alerts.js';

/** Every schema inside a zod schema: object fields, array elements, optional/nullable, unions, records. */
function schemasIn(root: z.ZodType, found = new Set<z.ZodType>()): Set<z.ZodType> {
  if (found.has(root)) return found;
  found.add(root);
  const def = root._zod.def as unknown as Record<string, unknown>;
  const children: unknown[] = [def.innerType, def.element, def.keyType, def.valueType, def.in, def.out, def.left, def.right];
  if (def.type === 'object') children.push(...Object.values(def.shape as Record<string, unknown>));
  if (Array.isArray(def.options)) children.push(...def.options);
  for (const c of children) if (c instanceof z.ZodType) schemasIn(c, found);
  return found;
}

/** The contract's schemas by their exported names (listOf is a function, not a schema). */
const VIEWS = (Object.entries(contract) as [string, unknown][]).filter((e): e is [string, z.ZodType] => e[1] instanceof z.ZodType);

/** The routes' answers as the OpenAPI document describes them: method, path, status, the contract's view. */
const KEY_ROUTES: [string, string, string, z.ZodType][] = [
  ['post', '/api/v1/session', '200', contract.SessionView],
  ['get', '/api/v1/declarations/{seqNo}', '200', contract.DeclarationDetailView],
  ['post', '/api/v1/clients', '201', contract.AppliedClientView],
  ['get', '/api/v1/clients/{clientId}', '200', contract.ClientWithLiveView],
  ['get', '/api/v1/subscriptions/declaration/{id}', '200', contract.DeclarationSubscriptionView],
  ['get', '/api/v1/subscriptions/receipt/{id}', '200', contract.ReceiptSubscriptionView],
  ['get', '/api/v1/subscriptions/manual/{id}', '200', contract.ManualSubscriptionView],
  ['get', '/api/v1/pushes/{id}', '200', contract.PushDetailView],
  ['get', '/api/v1/jobs/{id}', '200', contract.JobView],
  ['get', '/api/v1/sandbox/manuals/{manualNo}', '200', contract.ManualView],
  ['get', '/api/v1/dead-letters', '200', contract.DeadLetterListView],
  ['get', '/api/v1/alerts', '200', contract.AlertListView],
  ['get', '/api/v1/alerts/settings', '200', contract.AlertSettingsView],
];

/** Lists answer `listOf(view)`: the document's `items` are the view. */
const KEY_LISTS: [string, z.ZodType][] = [
  ['/api/v1/declarations', contract.DeclarationView],
  ['/api/v1/clients', contract.ClientWithLiveView],
  ['/api/v1/pushes', contract.PushView],
  ['/api/v1/feed', contract.FeedMessageView],
  ['/api/v1/sms/outbox', contract.SmsOutboxView],
  ['/api/v1/audit', contract.AuditEntryView],
  ['/api/v1/cards', contract.CardView],
];

/** A view as the OpenAPI document should show it: without `$schema`, a `const` written as a one-value `enum`. */
function documented(view: z.ZodType): unknown {
  const { $schema: _s, ...schema } = z.toJSONSchema(view, { io: 'output' });
  return JSON.parse(JSON.stringify(schema), (_key, value) => {
    if (!value || typeof value !== 'object' || !('const' in value)) return value;
    const { const: only, ...rest } = value;
    return { ...rest, enum: [only] };
  });
}

describe('the REST API answers with its contract', () => {
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];
  let doc: {
    paths: Record<
      string,
      Record<
        string,
        { responses: Record<string, { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } }> }
      >
    >;
  };

  beforeAll(async () => {
    // the REST routes as app.ts registers them; no request reaches a handler, so the deps stay empty
    app = Fastify();
    app.addHook('onRoute', (r) => void routes.push(r));
    await registerOpenApi(app);
    await app.register(restRoutes, {
      deps: {} as PlatformDeps,
      sms: { name: 'none', send: async () => undefined },
      webhook: { checkTarget: async () => undefined, post: async () => ({ status: 200 }) },
      smsOutbox: true,
      alerts: { evaluator: {} as AlertEvaluator, mail: false },
    });
    await app.ready();
    doc = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("every schema of the contract is part of some route's answer", () => {
    const answered = new Set<z.ZodType>();
    for (const r of routes) for (const s of Object.values((r.schema?.response ?? {}) as Record<string, z.ZodType>)) schemasIn(s, answered);
    expect(VIEWS.length).toBeGreaterThan(30);
    expect(VIEWS.filter(([, view]) => !answered.has(view)).map(([name]) => name)).toEqual([]);
  });

  it('every REST route answers with schemas of the contract, not schemas of its own', () => {
    const views = new Set(VIEWS.map(([, v]) => v));
    const own: string[] = [];
    for (const r of routes.filter((x) => x.url.startsWith('/api/v1/'))) {
      for (const [status, s] of Object.entries((r.schema?.response ?? {}) as Record<string, z.ZodType>)) {
        // an answer is a view, or a list of one (listOf)
        const def = s._zod.def as unknown as { type: string; shape?: Record<string, z.ZodType> };
        const item =
          def.type === 'object' && def.shape?.items && def.shape.total
            ? (def.shape.items._zod.def as unknown as { element: z.ZodType }).element
            : undefined;
        if (!views.has(s) && !(item && views.has(item))) own.push(`${r.method} ${r.url} ${status}`);
      }
    }
    expect(own).toEqual([]);
  });

  it("the OpenAPI document describes the key routes with the contract's views", () => {
    for (const [method, path, status, view] of KEY_ROUTES) {
      const schema = doc.paths[path]?.[method]?.responses[status]?.content['application/json'].schema;
      expect(schema, `${method.toUpperCase()} ${path} ${status}`).toEqual(documented(view));
    }
    for (const [path, view] of KEY_LISTS) {
      const schema = doc.paths[path]?.get?.responses['200']?.content['application/json'].schema;
      expect(schema?.properties.items, `GET ${path}`).toEqual({ type: 'array', items: documented(view) });
    }
  });

  it('the live status says how recent "connected" is, as the platform counts it', () => {
    expect(contract.ClientLiveView.shape.connected.description).toContain(`within ${CONNECTED_WITHIN_MS / 1000} s`);
  });
});
