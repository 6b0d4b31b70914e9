/**
 * Alerts (告警): a client offline longer than N minutes, a client suspended, dead letters, a
 * subscription or an IC card about to expire (30/7/1 days before). Each round reads every condition
 * for every enterprise in one query each, compares them with the open alerts, fires the new ones once
 * (console notification, SMS, signed webhook event, mail — as each enterprise chose per kind) and
 * clears those whose condition no longer holds, so a condition that comes back fires again.
 */
import { chinaDateTime } from '@osw/messages';
import type { Actor } from '../audit/audit-log.js';
import { recordAudit } from '../audit/audit-log.js';
import type { PlatformDeps } from '../ports.js';
import { problem } from '../problem.js';
import type { WebhookPort } from '../push/ports.js';
import { webhookHeaders } from '../push/webhook-signature.js';
import type { SmsSender } from '../sms/verification-codes.js';
import {
  ALERT_KINDS,
  type AlertChannel,
  type AlertCondition,
  type AlertKind,
  type AlertRow,
  type AlertSettingRow,
  type OpenAlert,
} from './store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** an instant as the console shows it: `yyyy-MM-dd HH:mm:ss` China time */
const shown = (iso: string) => chinaDateTime(new Date(iso));

/** How alerts are told (config `alerts`, docs/operations.md). */
export interface AlertPolicy {
  /** an HTTP client not seen, or a RabbitMQ client without a broker connection, this long is offline */
  offlineAfterMinutes: number;
  /** days before a subscription's end at which it is reminded of (each fires once) */
  subscriptionExpiryDays: number[];
  /** days before a card's expiry at which it is reminded of */
  cardExpiryDays: number[];
  /** how long a webhook POST waits */
  webhookTimeoutMs: number;
  /** cleared alerts are dropped this many days after they cleared */
  retentionDays: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  offlineAfterMinutes: 30,
  subscriptionExpiryDays: [30, 7, 1],
  cardExpiryDays: [30, 7, 1],
  webhookTimeoutMs: 10_000,
  retentionDays: 90,
};

/** Mail over SMTP (the adapter is nodemailer). */
export interface AlertMailer {
  send(mail: { to: string[]; subject: string; text: string }): Promise<void>;
}

export interface AlertChannels {
  sms: SmsSender;
  webhook: WebhookPort;
  /** absent when the platform has no `alerts.smtp`: the mail channel is refused in the settings */
  mail?: AlertMailer;
}

type Deps = Pick<PlatformDeps, 'store' | 'clock' | 'logger' | 'broker' | 'deadLetters'>;

/** An enterprise that chose nothing for a kind gets its alerts in the console only. */
export function defaultSetting(enterpriseCode: string, kind: AlertKind): AlertSettingRow {
  return { enterpriseCode, kind, channels: ['console'], phones: [], emails: [], webhookIds: [], updatedAt: '' };
}

/** The threshold (days) a remaining time falls under: the smallest of `days` it is within, or none. */
export function expiryThreshold(leftMs: number, days: readonly number[]): number | undefined {
  return [...days].sort((a, b) => a - b).find((d) => leftMs <= d * DAY_MS);
}

/** An alert's text, Chinese then English: what SMS and mail say and the console shows. */
export function alertText(a: Pick<AlertCondition, 'kind' | 'detail'>): { zh: string; en: string } {
  const d = a.detail;
  switch (a.kind) {
    case 'client_offline':
      return {
        zh: `客户端${d.clientId}已离线超过${d.minutes}分钟${d.lastSeenAt ? `（最后在线 ${shown(String(d.lastSeenAt))}）` : ''}`,
        en: `client ${d.clientId} has been offline for more than ${d.minutes} minutes${d.lastSeenAt ? ` (last seen ${shown(String(d.lastSeenAt))} China time)` : ''}`,
      };
    case 'client_suspended':
      return {
        zh: `客户端${d.clientId}的推送已暂停（${shown(String(d.suspendedAt))}起），推送数据保留，客户端恢复后继续推送`,
        en: `pushes to client ${d.clientId} are suspended since ${shown(String(d.suspendedAt))} China time; they are kept and flow again when it is back`,
      };
    case 'dead_letters':
      return {
        zh: `客户端${d.clientId}有${d.count}条死信`,
        en: `client ${d.clientId} has ${d.count} dead letter(s)`,
      };
    case 'subscription_expiring': {
      const zhKind =
        { declaration: '报关单数据订阅', manual: '加工贸易账册数据订阅', receipt: '报关状态订阅' }[String(d.subscriptionKind)] ?? '订阅';
      return {
        zh: `${zhKind}[${d.subscriptionId}]将于${d.validUntil} 23:59:59到期，剩余${d.daysLeft}天`,
        en: `${d.subscriptionKind} subscription ${d.subscriptionId} expires at ${d.validUntil} 23:59:59 (China time), ${d.daysLeft} day(s) left`,
      };
    }
    case 'card_expiring':
      return {
        zh: `IC卡${d.cardNo}将于${shown(String(d.expiresAt))}到期，剩余${d.daysLeft}天`,
        en: `IC card ${d.cardNo} expires at ${shown(String(d.expiresAt))} China time, ${d.daysLeft} day(s) left`,
      };
  }
}

/** What one round did. */
export interface AlertRound {
  fired: number;
  cleared: number;
}

/**
 * Reads the conditions and fires and clears alerts. Keeps, per process, since when each RabbitMQ
 * client has had no broker connection (the broker does not say since when).
 */
export class AlertEvaluator {
  private readonly amqpOfflineSince = new Map<string, number>();

  constructor(
    private readonly deps: Deps,
    private readonly channels: AlertChannels,
    readonly policy: AlertPolicy = DEFAULT_ALERT_POLICY,
  ) {}

  /** Every condition holding now, for every enterprise or one; `kinds`: only these are read. */
  async conditions(enterpriseCode?: string, kinds: readonly AlertKind[] = ALERT_KINDS): Promise<AlertCondition[]> {
    return (await this.read(enterpriseCode, kinds)).conditions;
  }

  /**
   * The conditions, and what could not be told this time (`client_offline|<clientId>` of a RabbitMQ
   * client while the broker's management API does not answer; `dead_letters` while the queue cannot
   * be peeked): their open alerts stay open rather than clear and fire again.
   */
  private async read(
    enterpriseCode: string | undefined,
    kinds: readonly AlertKind[],
  ): Promise<{ conditions: AlertCondition[]; unknown: Set<string> }> {
    const unknown = new Set<string>();
    const { store, clock } = this.deps;
    const now = clock.now();
    const nowMs = now.getTime();
    const offlineMs = this.policy.offlineAfterMinutes * 60_000;
    const subDays = Math.max(0, ...this.policy.subscriptionExpiryDays);
    const cardDays = Math.max(0, ...this.policy.cardExpiryDays);
    const read = <T>(kind: AlertKind, q: () => Promise<T[]>): Promise<T[]> => (kinds.includes(kind) ? q() : Promise.resolve([]));
    const [offline, suspended, subscriptions, cards, deadLetters] = await Promise.all([
      read('client_offline', () => store.alerts.offlineCandidates(new Date(nowMs - offlineMs).toISOString(), enterpriseCode)),
      read('client_suspended', () => store.alerts.suspendedClients(enterpriseCode)),
      read('subscription_expiring', () =>
        store.alerts.expiringSubscriptions(now.toISOString(), new Date(nowMs + subDays * DAY_MS).toISOString(), enterpriseCode),
      ),
      read('card_expiring', () =>
        store.alerts.expiringCards(now.toISOString(), new Date(nowMs + cardDays * DAY_MS).toISOString(), enterpriseCode),
      ),
      kinds.includes('dead_letters') ? this.deadLetterCounts() : Promise.resolve(new Map<string, number>() as Map<string, number> | null),
    ]);
    if (!deadLetters) unknown.add('dead_letters');
    const out: AlertCondition[] = [];
    const minutes = this.policy.offlineAfterMinutes;
    const amqp = offline.filter((c) => c.transport === 'amqp');
    const brokerCounts = amqp.length ? await this.brokerCounts(amqp.map((c) => c.clientId)) : null;
    for (const c of offline) {
      if (c.transport === 'amqp') {
        if (!brokerCounts) {
          unknown.add(`client_offline|${c.clientId}`);
          continue;
        }
        if ((brokerCounts.get(c.clientId) ?? 0) > 0) {
          this.amqpOfflineSince.delete(c.clientId);
          continue;
        }
        const since = this.amqpOfflineSince.get(c.clientId) ?? nowMs;
        this.amqpOfflineSince.set(c.clientId, since);
        if (nowMs - since < offlineMs) continue;
      }
      out.push({
        enterpriseCode: c.enterpriseCode,
        kind: 'client_offline',
        subject: c.clientId,
        detail: { clientId: c.clientId, minutes, lastSeenAt: c.lastSeenAt },
      });
    }
    for (const c of suspended)
      out.push({
        enterpriseCode: c.enterpriseCode,
        kind: 'client_suspended',
        subject: c.clientId,
        detail: { clientId: c.clientId, suspendedAt: c.suspendedAt },
      });
    if (deadLetters?.size) {
      const owners = await store.alerts.clientOwners([...deadLetters.keys()]);
      for (const [clientId, count] of deadLetters) {
        const owner = owners.get(clientId);
        if (!owner || (enterpriseCode && owner !== enterpriseCode)) continue;
        out.push({ enterpriseCode: owner, kind: 'dead_letters', subject: clientId, detail: { clientId, count } });
      }
    }
    for (const s of subscriptions) {
      const left = Date.parse(s.expiresAt) - nowMs;
      const threshold = expiryThreshold(left, this.policy.subscriptionExpiryDays);
      if (threshold === undefined) continue;
      out.push({
        enterpriseCode: s.enterpriseCode,
        kind: 'subscription_expiring',
        subject: `${s.subscriptionKind}:${s.id}@${threshold}`,
        detail: {
          subscriptionKind: s.subscriptionKind,
          subscriptionId: s.id,
          clientId: s.clientId,
          validUntil: s.validUntil,
          expiresAt: s.expiresAt,
          threshold,
          daysLeft: Math.ceil(left / DAY_MS),
        },
      });
    }
    for (const c of cards) {
      const left = Date.parse(c.expiresAt) - nowMs;
      const threshold = expiryThreshold(left, this.policy.cardExpiryDays);
      if (threshold === undefined) continue;
      out.push({
        enterpriseCode: c.enterpriseCode,
        kind: 'card_expiring',
        subject: `${c.cardNo}@${threshold}`,
        detail: { cardNo: c.cardNo, cardKind: c.kind, expiresAt: c.expiresAt, threshold, daysLeft: Math.ceil(left / DAY_MS) },
      });
    }
    return { conditions: out, unknown };
  }

  /** One round: new conditions fire, gone ones clear. */
  async runRound(): Promise<AlertRound> {
    const { store, clock } = this.deps;
    const [{ conditions, unknown }, open] = await Promise.all([this.read(undefined, ALERT_KINDS), store.alerts.openAlerts()]);
    const key = (a: Pick<OpenAlert, 'enterpriseCode' | 'kind' | 'subject'>) => `${a.enterpriseCode}|${a.kind}|${a.subject}`;
    const holding = new Set(conditions.map(key));
    const openKeys = new Set(open.map(key));
    const at = clock.now().toISOString();
    const told = (a: OpenAlert) => !unknown.has(a.kind) && !unknown.has(`${a.kind}|${a.subject}`);
    const gone = open.filter((a) => !holding.has(key(a)) && told(a)).map((a) => a.id);
    if (gone.length) await store.alerts.clear(gone, at);
    await store.alerts.deleteClearedBefore(new Date(clock.now().getTime() - this.policy.retentionDays * DAY_MS).toISOString());
    const fresh = conditions.filter((c) => !openKeys.has(key(c)));
    if (!fresh.length) return { fired: 0, cleared: gone.length };
    const settings = await this.settingsOf([...new Set(fresh.map((c) => c.enterpriseCode))]);
    const opened = await store.alerts.open(
      fresh.map((c) => ({ ...c, firedAt: at, console: settingOf(settings, c.enterpriseCode, c.kind).channels.includes('console') })),
    );
    await Promise.all(opened.map((a) => this.deliver(a, settingOf(settings, a.enterpriseCode, a.kind))));
    return { fired: opened.length, cleared: gone.length };
  }

  private async settingsOf(enterprises: string[]): Promise<Map<string, AlertSettingRow>> {
    const rows = await this.deps.store.alerts.settings(enterprises);
    return new Map(rows.map((r) => [`${r.enterpriseCode}|${r.kind}`, r]));
  }

  /** Sends one alert on its enterprise's channels; how each went is kept on the alert. Not retried. */
  private async deliver(a: AlertRow, setting: AlertSettingRow): Promise<void> {
    const text = alertText(a);
    const line = `【单一窗口告警】${text.zh} (${text.en})`;
    const outcomes: Record<string, string> = {};
    const log = this.deps.logger;
    const attempt = async (channel: Exclude<AlertChannel, 'console'>, fn: () => Promise<unknown>) => {
      try {
        await fn();
        outcomes[channel] = 'sent';
      } catch (err) {
        outcomes[channel] = `failed: ${(err as Error).message}`;
        log.warn({ alertId: a.id, channel, err }, 'alert not delivered on a channel');
      }
    };
    const jobs: Promise<void>[] = [];
    if (setting.channels.includes('sms') && setting.phones.length)
      jobs.push(
        attempt('sms', async () => {
          for (const phone of setting.phones) await this.channels.sms.send({ phone, text: line, enterpriseCode: a.enterpriseCode });
        }),
      );
    if (setting.channels.includes('mail') && setting.emails.length) {
      const mail = this.channels.mail;
      jobs.push(
        attempt('mail', async () => {
          if (!mail) throw new Error('no SMTP server configured (alerts.smtp)');
          await mail.send({
            to: setting.emails,
            subject: `【单一窗口告警】${text.zh}`,
            text: `${text.zh}\n\n${text.en}\n\n${alertJson(a)}\n`,
          });
        }),
      );
    }
    if (setting.channels.includes('webhook') && setting.webhookIds.length)
      jobs.push(attempt('webhook', () => this.postWebhooks(a, setting.webhookIds, text)));
    await Promise.all(jobs);
    if (Object.keys(outcomes).length) await this.deps.store.alerts.recordDeliveries(a.id, outcomes);
    log.info({ alertId: a.id, kind: a.kind, enterprise: a.enterpriseCode, subject: a.subject, outcomes }, 'alert fired');
  }

  /** A signed `alert.fired` event (Standard Webhooks, as pushes) to each enabled endpoint chosen. */
  private async postWebhooks(a: AlertRow, ids: number[], text: { zh: string; en: string }): Promise<void> {
    const endpoints = (await this.deps.store.webhooks.list(a.enterpriseCode)).filter((w) => ids.includes(w.id) && !w.disabledAt);
    if (!endpoints.length) throw new Error('none of the chosen webhook endpoints exists or is enabled');
    const now = this.deps.clock.now();
    const messageId = `alert_${a.id}`;
    const body = JSON.stringify({ type: 'alert.fired', messageId, timestamp: now.toISOString(), data: { ...alertView(a), text } });
    const failures: string[] = [];
    for (const w of endpoints) {
      try {
        await this.channels.webhook.checkTarget(w.url);
        const res = await this.channels.webhook.post(
          w.url,
          webhookHeaders(w.secret, messageId, now, body),
          body,
          this.policy.webhookTimeoutMs,
        );
        if (res.status < 200 || res.status > 299) failures.push(`webhook ${w.id} answered HTTP ${res.status}`);
      } catch (err) {
        failures.push(`webhook ${w.id}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
  }

  /** dead letters per client; null when the queue cannot be peeked now */
  private async deadLetterCounts(): Promise<Map<string, number> | null> {
    const out = new Map<string, number>();
    if (!this.deps.deadLetters) return out;
    try {
      for (const d of await this.deps.deadLetters.deadLetters(2000)) if (d.clientId) out.set(d.clientId, (out.get(d.clientId) ?? 0) + 1);
    } catch (err) {
      this.deps.logger.warn({ err }, 'dead letters unavailable for alerts');
      return null;
    }
    return out;
  }

  private async brokerCounts(clientIds: string[]): Promise<Map<string, number> | null> {
    if (!this.deps.broker?.connectionCounts) return null;
    try {
      return await this.deps.broker.connectionCounts(clientIds);
    } catch (err) {
      this.deps.logger.warn({ err }, 'broker connections unavailable for alerts');
      return null;
    }
  }
}

function settingOf(settings: Map<string, AlertSettingRow>, enterpriseCode: string, kind: AlertKind): AlertSettingRow {
  return settings.get(`${enterpriseCode}|${kind}`) ?? defaultSetting(enterpriseCode, kind);
}

/** An alert as the API, the webhook event and the mail show it. */
export function alertView(a: AlertRow) {
  return {
    id: a.id,
    enterpriseCode: a.enterpriseCode,
    kind: a.kind,
    subject: a.subject,
    detail: a.detail,
    firedAt: a.firedAt,
    clearedAt: a.clearedAt,
    readAt: a.readAt,
  };
}

function alertJson(a: AlertRow): string {
  return JSON.stringify(alertView(a), null, 2);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^1[3-9]\d{9}$/;

/** Saves an enterprise's channels and recipients for one kind; refuses recipients the channels cannot reach. */
export async function saveAlertSetting(
  deps: Pick<PlatformDeps, 'store' | 'clock'>,
  actor: Actor,
  mailConfigured: boolean,
  req: { kind: AlertKind; channels: AlertChannel[]; phones: string[]; emails: string[]; webhookIds: number[] },
): Promise<AlertSettingRow> {
  if (!ALERT_KINDS.includes(req.kind)) throw problem('OSW_VALIDATION', `未知的告警类型：${req.kind}`, `unknown alert kind ${req.kind}`);
  const channels = [...new Set(req.channels)];
  const bad = (zh: string, en: string) => problem('OSW_ALERT_SETTING_INVALID', zh, en);
  for (const p of req.phones) if (!PHONE.test(p)) throw bad(`手机号码不正确：${p}`, `not a mainland mobile number: ${p}`);
  for (const e of req.emails) if (!EMAIL.test(e)) throw bad(`邮箱地址不正确：${e}`, `not a mail address: ${e}`);
  if (channels.includes('sms') && !req.phones.length) throw bad('短信通知须填写手机号码', 'the sms channel needs at least one phone');
  if (channels.includes('mail') && !req.emails.length) throw bad('邮件通知须填写邮箱地址', 'the mail channel needs at least one address');
  if (channels.includes('mail') && !mailConfigured)
    throw bad('平台未配置邮件服务器（alerts.smtp）', 'the platform has no SMTP server configured (alerts.smtp): mail is not available');
  if (channels.includes('webhook') && !req.webhookIds.length)
    throw bad('Webhook通知须选择推送地址', 'the webhook channel needs at least one endpoint');
  const own = new Set((await deps.store.webhooks.list(actor.enterpriseCode)).map((w) => w.id));
  for (const id of req.webhookIds) if (!own.has(id)) throw problem('OSW_NOT_FOUND', `推送地址[${id}]不存在`, `webhook ${id} not found`);
  const row: AlertSettingRow = {
    enterpriseCode: actor.enterpriseCode,
    kind: req.kind,
    channels,
    phones: [...new Set(req.phones)],
    emails: [...new Set(req.emails)],
    webhookIds: [...new Set(req.webhookIds)],
    updatedAt: deps.clock.now().toISOString(),
  };
  const before = (await deps.store.alerts.settings([actor.enterpriseCode])).find((s) => s.kind === req.kind) ?? null;
  await deps.store.transaction(async (tx) => {
    await tx.alerts.saveSetting(row);
    await recordAudit(tx, actor, row.updatedAt, {
      cardNo: null,
      action: 'alert-setting.save',
      entity: 'alert-setting',
      entityId: req.kind,
      before: before ? { ...before } : null,
      after: { ...row },
    });
  });
  return row;
}
