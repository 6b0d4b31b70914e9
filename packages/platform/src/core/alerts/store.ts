/**
 * The alerts slice's store port (告警): the conditions, each read for every enterprise in one query
 * per evaluation round; the alerts fired (one per occurrence of a condition); each enterprise's
 * channels and recipients per alert kind.
 */
import type { ListQuery, Paged } from '../paging.js';

/** What an alert is about. */
export const ALERT_KINDS = ['client_offline', 'client_suspended', 'dead_letters', 'subscription_expiring', 'card_expiring'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Where an alert goes: the console's notification list (the bell), SMS, the enterprise's webhooks, mail. */
export const ALERT_CHANNELS = ['console', 'sms', 'webhook', 'mail'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** Facts of one occurrence, shown and sent with it (client id, subscription, days left…). */
export type AlertDetail = Record<string, string | number | null>;

/**
 * A condition as it holds now. `subject` names what it is about within the kind (`DXPESW…`,
 * `declaration:12@7`): while a condition with the same enterprise, kind and subject keeps holding it
 * is the same occurrence and fires no second time.
 */
export interface AlertCondition {
  enterpriseCode: string;
  kind: AlertKind;
  subject: string;
  detail: AlertDetail;
}

/** One occurrence of a condition: fired once, cleared when the condition no longer holds. */
export interface AlertRow extends AlertCondition {
  id: number;
  firedAt: string;
  /** when the condition stopped holding; null while it holds */
  clearedAt: string | null;
  /** shown in the console's notification list (the enterprise's `console` channel at firing) */
  console: boolean;
  /** when an operator of the enterprise marked it read (console) */
  readAt: string | null;
  /** how each channel went: `{ mail: 'sent', sms: 'failed: …' }` */
  deliveries: Record<string, string>;
}

/** An open alert, as the evaluator compares it with the conditions. */
export type OpenAlert = Pick<AlertRow, 'id' | 'enterpriseCode' | 'kind' | 'subject'>;

/** An enterprise's choice for one alert kind. Without a row: the console only. */
export interface AlertSettingRow {
  enterpriseCode: string;
  kind: AlertKind;
  channels: AlertChannel[];
  /** SMS recipients (mainland mobile numbers) */
  phones: string[];
  /** mail recipients */
  emails: string[];
  /** the enterprise's webhook endpoints the signed `alert.fired` event goes to */
  webhookIds: number[];
  updatedAt: string;
}

export interface OfflineClientRow {
  clientId: string;
  enterpriseCode: string;
  transport: 'http' | 'amqp';
  lastSeenAt: string | null;
}

export interface SuspendedClientRow {
  clientId: string;
  enterpriseCode: string;
  suspendedAt: string;
}

export interface ExpiringSubscriptionRow {
  subscriptionKind: 'declaration' | 'manual' | 'receipt';
  id: number;
  enterpriseCode: string;
  clientId: string | null;
  validUntil: string;
  expiresAt: string;
}

export interface ExpiringCardRow {
  cardNo: string;
  enterpriseCode: string;
  kind: string;
  expiresAt: string;
}

export interface AlertNotificationQuery extends ListQuery {
  unread?: boolean;
}

export interface AlertStore {
  // ---- conditions: each one query for every enterprise (or one, when `enterpriseCode` is given) ----
  /** active HTTP clients last seen before `seenBefore` (never-seen clients are not offline), and every active RabbitMQ client */
  offlineCandidates(seenBefore: string, enterpriseCode?: string): Promise<OfflineClientRow[]>;
  /** active clients whose push target is suspended */
  suspendedClients(enterpriseCode?: string): Promise<SuspendedClientRow[]>;
  /** subscriptions not cancelled that end after `now` and at or before `until` (declaration, incremental manual, receipt by client) */
  expiringSubscriptions(now: string, until: string, enterpriseCode?: string): Promise<ExpiringSubscriptionRow[]>;
  /** unlocked cards with an expiry after `now` and at or before `until` */
  expiringCards(now: string, until: string, enterpriseCode?: string): Promise<ExpiringCardRow[]>;
  /** the enterprises of these clients (dead letters name clients only) */
  clientOwners(clientIds: readonly string[]): Promise<Map<string, string>>;

  // ---- occurrences ----
  /** every alert whose condition held at the last round (not cleared) */
  openAlerts(): Promise<OpenAlert[]>;
  /**
   * opens alerts for conditions; a condition with an open alert of the same enterprise, kind and
   * subject is skipped (also when another instance opened it a moment before). Returns the opened ones.
   */
  open(rows: (AlertCondition & { firedAt: string; console: boolean })[]): Promise<AlertRow[]>;
  /** the conditions stopped holding: the alerts are cleared and may fire again later */
  clear(ids: readonly number[], at: string): Promise<void>;
  recordDeliveries(id: number, deliveries: Record<string, string>): Promise<void>;
  /** retention: drops alerts cleared before `at`; returns how many */
  deleteClearedBefore(at: string): Promise<number>;

  // ---- the console's notification list ----
  notifications(enterpriseCode: string, q: AlertNotificationQuery): Promise<Paged<AlertRow>>;
  countUnread(enterpriseCode: string): Promise<number>;
  /** marks the enterprise's alerts read (these ids, or every one); returns how many changed */
  markRead(enterpriseCode: string, ids: readonly number[] | 'all', at: string): Promise<number>;

  // ---- settings ----
  settings(enterpriseCodes: readonly string[]): Promise<AlertSettingRow[]>;
  saveSetting(row: AlertSettingRow): Promise<void>;
}
