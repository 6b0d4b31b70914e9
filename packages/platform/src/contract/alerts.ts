/** Alerts (告警): the console's notifications, the conditions holding now, each enterprise's channels per kind. */
import { z } from 'zod';

export const AlertKindView = z
  .enum(['client_offline', 'client_suspended', 'dead_letters', 'subscription_expiring', 'card_expiring'])
  .describe(
    'client_offline 客户端离线, client_suspended 客户端推送暂停, dead_letters 死信, subscription_expiring 订阅即将到期, card_expiring IC卡即将到期',
  );

export const AlertChannelView = z.enum(['console', 'sms', 'webhook', 'mail']).describe('console 控制台通知, sms 短信, webhook, mail 邮件');

const Detail = z
  .record(z.string(), z.union([z.string(), z.number(), z.null()]))
  .describe('facts of the occurrence: clientId, subscriptionKind, subscriptionId, validUntil, daysLeft, cardNo…');

export const AlertView = z
  .object({
    id: z.number().int(),
    kind: AlertKindView,
    subject: z
      .string()
      .describe('what it is about within the kind: a client id, `declaration:12@7` (subscription 12, 7-day reminder), `<cardNo>@30`'),
    detail: Detail,
    text: z.object({ zh: z.string(), en: z.string() }),
    firedAt: z.string(),
    clearedAt: z.string().nullable().describe('when the condition stopped holding; null while it holds'),
    readAt: z.string().nullable(),
    deliveries: z.record(z.string(), z.string()).describe('how each channel went: `sent` or `failed: …`'),
  })
  .describe('an alert: one occurrence of a condition');

export const AlertListView = z.object({
  items: z.array(AlertView),
  total: z.number().int(),
  unread: z.number().int().describe('unread alerts of your enterprise (the bell)'),
});

export const AlertReadView = z.object({ changed: z.number().int(), unread: z.number().int() });

export const AlertConditionView = z.object({
  kind: AlertKindView,
  subject: z.string(),
  detail: Detail,
  text: z.object({ zh: z.string(), en: z.string() }),
});

export const AlertConditionListView = z.object({ items: z.array(AlertConditionView) });

export const AlertSettingView = z.object({
  kind: AlertKindView,
  channels: z.array(AlertChannelView),
  phones: z.array(z.string()),
  emails: z.array(z.string()),
  webhookIds: z.array(z.number().int()),
  updatedAt: z.string().nullable().describe('null: never chosen (the console only)'),
});

export const AlertSettingsView = z.object({
  items: z.array(AlertSettingView),
  mailAvailable: z.boolean().describe('whether the platform has an SMTP server (alerts.smtp)'),
  offlineAfterMinutes: z.number(),
  subscriptionExpiryDays: z.array(z.number().int()),
  cardExpiryDays: z.array(z.number().int()),
});
