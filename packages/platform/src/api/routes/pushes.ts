/** 推送记录 (push log), 重发已推送数据 (resend), background jobs, and webhook endpoints. */
import { chinaDateTime } from '@osw/messages';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  JobView,
  PushDetailView,
  PushStatus,
  PushView,
  ResendJobView,
  ResendView,
  WebhookDeliveryView,
  WebhookListView,
  WebhookTestView,
  WebhookView,
} from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import { DEFAULT_PUSH_POLICY, type WebhookPort } from '../../core/push/ports.js';
import { notFound, problem } from '../../core/problem.js';
import { pushJobOf, RESEND_IDS_MAX, resendPushes, startBulkResend, type PushFilter } from '../../core/push/resend.js';
import { createWebhook, disableWebhook, enableWebhook, rotateWebhookSecret, sendWebhookTestEvent } from '../../core/push/webhooks.js';
import type { PushJobRow, PushRow, WebhookEndpointRow } from '../../core/store.js';
import { maskPhone } from '../../core/sms/verification-codes.js';
import { startOfDay, endOfDay } from '../../core/subscriptions/validity.js';
import { chinaCell, CsvParams, sendCsv, type CsvColumn } from './csv.js';
import { bearer, errorResponses, IdParam, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

const STATUS_TEXT = { pending: '待下发', delivered: '下发成功', failed: '下发失败', suspended: '已暂停' } as const;
const CLIENT_OUTCOME_TEXT = { written: '已写入', dropped: '重复投递已丢弃', rejected: '无法写入已拒收' } as const;
const METHOD_TEXT = { client: '客户端', sms: '短信', app: '掌上海关APP', wechat: '微信小程序', webhook: 'Webhook' } as const;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date of the form yyyy-MM-dd');
const Filter = z.object({
  manualNo: z.string().max(32).optional().describe('账册号'),
  documentNo: z.string().max(32).optional().describe('单据号 (统一编号)'),
  clientId: z.string().max(32).optional().describe('下发客户端ID'),
  status: PushStatus.optional(),
  from: day.optional().describe('first day (China time) of the push date'),
  to: day.optional().describe('last day (China time) of the push date'),
});

function filterOf(f: z.infer<typeof Filter>): PushFilter {
  return {
    manualNo: f.manualNo,
    documentNo: f.documentNo,
    clientId: f.clientId,
    status: f.status,
    createdFrom: f.from ? startOfDay(f.from) : undefined,
    createdBefore: f.to ? endOfDay(f.to) : undefined,
  };
}

const STATUS_EN = { pending: 'pending', delivered: 'delivered', failed: 'failed', suspended: 'suspended' } as const;
const CLIENT_OUTCOME_EN = { written: 'written', dropped: 'redelivery dropped', rejected: 'rejected' } as const;

/** the push log's CSV: the columns of the console's table and the ids that link a row to its subscription */
function pushColumns(lang: 'zh' | 'en'): CsvColumn<PushRow>[] {
  const en = lang === 'en';
  return [
    { zh: '报文ID', en: 'Message ID', cell: (p) => p.messageId },
    { zh: '账册号', en: 'Manual no.', cell: (p) => p.manualNo },
    { zh: '单据号', en: 'Document no.', cell: (p) => p.documentNo },
    { zh: '下发客户端ID', en: 'Client ID', cell: (p) => p.clientId },
    { zh: '推送方式', en: 'Method', cell: (p) => (en ? p.method : METHOD_TEXT[p.method]) },
    { zh: '下发状态', en: 'Status', cell: (p) => (en ? STATUS_EN : STATUS_TEXT)[p.status] },
    {
      zh: '客户端处理',
      en: 'Client outcome',
      cell: (p) => (p.clientOutcome ? (en ? CLIENT_OUTCOME_EN : CLIENT_OUTCOME_TEXT)[p.clientOutcome] : ''),
    },
    { zh: '创建时间', en: 'Created (China time)', cell: (p) => chinaCell(p.createdAt) },
    { zh: '下发时间', en: 'Delivered (China time)', cell: (p) => chinaCell(p.deliveredAt) },
    { zh: '重发标识', en: 'Resent', cell: (p) => (p.resent ? (en ? 'yes' : '是') : en ? 'no' : '否') },
    { zh: '重发时间', en: 'Resent (China time)', cell: (p) => chinaCell(p.resentAt) },
    { zh: '尝试次数', en: 'Attempts', cell: (p) => p.attempts },
    { zh: '订阅类型', en: 'Subscription kind', cell: (p) => p.subscriptionKind },
    { zh: '订阅ID', en: 'Subscription ID', cell: (p) => p.subscriptionId },
    { zh: '最近错误', en: 'Last error', cell: (p) => p.lastError },
  ];
}

export function pushView(p: PushRow): z.infer<typeof PushView> {
  const target = p.method === 'sms' ? maskPhone(p.targetKey.split(':')[2] ?? '') : p.targetKey.slice(p.targetKey.indexOf(':') + 1);
  return {
    id: p.id,
    messageId: p.messageId,
    manualNo: p.manualNo,
    documentNo: p.documentNo,
    clientId: p.clientId,
    method: p.method,
    methodText: METHOD_TEXT[p.method],
    target,
    source: p.source,
    subscriptionKind: p.subscriptionKind,
    subscriptionId: p.subscriptionId,
    fileName: p.fileName,
    status: p.status,
    statusText: STATUS_TEXT[p.status],
    deliveredAt: p.deliveredAt,
    deliveredAtText: p.deliveredAt ? chinaDateTime(new Date(p.deliveredAt)) : null,
    resent: p.resent,
    resentAt: p.resentAt,
    resendCount: p.resendCount,
    clientOutcome: p.clientOutcome,
    clientOutcomeText: p.clientOutcome ? CLIENT_OUTCOME_TEXT[p.clientOutcome] : null,
    attempts: p.attempts,
    nextAttemptAt: p.status === 'delivered' || p.nextAttemptAt.startsWith('9999') ? null : p.nextAttemptAt,
    lastError: p.lastError,
    payloadKept: p.body !== null,
    createdAt: p.createdAt,
  };
}

export function jobView(j: PushJobRow): z.infer<typeof JobView> {
  const handled = j.doneCount + j.skippedCount;
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    total: j.total,
    done: j.doneCount,
    skipped: j.skippedCount,
    progress: j.total ? Math.min(1, handled / j.total) : 1,
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
    error: j.error,
  };
}

function webhookView(w: WebhookEndpointRow, showSecret = false): z.infer<typeof WebhookView> {
  const { enterpriseCode: _e, ...rest } = w;
  return { ...rest, secret: showSecret ? w.secret : `whsec_…${w.secret.slice(-4)}` };
}

export async function pushRoutes(
  appRoot: FastifyInstance,
  opts: { deps: PlatformDeps; webhook: WebhookPort; webhookTimeoutMs?: number },
): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);

  app.get(
    '/api/v1/pushes',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: '推送记录: pushes to your enterprise’s subscriptions, newest first',
        querystring: ListParams.pick({ page: true, pageSize: true }).extend(Filter.shape),
        response: { 200: listOf(PushView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const { page, pageSize, ...f } = req.query;
      const r = await deps.store.pushes.list({ ...listQuery({ page, pageSize }), ...filterOf(f), enterpriseCode: actor.enterpriseCode });
      return { items: r.rows.map(pushView), total: r.total };
    },
  );

  app.get(
    '/api/v1/pushes/export',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: '推送记录 as CSV: every push the filter matches (all pages, at most 50,000 rows), UTF-8 with BOM, China time',
        description:
          'The same filters as GET /api/v1/pushes. Headers in `lang` (else Accept-Language). `X-Export-Rows` says how many rows, `X-Export-Truncated: true` that more matched than the bound.',
        querystring: Filter.extend(CsvParams.shape),
        response: { ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { lang, ...f } = req.query;
      const filter = { ...filterOf(f), enterpriseCode: actor.enterpriseCode };
      return sendCsv(req, reply, {
        fileName: 'pushes',
        lang,
        columns: pushColumns,
        page: (offset, limit) => deps.store.pushes.list({ ...filter, offset, limit }),
      });
    },
  );

  app.get(
    '/api/v1/pushes/:id',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'one push with every attempt and its payload as pushed',
        params: IdParam,
        response: {
          200: PushDetailView,
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const p = await deps.store.pushes.get(req.params.id);
      if (!p || p.enterpriseCode !== actor.enterpriseCode) throw notFound('推送记录', 'push', req.params.id);
      const attempts = await deps.store.pushes.listAttempts(p.id);
      const payloadType: 'xml' | 'text' | 'json' = p.method === 'client' ? 'xml' : p.method === 'sms' ? 'text' : 'json';
      return {
        ...pushView(p),
        attemptLog: attempts.map(({ at, outcome, error, durationMs, resend, clientOutcome }) => ({
          at,
          outcome,
          error,
          durationMs,
          resend: resend ?? null,
          clientOutcome: clientOutcome ?? null,
        })),
        payload: p.body,
        payloadType,
      };
    },
  );

  app.post(
    '/api/v1/pushes/resend',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: '重发已推送数据: resend chosen pushes ({ids}) at once, or every push matching {filter} as a background job',
        description:
          'A resend keeps the message id and sets 重发标识/重发时间; a client push goes out marked as its next resend attempt under a new file stamp, and the client writes it again even if it had the message (a redelivery without the marker is still dropped). Each attempt in the push log says what the client did (written, dropped, rejected). With a filter the answer is 202 and a job to follow at GET /api/v1/jobs/{id}.',
        body: z.object({ ids: z.array(z.number().int().positive()).min(1).max(RESEND_IDS_MAX).optional(), filter: Filter.optional() }),
        response: {
          200: ResendView,
          202: ResendJobView,
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { ids, filter } = req.body;
      if ((ids ? 1 : 0) + (filter ? 1 : 0) !== 1)
        throw problem('OSW_VALIDATION', '请给出ids或filter之一', 'give exactly one of ids or filter');
      if (ids) return resendPushes(deps, actor, ids);
      const job = await startBulkResend(deps, actor, filterOf(filter!));
      return reply.status(202).send({ job: jobView(job) });
    },
  );

  app.get(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'a background job and its progress',
        params: IdParam,
        response: { 200: JobView, ...errorResponses },
      },
    },
    async (req) => jobView(await pushJobOf(deps.store, actorOf(req).enterpriseCode, req.params.id)),
  );

  app.post(
    '/api/v1/webhooks',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'attach an HTTPS webhook endpoint to one of your subscriptions (Standard Webhooks signatures)',
        description:
          'Loopback, link-local, private and reserved addresses are refused (OSW_PUSH_WEBHOOK_URL), for the host as written and for every address its name resolves to, unless the platform configuration allows them (push.webhookAllowPrivate).',
        body: z.object({
          subscriptionKind: z.enum(['declaration', 'receipt', 'manual']),
          subscriptionId: z.number().int().positive(),
          url: z.string().min(8).max(2000),
        }),
        response: { 201: WebhookView, ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send(webhookView(await createWebhook({ ...deps, webhook: opts.webhook }, actorOf(req), req.body), true)),
  );

  app.get(
    '/api/v1/webhooks',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'your webhook endpoints (secrets masked)',
        response: { 200: WebhookListView, ...errorResponses },
      },
    },
    async (req) => ({ items: (await deps.store.webhooks.list(actorOf(req).enterpriseCode)).map((w) => webhookView(w)) }),
  );

  app.post(
    '/api/v1/webhooks/:id/disable',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'stop pushing to a webhook endpoint',
        params: IdParam,
        response: { 200: WebhookView, ...errorResponses },
      },
    },
    async (req) => webhookView(await disableWebhook(deps, actorOf(req), req.params.id)),
  );

  app.post(
    '/api/v1/webhooks/:id/enable',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'push to a disabled webhook endpoint again (its URL is checked again: OSW_PUSH_WEBHOOK_URL)',
        params: IdParam,
        response: { 200: WebhookView, ...errorResponses },
      },
    },
    async (req) => webhookView(await enableWebhook({ ...deps, webhook: opts.webhook }, actorOf(req), req.params.id)),
  );

  app.post(
    '/api/v1/webhooks/:id/rotate-secret',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'a new signing secret, shown in full this once; the old one signs nothing from now on',
        description: 'Pushes still waiting for a retry are signed with the new secret when they go out.',
        params: IdParam,
        response: { 200: WebhookView, ...errorResponses },
      },
    },
    async (req) => webhookView(await rotateWebhookSecret(deps, actorOf(req), req.params.id), true),
  );

  app.post(
    '/api/v1/webhooks/:id/test',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'send a signed webhook.test event to the endpoint now and say what it answered',
        description:
          'The body is `{type: "webhook.test", messageId, timestamp, data: {webhookId, subscriptionKind, subscriptionId, account}}`, signed like every push. The URL goes through the same address checks as a push (400 OSW_PUSH_WEBHOOK_URL when its host is or now resolves to a refused address). Not retried, not in the push log; the audit log keeps it. A disabled endpoint may be tested.',
        params: IdParam,
        response: { 200: WebhookTestView, ...errorResponses },
      },
    },
    async (req) =>
      sendWebhookTestEvent(
        { ...deps, webhook: opts.webhook },
        actorOf(req),
        req.params.id,
        opts.webhookTimeoutMs ?? DEFAULT_PUSH_POLICY.webhookTimeoutMs,
      ),
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['pushes'],
        security: bearer,
        summary: 'the delivery log of one webhook endpoint: its pushes, newest first, each with its attempts',
        params: IdParam,
        querystring: ListParams.pick({ page: true, pageSize: true }),
        response: { 200: listOf(WebhookDeliveryView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const w = await deps.store.webhooks.get(req.params.id);
      if (!w || w.enterpriseCode !== actor.enterpriseCode) throw notFound('推送地址', 'webhook', req.params.id);
      const r = await deps.store.pushes.list({
        ...listQuery({ page: req.query.page, pageSize: req.query.pageSize }),
        enterpriseCode: actor.enterpriseCode,
        targetKey: `webhook:${w.id}`,
      });
      const items = [];
      for (const p of r.rows) {
        const attempts = await deps.store.pushes.listAttempts(p.id);
        items.push({
          ...pushView(p),
          attemptLog: attempts.map(({ at, outcome, error, durationMs }) => ({ at, outcome, error, durationMs })),
        });
      }
      return { items, total: r.total };
    },
  );
}
