/** The push engine's ports: where pushes go besides the clients' exchange queues. */
import type { SmsSender } from '../sms/verification-codes.js';
import type { FeedMessageRow } from './store.js';

/** 掌上海关 app and 微信小程序: a real push service is an adapter; the default writes the enterprise's message feed. */
export interface AppPushPort {
  /** one message of the enterprise's app or WeChat feed */
  send(m: Omit<FeedMessageRow, 'id' | 'createdAt'>): Promise<void>;
}

/**
 * Webhook endpoints on the network. Loopback, link-local, private and reserved addresses are refused
 * unless the platform's configuration allows them (`push.webhookAllowPrivate`), both when an
 * endpoint is registered and when each POST connects (after DNS, so a name cannot change its
 * address between the check and the POST).
 */
export interface WebhookPort {
  /** refuses (`OSW_PUSH_WEBHOOK_URL`) a URL whose host is, or resolves to, an address webhooks may not reach */
  checkTarget(url: string): Promise<void>;
  /** One HTTP POST; resolves with the status, rejects when there is no answer (or the address is refused). */
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number }>;
}

export interface PushChannels {
  sms: SmsSender;
  app: AppPushPort;
  webhook: WebhookPort;
}

/** How hard the engine tries, and when it gives a target a rest (docs/push.md). */
export interface PushPolicy {
  /** wait before attempt n+1 after n failures; the last value repeats */
  retryScheduleMs: number[];
  /** failed attempts in a row after which a webhook/SMS/app target is suspended */
  suspendAfterFailures: number;
  /** how often a suspended target is tried again (one push, the probe) */
  probeEveryMs: number;
  /** a client whose queued push stays unacknowledged this long is suspended (offline) */
  clientAckTimeoutMs: number;
  /** a client that fetched a push this many times without acknowledging it is suspended (keeps failing) */
  clientMaxTakes: number;
  /** a claimed push is not claimed again for this long (a crashed worker's claim runs out) */
  leaseMs: number;
  /** pushes claimed per round */
  batch: number;
  /** rows per stock snapshot message (料件 and 成品 together), numbered k/n */
  stockRowsPerMessage: number;
  /** payloads of delivered pushes are dropped after this many days */
  retentionDays: number;
  cleanupEveryMs: number;
  webhookTimeoutMs: number;
}

export const DEFAULT_PUSH_POLICY: PushPolicy = {
  retryScheduleMs: [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000],
  suspendAfterFailures: 10,
  probeEveryMs: 600_000,
  clientAckTimeoutMs: 3_600_000,
  clientMaxTakes: 10,
  leaseMs: 60_000,
  batch: 200,
  stockRowsPerMessage: 1000,
  retentionDays: 90,
  cleanupEveryMs: 3_600_000,
  webhookTimeoutMs: 10_000,
};
