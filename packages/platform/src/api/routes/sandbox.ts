/** The customs sandbox through the API: issue a chosen receipt now; manual change requests and their approval. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ManualChangeBody, ManualItemChange } from '@osw/messages/forms';
import { z } from 'zod';
import type { PlatformDeps } from '../../core/ports.js';
import type { ManualChangeRow } from '../../core/store.js';
import { issueChosenReceipt } from '../../core/sandbox/customs.js';
import { approveManualChange, MANUAL_HEAD_FIELDS, manualOf, requestManualChange } from '../../core/sandbox/manuals.js';
import { bearer, errorResponses, IdParam, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

const ItemChange = ManualItemChange;

const ChangeView = z
  .object({
    id: z.number().int(),
    manualNo: z.string(),
    account: z.string(),
    change: z.object({ head: z.record(z.string(), z.string()).optional(), items: z.array(ItemChange.extend({ serial: z.number().int().optional() })).optional() }),
    autoApprove: z.boolean(),
    status: z.enum(['pending', 'approved']),
    version: z.number().int().nullable().describe('the manual’s version after approval'),
    requestedAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .describe('manual change request');

function changeView(c: ManualChangeRow): z.infer<typeof ChangeView> {
  const { enterpriseCode: _e, ...rest } = c;
  return rest as z.infer<typeof ChangeView>;
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
        response: { 201: z.object({ seqNo: z.string(), channel: z.string(), fileName: z.string(), pushes: z.number().int().optional() }), ...errorResponses },
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
        response: {
          200: z.object({
            items: z.array(z.object({ manualNo: z.string(), version: z.number().int(), head: z.record(z.string(), z.string()), imgCount: z.number().int().describe('料件 rows'), exgCount: z.number().int().describe('成品 rows'), createdAt: z.string() })),
            total: z.number().int(),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const manuals = await deps.store.manuals.list(actorOf(req).enterpriseCode);
      const items = [];
      for (const m of manuals) {
        const rows = await deps.store.manuals.listItems(m.manualNo);
        items.push({ manualNo: m.manualNo, version: m.version, head: m.head, imgCount: rows.filter((r) => r.kind === 'img').length, exgCount: rows.filter((r) => r.kind === 'exg').length, createdAt: m.createdAt });
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
        response: { 200: z.object({ manualNo: z.string(), version: z.number().int(), head: z.record(z.string(), z.string()), items: z.array(z.record(z.string(), z.unknown())) }), ...errorResponses },
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
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary: 'customs sandbox: request a manual change (head fields, 料件/成品 rows); approved after the sandbox delay unless autoApprove is false',
        description: `Changeable head fields: ${MANUAL_HEAD_FIELDS.join(', ')}.`,
        params: z.object({ manualNo: z.string().max(16) }),
        body: ManualChangeBody,
        response: { 201: ChangeView, ...errorResponses },
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
      schema: { tags: ['sandbox'], security: bearer, summary: 'change requests of a manual, newest first', params: z.object({ manualNo: z.string().max(16) }), querystring: ListParams, response: { 200: listOf(ChangeView), ...errorResponses } },
    },
    async (req) => {
      const m = await manualOf(deps.store, actorOf(req).enterpriseCode, req.params.manualNo);
      const r = await deps.store.sandbox.listManualChanges(m.manualNo, listQuery(req.query));
      return { items: r.rows.map(changeView), total: r.total };
    },
  );

  app.post(
    '/api/v1/sandbox/manual-changes/:id/approve',
    { schema: { tags: ['sandbox'], security: bearer, summary: 'customs sandbox: approve a change request now (审批通过)', params: IdParam, response: { 200: ChangeView, ...errorResponses } } },
    async (req) => changeView(await approveManualChange(deps, actorOf(req), req.params.id)),
  );
}
