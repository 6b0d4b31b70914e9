/** 服务地区变更 (FAQ 一.3): the enterprise requests, an operator of the platform decides. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RegionChangeView } from '../../contract/index.js';
import { clientOf } from '../../core/clients/registry.js';
import { decideRegionChange, listRegionChanges, requestRegionChange } from '../../core/clients/region-change.js';
import type { PlatformDeps } from '../../core/ports.js';
import { bearer, CardProof, errorResponses, IdParam, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

const Status = z.enum(['pending', 'approved', 'rejected']);

export async function regionChangeRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);
  const tags = ['clients'];

  app.post(
    '/api/v1/clients/:clientId/region-changes',
    {
      schema: {
        tags,
        security: bearer,
        summary: '服务地区变更申请 — ask the platform to move a client of yours to another 关区 (needs the 法人卡)',
        description:
          'The client keeps its id and history. One request per client waits at a time (409 OSW_REGION_CHANGE_PENDING); ' +
          "the client's own region: 400 OSW_REGION_CHANGE_SAME; another enterprise's client: 404.",
        params: z.object({ clientId: z.string().min(1).max(32) }),
        body: z.object({
          region: z.string().regex(/^\d{4}$/, '关区代码为4位数字，如 5300 (a 4-digit 关区代码, e.g. 5300)'),
          reason: z.string().trim().min(1).max(200),
          card: CardProof,
        }),
        response: { 201: RegionChangeView, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await requestRegionChange(deps, actorOf(req), req.params.clientId, req.body)),
  );

  app.get(
    '/api/v1/region-changes',
    {
      schema: {
        tags,
        security: bearer,
        summary: '服务地区变更申请 — your enterprise’s requests (a platform operator: every enterprise’s); newest first',
        querystring: ListParams.extend({ status: Status.optional(), clientId: z.string().max(32).optional() }),
        response: { 200: listOf(RegionChangeView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      // one client of someone else's answers like one that does not exist
      if (req.query.clientId && actor.role !== 'platform') await clientOf(deps.store, actor.enterpriseCode, req.query.clientId);
      const r = await listRegionChanges(deps.store, actor, {
        ...listQuery(req.query),
        status: req.query.status,
        clientId: req.query.clientId,
      });
      return { items: r.rows, total: r.total };
    },
  );

  for (const [what, approve, summary] of [
    ['approve', true, '审批通过 — the client moves to the new region (platform operators only)'],
    ['reject', false, '驳回 — the client stays where it is (platform operators only)'],
  ] as const)
    app.post(
      `/api/v1/region-changes/:id/${what}`,
      {
        schema: {
          tags,
          security: bearer,
          summary,
          description:
            'Anyone but an operator of the platform (role platform): 403 OSW_PLATFORM_OPERATOR_REQUIRED. A decided request: 409 OSW_REGION_CHANGE_DECIDED.',
          params: IdParam,
          body: z.object({ note: z.string().trim().max(200).optional() }),
          response: { 200: RegionChangeView, ...errorResponses },
        },
      },
      async (req) => decideRegionChange(deps, actorOf(req), req.params.id, { approve, note: req.body.note || undefined }),
    );
}
