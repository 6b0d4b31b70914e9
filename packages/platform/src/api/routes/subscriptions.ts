/** The three subscription services: 报关单数据订阅, 报关状态订阅, 加工贸易账册数据订阅. */
import { chinaDateTime } from '@osw/messages';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DeclarationSubscriptionBody, ExtendBody, ManualSubscriptionBody, ReceiptSubscriptionBody } from '@osw/messages/forms';
import { z } from 'zod';
import {
  DeclarationSubscriptionView,
  ManualSubscriptionView,
  ReceiptSubscriptionView,
  SubscriptionStatus as Status,
} from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import type { DeclarationSubscriptionRow, ManualSubscriptionRow, ReceiptSubscriptionRow, SerialRange } from '../../core/store.js';
import {
  cancelDeclarationSubscription,
  declarationContent,
  declarationSubscriptionOf,
  extendDeclarationSubscription,
  listDeclarationSubscriptions,
  subscribeDeclarations,
} from '../../core/subscriptions/declaration.js';
import {
  cancelManualSubscription,
  extendManualSubscription,
  listManualSubscriptions,
  manualSubscriptionOf,
  subscribeManual,
  withStockProgress,
  type StockPushProgress,
} from '../../core/subscriptions/manual.js';
import {
  cancelReceiptSubscription,
  extendReceiptSubscription,
  listReceiptSubscriptions,
  receiptStatusAt,
  MODE_NAMES,
  PUSH_METHOD_NAMES,
  receiptContent,
  receiptSubscriptionOf,
  subscribeReceipts,
} from '../../core/subscriptions/receipt.js';
import { statusAt, validityText } from '../../core/subscriptions/validity.js';
import { maskPhone } from '../../core/sms/verification-codes.js';
import { chinaCell, CsvParams, sendCsv, type CsvColumn } from './csv.js';
import { bearer, CardProof, errorResponses, IdParam, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

const STATUS_TEXT = { active: '生效', expired: '已失效', cancelled: '已取消' } as const;
const STATUS_EN = { active: 'active', expired: 'expired', cancelled: 'cancelled' } as const;
/** the filters of an export: the list's, without paging */
const ExportParams = ListParams.pick({ from: true, to: true }).extend(CsvParams.shape);
const exportQuery = (q: { from?: string; to?: string }) => listQuery({ page: 1, pageSize: 1, ...q });
type Status = keyof typeof STATUS_EN;
/** the columns every subscription record's CSV starts with */
function commonColumns<T extends { id: number; clientId: string | null; status: Status; statusText: string; content: string }>(
  lang: 'zh' | 'en',
): CsvColumn<T>[] {
  return [
    { zh: '订阅ID', en: 'Subscription ID', cell: (s) => s.id },
    { zh: '客户端ID', en: 'Client ID', cell: (s) => s.clientId },
    { zh: '订阅内容', en: 'Content', cell: (s) => s.content },
    { zh: '状态', en: 'Status', cell: (s) => (lang === 'en' ? STATUS_EN[s.status] : s.statusText) },
  ];
}
const timeColumns: CsvColumn<{ validUntilText: string | null; createdAt: string; cancelledAt: string | null; operatorCode: string }>[] = [
  { zh: '有效期', en: 'Valid until (China time)', cell: (s) => s.validUntilText },
  { zh: '订阅日期', en: 'Subscribed (China time)', cell: (s) => chinaCell(s.createdAt) },
  { zh: '取消时间', en: 'Cancelled (China time)', cell: (s) => chinaCell(s.cancelledAt) },
  { zh: '录入人', en: 'Operator', cell: (s) => s.operatorCode },
];

const STOCK_STATE_TEXT = { waiting: '待推送', pushing: '推送中', done: '推送完成' } as const;

export async function subscriptionRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);
  const now = () => deps.clock.now();
  const subscribedAt = (iso: string) => chinaDateTime(new Date(iso));

  function declarationView(s: DeclarationSubscriptionRow): z.infer<typeof DeclarationSubscriptionView> {
    const status = statusAt(s, now());
    const { expiresAt: _e, operatorAccount: _a, ...rest } = s;
    return {
      ...rest,
      content: declarationContent(s),
      validUntilText: validityText(s.validUntil),
      subscribedAt: subscribedAt(s.createdAt),
      status,
      statusText: STATUS_TEXT[status],
    };
  }
  function receiptView(s: ReceiptSubscriptionRow): z.infer<typeof ReceiptSubscriptionView> {
    const { operatorAccount: _a, expiresAt: _e, ...rest } = s;
    const status = receiptStatusAt(s, now());
    return {
      ...rest,
      phone: s.phone ? maskPhone(s.phone) : null,
      pushMethodText: PUSH_METHOD_NAMES[s.pushMethod],
      modeText: MODE_NAMES[s.mode],
      content: receiptContent(s),
      validUntilText: s.validUntil ? validityText(s.validUntil) : null,
      valid: status === 'active',
      status,
      statusText: STATUS_TEXT[status],
      subscribedAt: subscribedAt(s.createdAt),
    };
  }
  const rangeText = (r: SerialRange | null) => (r ? `${r.from}-${r.to}` : null);
  function manualView(
    s: ManualSubscriptionRow & { pushRequestId?: number | null; stockPush: StockPushProgress | null },
  ): z.infer<typeof ManualSubscriptionView> {
    const status = statusAt(s, now());
    const { expiresAt: _e, operatorAccount: _a, ...rest } = s;
    const p = s.stockPush;
    return {
      ...rest,
      stockPush: p && {
        ...p,
        stateText: STOCK_STATE_TEXT[p.state],
        text: p.total ? `已推送 ${p.pushed}/${p.total}` : STOCK_STATE_TEXT[p.state],
      },
      imgRange: rangeText(s.imgRange),
      exgRange: rangeText(s.exgRange),
      kindText: s.kind === 'stock' ? '存量' : '增量',
      validUntilText: validityText(s.validUntil),
      subscribedAt: subscribedAt(s.createdAt),
      status,
      statusText: STATUS_TEXT[status],
    };
  }

  /** the views of manual subscriptions, stock ones with their push progress (one lookup for the set) */
  async function manualViews(rows: readonly (ManualSubscriptionRow & { pushRequestId?: number | null })[]) {
    return (await withStockProgress(deps.store, rows)).map(manualView);
  }
  const oneManualView = async (row: ManualSubscriptionRow & { pushRequestId?: number | null }) => (await manualViews([row]))[0];

  // ---- 报关单数据订阅 ----
  const dTags = ['declaration subscriptions (报关单数据订阅)'];
  app.post(
    '/api/v1/subscriptions/declaration',
    {
      schema: {
        tags: dTags,
        security: bearer,
        summary: 'subscribe a client to declaration data and/or receipts (needs the 法人卡)',
        body: DeclarationSubscriptionBody,
        response: { 201: DeclarationSubscriptionView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      return reply.status(201).send(declarationView(await subscribeDeclarations(deps, actor, req.body)));
    },
  );
  app.get(
    '/api/v1/subscriptions/declaration',
    {
      schema: {
        tags: dTags,
        security: bearer,
        summary: "the enterprise's declaration subscriptions, newest 订阅日期 first",
        querystring: ListParams.extend({ status: Status.optional(), clientId: z.string().optional() }),
        response: { 200: listOf(DeclarationSubscriptionView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const r = await listDeclarationSubscriptions(deps.store, actor, {
        ...listQuery(req.query),
        now: now().toISOString(),
        status: req.query.status,
        clientId: req.query.clientId,
      });
      return { items: r.rows.map(declarationView), total: r.total };
    },
  );
  app.get(
    '/api/v1/subscriptions/declaration/export',
    {
      schema: {
        tags: dTags,
        security: bearer,
        summary: 'the declaration subscriptions the filter matches as CSV (UTF-8 with BOM, China time, at most 50,000 rows)',
        querystring: ExportParams.extend({ status: Status.optional(), clientId: z.string().optional() }),
        response: { ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { lang, status, clientId, ...range } = req.query;
      return sendCsv<z.infer<typeof DeclarationSubscriptionView>>(req, reply, {
        fileName: 'declaration-subscriptions',
        lang,
        columns: (l) => [
          ...commonColumns(l),
          {
            zh: '申报数据',
            en: 'Declaration data',
            cell: (s) => (s.declarationData ? (l === 'en' ? 'yes' : '是') : l === 'en' ? 'no' : '否'),
          },
          { zh: '状态回执', en: 'Receipt types', cell: (s) => s.receiptTypes.join(' ') },
          ...timeColumns,
        ],
        page: async (offset, limit) => {
          const q = { ...exportQuery(range), offset, limit, now: now().toISOString(), status, clientId };
          const r = await listDeclarationSubscriptions(deps.store, actor, q);
          return { rows: r.rows.map(declarationView), total: r.total };
        },
      });
    },
  );
  app.get(
    '/api/v1/subscriptions/declaration/:id',
    {
      schema: {
        tags: dTags,
        security: bearer,
        summary: 'one declaration subscription',
        params: IdParam,
        response: { 200: DeclarationSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return declarationView(await declarationSubscriptionOf(deps.store, actor.enterpriseCode, req.params.id));
    },
  );
  app.post(
    '/api/v1/subscriptions/declaration/:id/cancel',
    {
      schema: {
        tags: dTags,
        security: bearer,
        summary: 'cancel (only while active; needs the 法人卡)',
        params: IdParam,
        body: z.object({ card: CardProof }),
        response: { 200: DeclarationSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return declarationView(await cancelDeclarationSubscription(deps, actor, req.params.id, req.body.card));
    },
  );
  app.post(
    '/api/v1/subscriptions/declaration/:id/extend',
    {
      schema: {
        tags: dTags,
        security: bearer,
        summary:
          'extend to a day later than the current validity, at most one year from today (only while active; needs the 法人卡): OSW_SUB_EXTEND_NOT_LATER, OSW_SUB_VALIDITY',
        params: IdParam,
        body: ExtendBody,
        response: { 200: DeclarationSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return declarationView(await extendDeclarationSubscription(deps, actor, req.params.id, req.body.validUntil, req.body.card));
    },
  );

  // ---- 报关状态订阅 ----
  const rTags = ['receipt subscriptions (报关状态订阅)'];
  app.post(
    '/api/v1/subscriptions/receipt',
    {
      schema: {
        tags: rTags,
        security: bearer,
        summary: 'subscribe to declaration status receipts by SMS, app, WeChat or client',
        description:
          'sms needs phone + verificationCode (POST /api/v1/sms/verification-codes); client needs clientId + operatorCardNo and takes receiptTypes (left out: every receipt) and validUntil (default and at most one year; extend with POST …/{id}/extend); mode document needs documentNo (统一编号 or 海关编号) of a declaration your enterprise is party to; mode operator covers the documents you entered (录入人).',
        body: ReceiptSubscriptionBody,
        response: { 201: ReceiptSubscriptionView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      return reply.status(201).send(receiptView(await subscribeReceipts(deps, actor, req.body)));
    },
  );
  app.get(
    '/api/v1/subscriptions/receipt',
    {
      schema: {
        tags: rTags,
        security: bearer,
        summary: "the enterprise's receipt subscriptions, newest first",
        querystring: ListParams.extend({
          status: Status.optional(),
          clientId: z.string().optional(),
          pushMethod: z.enum(['sms', 'app', 'wechat', 'client']).optional(),
          mode: z.enum(['document', 'enterprise', 'operator']).optional(),
          documentNo: z.string().optional(),
        }),
        response: { 200: listOf(ReceiptSubscriptionView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const { status, clientId, pushMethod, mode, documentNo } = req.query;
      const r = await listReceiptSubscriptions(deps.store, actor, {
        ...listQuery(req.query),
        now: now().toISOString(),
        status,
        clientId,
        pushMethod,
        mode,
        documentNo,
      });
      return { items: r.rows.map(receiptView), total: r.total };
    },
  );
  app.get(
    '/api/v1/subscriptions/receipt/export',
    {
      schema: {
        tags: rTags,
        security: bearer,
        summary: 'the receipt subscriptions the filter matches as CSV (UTF-8 with BOM, China time, at most 50,000 rows)',
        querystring: ExportParams.extend({
          status: Status.optional(),
          clientId: z.string().optional(),
          pushMethod: z.enum(['sms', 'app', 'wechat', 'client']).optional(),
          mode: z.enum(['document', 'enterprise', 'operator']).optional(),
          documentNo: z.string().optional(),
        }),
        response: { ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { lang, status, clientId, pushMethod, mode, documentNo, ...range } = req.query;
      return sendCsv<z.infer<typeof ReceiptSubscriptionView>>(req, reply, {
        fileName: 'receipt-subscriptions',
        lang,
        columns: (l) => [
          ...commonColumns(l),
          { zh: '推送方式', en: 'Push method', cell: (s) => (l === 'en' ? s.pushMethod : s.pushMethodText) },
          { zh: '订阅方式', en: 'Mode', cell: (s) => (l === 'en' ? s.mode : s.modeText) },
          { zh: '业务单据号', en: 'Document no.', cell: (s) => s.documentNo },
          { zh: '手机号', en: 'Phone', cell: (s) => s.phone },
          ...timeColumns,
        ],
        page: async (offset, limit) => {
          const q = { ...exportQuery(range), offset, limit, now: now().toISOString(), status, clientId, pushMethod, mode, documentNo };
          const r = await listReceiptSubscriptions(deps.store, actor, q);
          return { rows: r.rows.map(receiptView), total: r.total };
        },
      });
    },
  );
  app.get(
    '/api/v1/subscriptions/receipt/:id',
    {
      schema: {
        tags: rTags,
        security: bearer,
        summary: 'one receipt subscription',
        params: IdParam,
        response: { 200: ReceiptSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return receiptView(await receiptSubscriptionOf(deps.store, actor.enterpriseCode, req.params.id));
    },
  );
  app.post(
    '/api/v1/subscriptions/receipt/:id/cancel',
    {
      schema: {
        tags: rTags,
        security: bearer,
        summary: 'cancel (only while active)',
        params: IdParam,
        response: { 200: ReceiptSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return receiptView(await cancelReceiptSubscription(deps, actor, req.params.id));
    },
  );
  app.post(
    '/api/v1/subscriptions/receipt/:id/extend',
    {
      schema: {
        tags: rTags,
        security: bearer,
        summary:
          'extend a client subscription to a day later than its validity, at most one year from today (only while active): OSW_SUB_EXTEND_NOT_LATER, OSW_SUB_VALIDITY',
        params: IdParam,
        body: z.object({ validUntil: ExtendBody.shape.validUntil }),
        response: { 200: ReceiptSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return receiptView(await extendReceiptSubscription(deps, actor, req.params.id, req.body.validUntil));
    },
  );

  // ---- 加工贸易账册数据订阅 ----
  const mTags = ['manual subscriptions (加工贸易账册数据订阅)'];
  app.post(
    '/api/v1/subscriptions/manual',
    {
      schema: {
        tags: mTags,
        security: bearer,
        summary: 'subscribe a client to a processing-trade manual (only its 加工单位)',
        description:
          'stock (存量): pushTypes and serial ranges, at most 10,000 rows per type, repeatable, pushed once right away (a pending push request), cannot be cancelled or extended. incremental (增量): one in force per manual, every approved change until it expires.',
        body: ManualSubscriptionBody,
        response: { 201: ManualSubscriptionView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      return reply.status(201).send(await oneManualView(await subscribeManual(deps, actor, req.body)));
    },
  );
  app.get(
    '/api/v1/subscriptions/manual',
    {
      schema: {
        tags: mTags,
        security: bearer,
        summary: "the enterprise's manual subscriptions, newest first",
        querystring: ListParams.extend({
          status: Status.optional(),
          clientId: z.string().optional(),
          kind: z.enum(['stock', 'incremental']).optional(),
          manualNo: z.string().optional(),
        }),
        response: { 200: listOf(ManualSubscriptionView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const { status, clientId, kind, manualNo } = req.query;
      const r = await listManualSubscriptions(deps.store, actor, {
        ...listQuery(req.query),
        now: now().toISOString(),
        status,
        clientId,
        kind,
        manualNo,
      });
      return { items: await manualViews(r.rows), total: r.total };
    },
  );
  app.get(
    '/api/v1/subscriptions/manual/export',
    {
      schema: {
        tags: mTags,
        security: bearer,
        summary: 'the manual subscriptions the filter matches as CSV (UTF-8 with BOM, China time, at most 50,000 rows)',
        querystring: ExportParams.extend({
          status: Status.optional(),
          clientId: z.string().optional(),
          kind: z.enum(['stock', 'incremental']).optional(),
          manualNo: z.string().optional(),
        }),
        response: { ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { lang, status, clientId, kind, manualNo, ...range } = req.query;
      return sendCsv<z.infer<typeof ManualSubscriptionView>>(req, reply, {
        fileName: 'manual-subscriptions',
        lang,
        columns: (l) => [
          ...commonColumns(l),
          { zh: '账册号', en: 'Manual no.', cell: (s) => s.manualNo },
          { zh: '存量/增量', en: 'Kind', cell: (s) => (l === 'en' ? s.kind : s.kindText) },
          { zh: '推送进度', en: 'Stock push', cell: (s) => (s.stockPush ? `${s.stockPush.pushed}/${s.stockPush.total}` : '') },
          ...timeColumns,
        ],
        page: async (offset, limit) => {
          const q = { ...exportQuery(range), offset, limit, now: now().toISOString(), status, clientId, kind, manualNo };
          const r = await listManualSubscriptions(deps.store, actor, q);
          return { rows: await manualViews(r.rows), total: r.total };
        },
      });
    },
  );
  app.get(
    '/api/v1/subscriptions/manual/:id',
    {
      schema: {
        tags: mTags,
        security: bearer,
        summary: 'one manual subscription',
        params: IdParam,
        response: { 200: ManualSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return oneManualView(await manualSubscriptionOf(deps.store, actor.enterpriseCode, req.params.id));
    },
  );
  app.post(
    '/api/v1/subscriptions/manual/:id/cancel',
    {
      schema: {
        tags: mTags,
        security: bearer,
        summary: 'cancel an incremental subscription (only while active)',
        params: IdParam,
        body: z.object({ card: CardProof }),
        response: { 200: ManualSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return oneManualView(await cancelManualSubscription(deps, actor, req.params.id, req.body.card));
    },
  );
  app.post(
    '/api/v1/subscriptions/manual/:id/extend',
    {
      schema: {
        tags: mTags,
        security: bearer,
        summary:
          'extend an incremental subscription to a day later than its validity, at most one year from today (only while active): OSW_SUB_EXTEND_NOT_LATER, OSW_SUB_VALIDITY',
        params: IdParam,
        body: ExtendBody,
        response: { 200: ManualSubscriptionView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return oneManualView(await extendManualSubscription(deps, actor, req.params.id, req.body.validUntil, req.body.card));
    },
  );
}
