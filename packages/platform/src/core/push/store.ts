/**
 * The push engine's store ports: business events and their pushes (the push log 推送记录) with
 * every attempt, the health of each target, stock requests, bulk resend jobs, webhook endpoints
 * and the app/WeChat feed. Claims are written so that several platform instances may race on them:
 * a claim is a conditional update that only one instance wins (and the select takes
 * `FOR UPDATE SKIP LOCKED` where the engine has it). Writes take sets of rows.
 */
import type { ReceivedOutcome } from '@osw/messages/exchange';
import type { ListQuery, Paged } from '../paging.js';

/** 推送方式 of one push: the subscriber's client, an SMS, the app or WeChat feed, or a webhook. */
export type PushMethod = 'client' | 'sms' | 'app' | 'wechat' | 'webhook';
/** 下发状态 */
export type PushStatus = 'pending' | 'delivered' | 'failed' | 'suspended';
/** What raised a push. */
export type PushSource = 'declaration-data' | 'declaration-receipt' | 'manual-stock' | 'manual-change';
export type PushSubscriptionKind = 'declaration' | 'receipt' | 'manual';

/** A business event (outbox): written with its pushes in the transaction of the business change. */
export interface PushEventRow {
  id: number;
  kind: PushSource;
  /** 统一编号 or 账册号 */
  documentKey: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** One push to one target (a row of the push log 推送记录). */
export interface PushRow {
  id: number;
  /** 报文ID: stable across retries and resends */
  messageId: string;
  eventId: number | null;
  source: PushSource;
  subscriptionKind: PushSubscriptionKind;
  subscriptionId: number;
  method: PushMethod;
  /** who receives it: `client:<id>`, `sms:<phone>`, `app:<enterprise>`, `wechat:<enterprise>`, `webhook:<endpoint id>` */
  targetKey: string;
  /** 下发客户端ID (client pushes) */
  clientId: string | null;
  /** the subscribing enterprise */
  enterpriseCode: string;
  /** 单据号 (统一编号) */
  documentNo: string | null;
  /** 账册号 */
  manualNo: string | null;
  /** pushes with the same target and order key are delivered in id order */
  orderKey: string;
  /** client pushes: the business whose InBox receives the file */
  business: string;
  fileName: string;
  /** the payload; null once the retention period has passed */
  body: string | null;
  status: PushStatus;
  attempts: number;
  nextAttemptAt: string;
  /** handed to the client's queue (client pushes) or delivered (others) */
  handedAt: string | null;
  /** 下发时间 */
  deliveredAt: string | null;
  lastError: string | null;
  /** 重发标识 */
  resent: boolean;
  /** 重发时间 */
  resentAt: string | null;
  /** how often a user resent it: a client push's delivery carries this resend attempt (0: never resent) */
  resendCount: number;
  /** client pushes: what the client said it did with the latest delivery (null: nothing said yet) */
  clientOutcome: ReceivedOutcome | null;
  createdAt: string;
  /** W3C traceparent of the work that raised it, with tracing on (null otherwise): its delivery continues that trace */
  traceparent?: string | null;
}

export type NewPush = Omit<
  PushRow,
  'id' | 'status' | 'attempts' | 'handedAt' | 'deliveredAt' | 'lastError' | 'resent' | 'resentAt' | 'resendCount' | 'clientOutcome'
>;

export interface PushAttemptRow {
  id: number;
  pushId: number;
  at: string;
  /**
   * `delivered`, `queued` (handed to a client's queue), `taken` (the client fetched it), `failed`, `held`
   * (target suspended), `received` (a RabbitMQ client's report of what it did with the delivery)
   */
  outcome: string;
  error: string | null;
  durationMs: number;
  /** client pushes: the resend attempt the client was handed (0: the first delivery), where the client said what it did */
  resend?: number | null;
  /** client pushes: what the client did with that delivery — written, dropped as a redelivery, rejected */
  clientOutcome?: ReceivedOutcome | null;
}

/** A client's word on one delivery of a message (its acknowledgement, or a RabbitMQ report). */
export interface ClientReceipt {
  messageId: string;
  /** the delivery's resend attempt (0: the first delivery) */
  resend?: number;
  /** what the client did; null or absent when it did not say */
  outcome?: ReceivedOutcome | null;
}

/** The end of one attempt: the push's new state and the attempt in the log. */
export interface PushAttempt {
  pushId: number;
  change: {
    status: PushStatus;
    nextAttemptAt: string;
    handedAt?: string | null;
    deliveredAt?: string | null;
    lastError: string | null;
    countAttempt: boolean;
  };
  attempt: Omit<PushAttemptRow, 'id' | 'pushId'>;
}

export interface PushTargetRow {
  targetKey: string;
  consecutiveFailures: number;
  suspendedAt: string | null;
  /** when a suspended target is tried again */
  probeAt: string | null;
  lastError: string | null;
  updatedAt: string;
}

/** The push log's filters (GET /api/v1/pushes). */
export interface PushQuery extends ListQuery {
  enterpriseCode: string;
  manualNo?: string;
  documentNo?: string;
  clientId?: string;
  status?: PushStatus;
  /** 报文ID (the event log's search) */
  messageId?: string;
  /** the pushes one subscription caused (the event log's search; with `subscriptionKind`: of that kind only) */
  subscriptionId?: number;
  subscriptionKind?: PushSubscriptionKind;
  /** one target only, e.g. `webhook:<endpoint id>` (a webhook's delivery log) */
  targetKey?: string;
  /** ids above this one (a bulk resend's cursor) */
  idAfter?: number;
  /** ids up to this one (a bulk resend's snapshot) */
  idAtMost?: number;
}

/** Work for the push engine that is not a business event, e.g. a stock subscription's one push. */
export interface PushRequestRow {
  id: number;
  kind: 'manual-stock';
  subscriptionId: number;
  clientId: string;
  payload: Record<string, unknown>;
  createdAt: string;
  doneAt: string | null;
}

export interface PushJobRow {
  id: number;
  enterpriseCode: string;
  kind: 'resend';
  filter: Record<string, unknown>;
  status: 'running' | 'done' | 'failed';
  total: number;
  doneCount: number;
  skippedCount: number;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface PushStore {
  insertEvent(row: Omit<PushEventRow, 'id'>): Promise<number>;
  /** many events at once; their ids in the order of the rows */
  insertEvents(rows: readonly Omit<PushEventRow, 'id'>[]): Promise<number[]>;
  insert(rows: readonly NewPush[]): Promise<void>;
  /**
   * calls `listener` after each commit in this process that made pushes due (new pushes, resends,
   * a target back from suspension); returns the unsubscribe
   */
  onDue(listener: () => void): () => void;
  get(id: number): Promise<PushRow | undefined>;
  list(q: PushQuery): Promise<Paged<PushRow>>;
  /** ids of every push matching the filters, oldest first (bulk resend) */
  ids(q: Omit<PushQuery, 'offset' | 'limit'>, limit: number): Promise<number[]>;
  /**
   * Claims due pushes: not handed yet, due at `now`, and the first not-handed push of their
   * (target, order key) — so one document's or one manual's pushes never overtake each other.
   * A claimed push's next attempt moves to `leaseUntil`, so no other worker takes it meanwhile.
   */
  claimDue(now: string, leaseUntil: string, limit: number): Promise<PushRow[]>;
  /**
   * The pushes `claimDue` would claim, for the caller's transaction, without moving them: the caller
   * ends each one in that transaction — hands it over (`recordAttempts`) or leases it (`lease`). On
   * engines with row locks they stay locked until the transaction ends; SQLite's one writer keeps
   * another instance from writing them meanwhile. Only inside a transaction.
   */
  dueInTransaction(now: string, limit: number): Promise<PushRow[]>;
  /** moves the next attempt of these pushes, if still due at `now` and not handed, to `leaseUntil`; returns the ids moved */
  lease(ids: readonly number[], now: string, leaseUntil: string): Promise<number[]>;
  /** ends attempts: each push's new state and its attempt in the log */
  recordAttempts(attempts: readonly PushAttempt[]): Promise<void>;
  listAttempts(pushId: number): Promise<PushAttemptRow[]>;
  /**
   * the enterprise's client pushes delivered (下发成功) at or after `since`, at most `limit` of them,
   * newest first: when each was made and when it was delivered (the delivery charts; one query)
   */
  deliveredSince(enterpriseCode: string, since: string, limit: number): Promise<DeliveredPush[]>;
  /** the client fetched these messages (its pushes among them): every fetch is an attempt in the push log */
  countClientTakes(clientId: string, messageIds: readonly string[], at: string): Promise<void>;
  /**
   * the client acknowledged these messages: its pushes among them are delivered (下发成功); the
   * attempt records what the client said it did with each (written, dropped, rejected)
   */
  deliveredToClient(clientId: string, messages: readonly ClientReceipt[], at: string): Promise<void>;
  /**
   * a client's report of what it did with messages already delivered (RabbitMQ: the broker took them
   * earlier): one `received` attempt per push among them, and the push's latest client outcome
   */
  recordClientOutcomes(clientId: string, reports: readonly ClientReceipt[], at: string): Promise<number>;
  /** clients with a push handed before `handedBefore` and not acknowledged, or fetched `maxTakes` times without an ack */
  staleClientTargets(handedBefore: string, maxTakes: number): Promise<string[]>;

  getTarget(targetKey: string): Promise<PushTargetRow | undefined>;
  /** the health rows of these targets (targets never failed have none) */
  getTargets(targetKeys: readonly string[]): Promise<PushTargetRow[]>;
  upsertTarget(row: PushTargetRow): Promise<void>;
  suspendedTargets(): Promise<PushTargetRow[]>;
  /**
   * moves the undelivered pushes of a target to `status` (suspended on suspension, pending on
   * recovery); the not-handed ones also get `nextAttemptAt`
   */
  setTargetStatus(targetKey: string, status: PushStatus, nextAttemptAt: string): Promise<number>;

  /**
   * resend: the pushes go out again with their message ids as their next resend attempt, 重发标识 set;
   * returns the ids resent (a push whose payload is gone is not)
   */
  markResent(ids: readonly number[], at: string): Promise<number[]>;
  /** retention: drops payloads of delivered pushes created before `before`; returns how many */
  dropPayloads(before: string): Promise<number>;
  /**
   * A stock subscription's one push to its client, per subscription: how many messages it was split
   * into and how many the client acknowledged (下发成功). Subscriptions whose push is not written yet
   * are missing from the answer. Looked up through the manual's pushes.
   */
  stockProgress(subscriptions: readonly { id: number; manualNo: string }[]): Promise<Map<number, StockPushCounts>>;
}

/** A delivered client push, for the delivery charts. */
export interface DeliveredPush {
  clientId: string;
  createdAt: string;
  deliveredAt: string;
}

/** Counts of a stock subscription's client pushes (messages). */
export interface StockPushCounts {
  total: number;
  delivered: number;
}

/** Stock subscriptions' one push, as requests the engine picks up (one process each). */
export interface PushRequestStore {
  insert(row: Omit<PushRequestRow, 'id' | 'doneAt'>): Promise<number>;
  /** requests not done yet, oldest first */
  pending(limit: number): Promise<PushRequestRow[]>;
  /** claims and completes a request; false when another process has it or had it */
  complete(id: number, at: string): Promise<boolean>;
}

/** Bulk resends (重发) running as jobs with progress. */
export interface PushJobStore {
  insert(row: Omit<PushJobRow, 'id'>): Promise<number>;
  get(id: number): Promise<PushJobRow | undefined>;
  running(limit: number): Promise<PushJobRow[]>;
  update(
    id: number,
    change: Partial<Pick<PushJobRow, 'status' | 'total' | 'doneCount' | 'skippedCount' | 'finishedAt' | 'error' | 'filter'>>,
  ): Promise<void>;
}

/** A webhook endpoint attached to one subscription. */
export interface WebhookEndpointRow {
  id: number;
  enterpriseCode: string;
  subscriptionKind: PushSubscriptionKind;
  subscriptionId: number;
  url: string;
  /** `whsec_<base64>` (Standard Webhooks) */
  secret: string;
  createdAt: string;
  disabledAt: string | null;
}

export interface WebhookStore {
  insert(row: Omit<WebhookEndpointRow, 'id'>): Promise<number>;
  get(id: number): Promise<WebhookEndpointRow | undefined>;
  list(enterpriseCode: string): Promise<WebhookEndpointRow[]>;
  disable(id: number, at: string): Promise<boolean>;
  /** pushes to it again; false if it was not disabled */
  enable(id: number): Promise<boolean>;
  /** replaces the signing secret: every push from now on is signed with the new one */
  setSecret(id: number, secret: string): Promise<void>;
  /** enabled endpoints attached to any of the subscriptions */
  forSubscriptions(subscriptionKind: PushSubscriptionKind, subscriptionIds: readonly number[]): Promise<WebhookEndpointRow[]>;
}

/** A message of the app (掌上海关) or WeChat (微信小程序) feed of an enterprise. */
export interface FeedMessageRow {
  id: number;
  enterpriseCode: string;
  channel: 'app' | 'wechat';
  pushId: number;
  messageId: string;
  title: string;
  text: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface FeedStore {
  /** a redelivery of the same push is one message in the feed: returns the id it already has */
  insert(row: Omit<FeedMessageRow, 'id'>): Promise<number>;
  list(enterpriseCode: string, channel: 'app' | 'wechat' | undefined, q: ListQuery): Promise<Paged<FeedMessageRow>>;
}
