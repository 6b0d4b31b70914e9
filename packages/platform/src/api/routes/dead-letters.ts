/**
 * 死信: messages the RabbitMQ exchange gave up on (an import that kept failing until the queue's
 * delivery limit, a receipt or push that could not be delivered), with the broker's reason. An
 * operator sees the dead letters of its own enterprise's clients only. With the HTTP exchange there
 * is no dead-letter queue: the list is empty and says `exchange: "http"`.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeadLetterListView, DeadLetterView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import { actor as actorOf, bearer, errorResponses, requireSession } from './common.js';

const MAX_SCAN = 2000;

export async function deadLetterRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);
  app.get(
    '/api/v1/dead-letters',
    {
      schema: {
        tags: ['dead-letters'],
        security: bearer,
        summary: "dead letters (死信) of your enterprise's clients, with the broker's reason; oldest first",
        description:
          "Peeks at the RabbitMQ dead-letter queue `osw.dead-letter` (the messages stay there) and keeps those of your enterprise's clients. " +
          'With the HTTP exchange only, answers an empty list with `exchange: "http"`.',
        querystring: z.object({
          clientId: z.string().max(32).optional().describe("only this client's dead letters"),
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(MAX_SCAN)
            .default(500)
            .describe('messages of the dead-letter queue to look at, oldest first'),
        }),
        response: { 200: DeadLetterListView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const queue = deps.deadLetters;
      if (!queue) return { exchange: 'http' as const, items: [], total: 0, scanned: 0 };
      const all = await queue.deadLetters(req.query.limit);
      const owner = new Map<string, string | undefined>();
      const items: z.infer<typeof DeadLetterView>[] = [];
      for (const d of all) {
        if (!d.clientId || !d.queue) continue;
        if (req.query.clientId && d.clientId !== req.query.clientId) continue;
        if (!owner.has(d.clientId)) owner.set(d.clientId, (await deps.store.clients.get(d.clientId))?.enterpriseCode);
        if (owner.get(d.clientId) !== actor.enterpriseCode) continue;
        items.push({
          clientId: d.clientId,
          queue: d.queue,
          direction: d.queue.startsWith('Q_Recv') ? 'receive' : 'send',
          messageId: d.messageId,
          fileName: d.fileName,
          reason: d.reason,
          count: d.count,
        });
      }
      return { exchange: 'amqp' as const, items, total: items.length, scanned: all.length };
    },
  );
}
