/** 事件日志 (event log): one search box over declarations, receipts, pushes and subscriptions, linked. */
import { chinaDateTime } from '@osw/messages';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EventSearchView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import { searchEvents } from '../../core/events/search.js';
import { pushView } from './pushes.js';
import { bearer, errorResponses, ListParams, actor as actorOf, requireSession } from './common.js';

const china = (iso: string) => chinaDateTime(new Date(iso));

export async function eventRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);

  app.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary:
          '事件日志: search by 统一编号/海关编号, 报文ID, 客户端ID, 订阅ID or 账册号; the declaration, its receipts, the pushes and their subscriptions',
        description:
          'Only the operator’s enterprise’s records: its pushes, the declarations it sent or is named in, its subscriptions. The pushes are paged (`page`, `pageSize`); declarations and subscriptions are those the page links to.',
        querystring: ListParams.pick({ page: true, pageSize: true }).extend({ q: z.string().max(64).describe('the search term') }),
        response: { 200: EventSearchView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const { q, page, pageSize } = req.query;
      const r = await searchEvents(deps.store, actor, q, { offset: (page - 1) * pageSize, limit: pageSize }, deps.clock.now());
      return {
        query: q.trim(),
        matchedAs: r.matchedAs,
        declarations: r.declarations.map((d) => ({
          seqNo: d.seqNo,
          entryId: d.entryId,
          channel: d.channel,
          senderClientId: d.senderClientId,
          declaredAt: d.declaredAt,
          declaredAtText: china(d.declaredAt),
          receipts: d.receipts.map((x) => ({ ...x, createdAtText: china(x.createdAt) })),
        })),
        pushes: { items: r.pushes.map(pushView), total: r.pushTotal },
        subscriptions: r.subscriptions.map((s) => ({ ...s, createdAtText: china(s.createdAt) })),
      };
    },
  );
}
