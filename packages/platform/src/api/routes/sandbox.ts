/** The customs sandbox through the API: issue a chosen receipt now; manual change requests and their approval. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ManualChangeBody } from '@osw/messages/forms';
import { z } from 'zod';
import { IssuedReceiptView, ManualChangeView, ManualSummaryListView, ManualView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import type { ManualChangeRow } from '../../core/store.js';
import { issueChosenReceipt } from '../../core/sandbox/customs.js';
import { approveManualChange, MANUAL_HEAD_FIELDS, manualOf, requestManualChange } from '../../core/sandbox/manuals.js';
import { bearer, errorResponses, IdParam, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

function changeView(c: ManualChangeRow): z.infer<typeof ManualChangeView> {
  const { enterpriseCode: _e, ...rest } = c;
  return rest as z.infer<typeof ManualChangeView>;
}

export async function sandboxRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);

  app.post(
    '/api/v1/sandbox/declarations/:seqNo/receipts',
    {
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary: 'customs sandbox: issue a chosen receipt (CHANNEL) on a declaration now',
        params: z.object({ seqNo: z.string().max(32).describe('统一编号 or 海关编号') }),
        body: z.object({ channel: z.string().min(1).max(3), note: z.string().max(500).optional() }),
        response: { 201: IssuedReceiptView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const r = await issueChosenReceipt(deps, actorOf(req), req.params.seqNo, req.body.channel, req.body.note);
      return reply.status(201).send({ seqNo: r.seqNo, channel: r.channel, fileName: r.fileName, pushes: r.pushes });
    },
  );

  app.get(
    '/api/v1/sandbox/manuals',
    {
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary: 'the manuals (加工贸易账册) of your enterprise with their version and row counts',
        response: { 200: ManualSummaryListView, ...errorResponses },
      },
    },
    async (req) => {
      const manuals = await deps.store.manuals.list(actorOf(req).enterpriseCode);
      const items = [];
      for (const m of manuals) {
        const rows = await deps.store.manuals.listItems(m.manualNo);
        items.push({
          manualNo: m.manualNo,
          version: m.version,
          head: m.head,
          imgCount: rows.filter((r) => r.kind === 'img').length,
          exgCount: rows.filter((r) => r.kind === 'exg').length,
          createdAt: m.createdAt,
        });
      }
      return { items, total: items.length };
    },
  );

  app.get(
    '/api/v1/sandbox/manuals/:manualNo',
    {
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary: 'a manual of your enterprise: head, version, 料件 and 成品',
        params: z.object({ manualNo: z.string().max(16) }),
        response: { 200: ManualView, ...errorResponses },
      },
    },
    async (req) => {
      const m = await manualOf(deps.store, actorOf(req).enterpriseCode, req.params.manualNo);
      const items = await deps.store.manuals.listItems(m.manualNo);
      return { manualNo: m.manualNo, version: m.version, head: m.head, items: items.map(({ manualNo: _m, ...rest }) => rest) };
    },
  );

  app.post(
    '/api/v1/sandbox/manuals/:manualNo/changes',
    {
      // up to 1000 rows
      bodyLimit: 1024 * 1024,
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary:
          'customs sandbox: request a manual change (head fields, 料件/成品 rows); approved after the sandbox delay unless autoApprove is false',
        description: `Changeable head fields: ${MANUAL_HEAD_FIELDS.join(', ')}.`,
        params: z.object({ manualNo: z.string().max(16) }),
        body: ManualChangeBody,
        response: { 201: ManualChangeView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { head, items, autoApprove } = req.body;
      const row = await requestManualChange(deps, actorOf(req), req.params.manualNo, { head, items: items as never }, { autoApprove });
      return reply.status(201).send(changeView(row));
    },
  );

  app.get(
    '/api/v1/sandbox/manuals/:manualNo/changes',
    {
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary: 'change requests of a manual, newest first',
        params: z.object({ manualNo: z.string().max(16) }),
        querystring: ListParams,
        response: { 200: listOf(ManualChangeView), ...errorResponses },
      },
    },
    async (req) => {
      const m = await manualOf(deps.store, actorOf(req).enterpriseCode, req.params.manualNo);
      const r = await deps.store.sandbox.listManualChanges(m.manualNo, listQuery(req.query));
      return { items: r.rows.map(changeView), total: r.total };
    },
  );

  app.post(
    '/api/v1/sandbox/manual-changes/:id/approve',
    {
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary: 'customs sandbox: approve a change request now (审批通过)',
        params: IdParam,
        response: { 200: ManualChangeView, ...errorResponses },
      },
    },
    async (req) => changeView(await approveManualChange(deps, actorOf(req), req.params.id)),
  );
}
