/**
 * 告警: the console's notification list (the bell) with mark-as-read, the conditions holding now
 * (the dashboard's expiry reminder), and each enterprise's channels and recipients per alert kind.
 * Every route answers for the operator's own enterprise only.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AlertChannelView,
  AlertConditionListView,
  AlertKindView,
  AlertListView,
  AlertReadView,
  AlertSettingsView,
  AlertSettingView,
} from '../../contract/index.js';
import { alertText, defaultSetting, saveAlertSetting, type AlertEvaluator } from '../../core/alerts/alerts.js';
import { ALERT_KINDS, type AlertRow } from '../../core/alerts/store.js';
import type { PlatformDeps } from '../../core/ports.js';
import { actor as actorOf, bearer, errorResponses, requireSession } from './common.js';

const AlertReadBody = z
  .object({
    ids: z.array(z.number().int().positive()).max(500).optional(),
    all: z.boolean().optional().describe('every unread alert of your enterprise'),
  })
  .refine((b) => b.all === true || (b.ids && b.ids.length > 0), 'give ids or all: true');

const AlertSettingBody = z.object({
  channels: z.array(AlertChannelView).max(4),
  phones: z.array(z.string().max(20)).max(10).default([]),
  emails: z.array(z.string().max(254)).max(10).default([]),
  webhookIds: z.array(z.number().int().positive()).max(10).default([]),
});

export interface AlertRouteOptions {
  deps: PlatformDeps;
  evaluator: AlertEvaluator;
  /** whether the platform has an SMTP server */
  mail: boolean;
}

function view(a: AlertRow) {
  return {
    id: a.id,
    kind: a.kind,
    subject: a.subject,
    detail: a.detail,
    text: alertText(a),
    firedAt: a.firedAt,
    clearedAt: a.clearedAt,
    readAt: a.readAt,
    deliveries: a.deliveries,
  };
}

export async function alertRoutes(appRoot: FastifyInstance, opts: AlertRouteOptions): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps, evaluator } = opts;
  requireSession(app, deps);
  const tags = ['alerts'];

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        tags,
        security: bearer,
        summary: "your enterprise's console notifications (告警通知), newest first, with the unread count",
        querystring: z.object({
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(20),
          unread: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => v === 'true')
            .describe('only unread ones'),
        }),
        response: { 200: AlertListView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const { page, pageSize, unread } = req.query;
      const [r, n] = await Promise.all([
        deps.store.alerts.notifications(actor.enterpriseCode, { offset: (page - 1) * pageSize, limit: pageSize, unread }),
        deps.store.alerts.countUnread(actor.enterpriseCode),
      ]);
      return { items: r.rows.map(view), total: r.total, unread: n };
    },
  );

  app.post(
    '/api/v1/alerts/read',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'marks notifications read: the given ids (of your enterprise; others are left alone), or all',
        body: AlertReadBody,
        response: { 200: AlertReadView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const at = deps.clock.now().toISOString();
      const changed = await deps.store.alerts.markRead(actor.enterpriseCode, req.body.all ? 'all' : req.body.ids!, at);
      return { changed, unread: await deps.store.alerts.countUnread(actor.enterpriseCode) };
    },
  );

  app.get(
    '/api/v1/alerts/current',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          "the alert conditions holding now for your enterprise (read live, e.g. the dashboard's subscriptions expiring within 30 days)",
        querystring: z.object({ kind: AlertKindView.optional() }),
        response: { 200: AlertConditionListView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const all = await evaluator.conditions(actor.enterpriseCode, req.query.kind ? [req.query.kind] : undefined);
      const items = all.map((c) => ({ kind: c.kind, subject: c.subject, detail: c.detail, text: alertText(c) }));
      return { items };
    },
  );

  app.get(
    '/api/v1/alerts/settings',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'channels and recipients per alert kind (without a choice: the console only)',
        response: { 200: AlertSettingsView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const saved = await deps.store.alerts.settings([actor.enterpriseCode]);
      const items = ALERT_KINDS.map((kind) => {
        const s = saved.find((r) => r.kind === kind) ?? defaultSetting(actor.enterpriseCode, kind);
        return { kind, channels: s.channels, phones: s.phones, emails: s.emails, webhookIds: s.webhookIds, updatedAt: s.updatedAt || null };
      });
      const p = evaluator.policy;
      return {
        items,
        mailAvailable: opts.mail,
        offlineAfterMinutes: p.offlineAfterMinutes,
        subscriptionExpiryDays: p.subscriptionExpiryDays,
        cardExpiryDays: p.cardExpiryDays,
      };
    },
  );

  app.put(
    '/api/v1/alerts/settings/:kind',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'chooses channels and recipients for one alert kind (webhook: endpoints of your enterprise, signed `alert.fired` events)',
        description:
          'Refused with 400 OSW_ALERT_SETTING_INVALID when a channel has no recipient, a phone or address is malformed, or mail is chosen while the platform has no `alerts.smtp`; 404 OSW_NOT_FOUND for a webhook id that is not yours.',
        params: z.object({ kind: AlertKindView }),
        body: AlertSettingBody,
        response: { 200: AlertSettingView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const s = await saveAlertSetting(deps, actor, opts.mail, { kind: req.params.kind, ...req.body });
      return { kind: s.kind, channels: s.channels, phones: s.phones, emails: s.emails, webhookIds: s.webhookIds, updatedAt: s.updatedAt };
    },
  );
}
