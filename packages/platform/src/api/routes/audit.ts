/** 操作日志: the enterprise's audit log. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AuditEntryView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import { bearer, errorResponses, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

export async function auditRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);
  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        security: bearer,
        summary: 'every change made for your enterprise: who, when, card used, before/after; newest first',
        querystring: ListParams.extend({
          entity: z.string().max(64).optional(),
          entityId: z.string().max(64).optional(),
          action: z.string().max(64).optional().describe('e.g. operator.create, client.region-change.approve'),
        }),
        response: { 200: listOf(AuditEntryView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const r = await deps.store.audit.list(actor.enterpriseCode, {
        ...listQuery(req.query),
        entity: req.query.entity,
        entityId: req.query.entityId,
        action: req.query.action,
      });
      return { items: r.rows.map(({ enterpriseCode: _e, ...rest }) => rest), total: r.total };
    },
  );
}
