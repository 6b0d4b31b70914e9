/** IC卡: the enterprise's cards with their validity and lock state. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CardView } from '../../contract/index.js';
import { cardExpired } from '../../core/identity/registry.js';
import type { PlatformDeps } from '../../core/ports.js';
import { actor as actorOf, bearer, errorResponses, listOf, requireSession } from './common.js';

export async function cardRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);
  app.get(
    '/api/v1/cards',
    {
      schema: {
        tags: ['cards'],
        security: bearer,
        summary: 'your enterprise’s IC cards: kind, holder, locked, 有效期 (validUntil) and whether it has passed',
        description:
          'The customs sandbox refuses a declaration signed with a locked or expired card: 非白名单用户或者ic卡号不合法 (docs/sandbox.md).',
        response: { 200: listOf(CardView), ...errorResponses },
      },
    },
    async (req) => {
      const now = deps.clock.now();
      const cards = await deps.store.identity.listCards(actorOf(req).enterpriseCode);
      return {
        items: cards.map((c) => ({
          cardNo: c.cardNo,
          kind: c.kind,
          holderAccount: c.holderAccount,
          locked: c.locked,
          validUntil: c.validUntil,
          expired: cardExpired(c, now),
          createdAt: c.createdAt,
        })),
        total: cards.length,
      };
    },
  );
}
