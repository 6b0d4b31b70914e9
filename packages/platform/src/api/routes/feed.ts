/** The app (掌上海关) and WeChat (微信小程序) message feed of an enterprise: receipt pushes by those methods. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FeedMessageView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import { bearer, errorResponses, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

export async function feedRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);
  app.get(
    '/api/v1/feed',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'your enterprise’s app/WeChat message feed, newest first',
        querystring: ListParams.extend({ channel: z.enum(['app', 'wechat']).optional() }),
        response: { 200: listOf(FeedMessageView), ...errorResponses },
      },
    },
    async (req) => {
      const r = await deps.store.feed.list(actorOf(req).enterpriseCode, req.query.channel, listQuery(req.query));
      return { items: r.rows.map(({ enterpriseCode: _e, pushId: _p, ...rest }) => rest), total: r.total };
    },
  );
}
