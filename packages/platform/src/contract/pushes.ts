/** 推送记录 (push log), 重发已推送数据 (resend), background jobs, webhook endpoints, and the app/WeChat feed. */
import { z } from 'zod';

export const PushStatus = z
  .enum(['pending', 'delivered', 'failed', 'suspended'])
  .describe('下发状态: pending 待下发, delivered 下发成功, failed 下发失败(将重试), suspended 已暂停(目标连续失败或离线)');

export const ClientOutcome = z
  .enum(['written', 'dropped', 'rejected'])
  .describe('客户端处理: written 已写入InBox, dropped 重复投递已丢弃 (the client had it), rejected 无法写入已拒收');

export const PushView = z
  .object({
    id: z.number().int(),
    messageId: z.string().describe('报文ID (stable across retries and resends)'),
    manualNo: z.string().nullable().describe('账册号'),
    documentNo: z.string().nullable().describe('单据号 (统一编号)'),
    clientId: z.string().nullable().describe('下发客户端ID'),
    method: z.enum(['client', 'sms', 'app', 'wechat', 'webhook']),
    methodText: z.string().describe('推送方式'),
    target: z.string().describe('client id, masked phone, enterprise feed or webhook endpoint id'),
    source: z.enum(['declaration-data', 'declaration-receipt', 'manual-stock', 'manual-change']),
    subscriptionKind: z.enum(['declaration', 'receipt', 'manual']),
    subscriptionId: z.number().int(),
    fileName: z.string(),
    status: PushStatus,
    statusText: z.string().describe('下发状态'),
    deliveredAt: z.string().nullable().describe('下发时间 (ISO)'),
    deliveredAtText: z.string().nullable().describe('下发时间 yyyy-MM-dd HH:mm:ss China time'),
    resent: z.boolean().describe('重发标识'),
    resentAt: z.string().nullable().describe('重发时间'),
    resendCount: z.number().int().describe('how often it was resent; the latest delivery was this resend attempt (0: never resent)'),
    clientOutcome: ClientOutcome.nullable().describe(
      'client pushes: what the client did with the latest attempt (a resend is written again under a new file name; a redelivery is dropped); null until the client says',
    ),
    clientOutcomeText: z.string().nullable().describe('客户端处理 in Chinese'),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    payloadKept: z.boolean().describe('false once the retention period dropped the payload (no resend then)'),
    createdAt: z.string(),
  })
  .describe('推送记录');

export const PushAttemptView = z.object({
  at: z.string(),
  outcome: z.string().describe('queued, taken, delivered, failed, held, received (a RabbitMQ client reported what it did)'),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  resend: z.number().int().nullable().describe('client pushes: the resend attempt the client was handed (0: the first delivery)'),
  clientOutcome: ClientOutcome.nullable().describe('client pushes: what the client did with that delivery; null where it said nothing'),
});

/** One push with every attempt and its payload as pushed. */
export const PushDetailView = PushView.extend({
  attemptLog: z.array(PushAttemptView),
  payload: z
    .string()
    .nullable()
    .describe(
      'the body as pushed: the XML file for client pushes, the SMS text, the feed message or webhook JSON; null once retention dropped it',
    ),
  payloadType: z.enum(['xml', 'text', 'json']).describe('xml for client pushes, text for SMS, json for the app/WeChat feed and webhooks'),
});

export const JobView = z
  .object({
    id: z.number().int(),
    kind: z.literal('resend'),
    status: z.enum(['running', 'done', 'failed']),
    total: z.number().int(),
    done: z.number().int().describe('pushes resent so far'),
    skipped: z.number().int().describe('pushes whose payload is past retention'),
    progress: z.number().describe('0..1'),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
  })
  .describe('background job');

/** The answer to a resend of chosen pushes ({ids}): done at once. */
export const ResendView = z.object({
  resent: z.array(z.number().int()),
  skipped: z.array(z.object({ id: z.number().int(), reason: z.string() })),
});

/** The answer to a resend of every push matching a filter: a job to follow. */
export const ResendJobView = z.object({ job: JobView });

export const WebhookView = z
  .object({
    id: z.number().int(),
    subscriptionKind: z.enum(['declaration', 'receipt', 'manual']),
    subscriptionId: z.number().int(),
    url: z.string(),
    secret: z.string().describe('whsec_… — shown in full once, when created'),
    createdAt: z.string(),
    disabledAt: z.string().nullable(),
  })
  .describe('webhook endpoint');

export const WebhookListView = z.object({ items: z.array(WebhookView) });

export const WebhookTestView = z
  .object({
    messageId: z.string().describe('the webhook-id header of the test event'),
    delivered: z.boolean().describe('the endpoint answered 2xx'),
    status: z.number().int().nullable().describe('the HTTP status; null when there was no answer'),
    durationMs: z.number().int(),
    error: z.string().nullable().describe('`webhook answered HTTP <status>` or `webhook endpoint not reachable`; null when delivered'),
  })
  .describe('what a webhook.test event met at the endpoint');

export const WebhookDeliveryView = PushView.extend({
  attemptLog: z.array(
    z.object({ at: z.string(), outcome: z.string(), error: z.string().nullable(), durationMs: z.number().int() }).describe('one attempt'),
  ),
}).describe('one push to a webhook endpoint with its attempts');

export const FeedMessageView = z
  .object({
    id: z.number().int(),
    channel: z.enum(['app', 'wechat']),
    messageId: z.string(),
    title: z.string(),
    text: z.string().describe('报关单号, status, time'),
    payload: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .describe('feed message');
