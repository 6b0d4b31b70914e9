/** The Store port: everything the platform core reads and writes. One implementation per engine family (Kysely). */

export interface EnterpriseRow {
  customsCode: string;
  uscc: string;
  name: string;
  region: string;
  createdAt: string;
}

export interface OperatorRow {
  account: string;
  enterpriseCode: string;
  name: string;
  operatorCode: string;
  passwordHash: string;
  failedLogins: number;
  lockedUntil: string | null;
  createdAt: string;
}

export type CardKind = 'legal' | 'operator';

export interface CardRow {
  cardNo: string;
  enterpriseCode: string;
  kind: CardKind;
  holderAccount: string | null;
  publicKeyPem: string;
  fingerprint: string;
  pinHash: string;
  triesLeft: number;
  locked: boolean;
  createdAt: string;
}

export type ClientStatus = 'active' | 'disabled';

export interface ClientRow {
  clientId: string;
  enterpriseCode: string;
  region: string;
  version: string;
  transport: 'http' | 'amqp';
  environment: 'test' | 'prod';
  secretHash: string;
  status: ClientStatus;
  deviceFingerprint: string | null;
  deviceBoundAt?: string | null;
  createdAt: string;
  /** the last exchange request of an HTTP client (kept to within a few seconds) */
  lastSeenAt?: string | null;
}

export interface ManualRow {
  manualNo: string;
  enterpriseCode: string;
  head: Record<string, string>;
  version: number;
  createdAt: string;
}

export interface ManualItemRow {
  manualNo: string;
  kind: 'img' | 'exg';
  serial: number;
  code: string;
  name: string;
  model: string;
  unit: string;
  quantity: string;
}

export interface InboundRow {
  clientId: string;
  messageId: string;
  business: string;
  fileName: string;
  family: string;
  messageType: string;
  sha256: string;
  body: Uint8Array;
  accepted: boolean;
  responseXml: string;
  documentKey: string | null;
  receivedAt: string;
}

export interface DeclarationRow {
  seqNo: string;
  clientSeqNo: string;
  senderClientId: string;
  senderEnterprise: string;
  tradeCode: string;
  ownerCode: string;
  agentCode: string;
  ieFlag: string;
  customMaster: string;
  entryId: string;
  channel: string;
  messageId: string;
  xml: string;
  declaredAt: string;
  updatedAt: string;
}

export interface DeclarationReceiptRow {
  seqNo: string;
  channel: string;
  note: string;
  xml: string;
  createdAt: string;
}

export interface DeliveryRow {
  id: number;
  clientId: string;
  /** stable across redeliveries and resends: receivers drop a message id they have written */
  messageId: string;
  business: string;
  fileName: string;
  body: string;
  createdAt: string;
  attempts: number;
}

export interface SandboxJobRow {
  id: number;
  kind: string;
  documentKey: string;
  payload: Record<string, string>;
  dueAt: string;
}

export interface SessionRow {
  tokenHash: string;
  account: string;
  enterpriseCode: string;
  expiresAt: string;
}

export interface Store extends RegistryStore, PushStore {
  /** Runs fn in one transaction; fn receives a Store bound to it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * True when one process owns the store (SQLite: one connection, one writer). An open transaction
   * then holds up every other query of the process, so none may wait on anything slow (a broker's
   * confirms) inside one; claims need no row locks either.
   */
  readonly singleProcess: boolean;
  /** Next value of a named serial (per-year serials use names like `seqNo:2026`). */
  nextSerial(name: string): Promise<number>;

  insertEnterprise(row: EnterpriseRow): Promise<void>;
  getEnterprise(customsCode: string): Promise<EnterpriseRow | undefined>;
  countEnterprises(): Promise<number>;
  insertOperator(row: OperatorRow): Promise<void>;
  getOperator(account: string): Promise<OperatorRow | undefined>;
  updateOperatorLogin(account: string, failedLogins: number, lockedUntil: string | null): Promise<void>;
  insertCard(row: CardRow): Promise<void>;
  getCard(cardNo: string): Promise<CardRow | undefined>;
  insertClient(row: ClientRow): Promise<void>;
  getClient(clientId: string): Promise<ClientRow | undefined>;
  /** binds a client to a device fingerprint (null unbinds) */
  setClientDevice(clientId: string, fingerprint: string | null, at: string | null): Promise<void>;
  insertManual(row: ManualRow, items: ManualItemRow[]): Promise<void>;
  getManual(manualNo: string): Promise<ManualRow | undefined>;
  /** the manuals an enterprise holds (its own 账册), by manual number */
  listManuals(enterpriseCode: string): Promise<ManualRow[]>;
  listManualItems(manualNo: string): Promise<ManualItemRow[]>;
  insertSession(row: SessionRow): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRow | undefined>;

  getInbound(clientId: string, messageId: string): Promise<InboundRow | undefined>;
  insertInbound(row: InboundRow): Promise<void>;

  insertDeclaration(row: DeclarationRow): Promise<void>;
  getDeclaration(seqNo: string): Promise<DeclarationRow | undefined>;
  updateDeclarationStatus(seqNo: string, channel: string, entryId: string, updatedAt: string): Promise<void>;
  /** Declarations the enterprise sent or is named in as 收发货人/消费使用单位. */
  listDeclarationsFor(enterpriseCode: string, limit: number): Promise<DeclarationRow[]>;
  insertDeclarationReceipt(row: DeclarationReceiptRow): Promise<void>;
  listDeclarationReceipts(seqNo: string): Promise<DeclarationReceiptRow[]>;

  enqueueDelivery(row: Omit<DeliveryRow, 'id' | 'attempts'>): Promise<number>;
  /** Unacknowledged deliveries of a client, oldest first; counts the attempt. */
  takeDeliveries(clientId: string, max: number): Promise<DeliveryRow[]>;
  /** Acknowledges deliveries; a delivery that carries a push marks that push delivered (下发成功). */
  ackDeliveries(clientId: string, ids: readonly number[], at: string): Promise<number>;
  countPendingDeliveries(clientId: string): Promise<number>;
  /** records an exchange request of a client at `at`, unless one after `notBefore` is recorded already (one write per few seconds, whichever instance) */
  touchClientSeen(clientId: string, at: string, notBefore: string): Promise<void>;

  insertSandboxJob(row: Omit<SandboxJobRow, 'id'>): Promise<number>;
  /** Due jobs, oldest due first; the caller completes each with completeSandboxJob in its transaction. */
  dueSandboxJobs(now: string, limit: number): Promise<SandboxJobRow[]>;
  completeSandboxJob(id: number, at: string): Promise<boolean>;
}

// ---- client registry, subscriptions, SMS, audit (issue 5) ----

/** One page of a list: `rows` of this page and the `total` matching the filters. */
export interface Paged<T> {
  rows: T[];
  total: number;
}

/** Pagination and the filters every list has: created-at range (ISO instants, `from` inclusive, `before` exclusive). */
export interface ListQuery {
  offset: number;
  limit: number;
  createdFrom?: string;
  createdBefore?: string;
}

export interface ClientQuery extends ListQuery {
  status?: ClientStatus;
  clientId?: string;
}

/** What a subscription list shows: `expired` is derived from `expiresAt` and `now`, never stored. */
export type SubscriptionStatus = 'active' | 'expired' | 'cancelled';

export interface SubscriptionQuery extends ListQuery {
  /** the instant against which `active`/`expired` are decided */
  now: string;
  status?: SubscriptionStatus;
  clientId?: string;
}

/** 报关单数据订阅: declaration data and receipts of the enterprise's declarations to one of its clients. */
export interface DeclarationSubscriptionRow {
  id: number;
  enterpriseCode: string;
  clientId: string;
  /** 操作员卡号: the card that proved the operation (a 法人卡) */
  cardNo: string;
  operatorAccount: string;
  /** 录入人 */
  operatorCode: string;
  declarationData: boolean;
  /** receipt types as asked (manual names or CHANNEL codes) */
  receiptTypes: string[];
  /** the CHANNEL codes they stand for */
  channels: string[];
  /** last valid day, `yyyy-MM-dd` China time */
  validUntil: string;
  /** the instant the subscription stops: the end of `validUntil` in China time */
  expiresAt: string;
  cancelledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type ReceiptPushMethod = 'sms' | 'app' | 'wechat' | 'client';
export type ReceiptSubscriptionMode = 'document' | 'enterprise' | 'operator';

/** 报关状态订阅 (互联网+海关): receipts by SMS, app, WeChat or client. */
export interface ReceiptSubscriptionRow {
  id: number;
  enterpriseCode: string;
  pushMethod: ReceiptPushMethod;
  mode: ReceiptSubscriptionMode;
  /** 业务单据号 as asked (统一编号 or 海关编号), mode `document` */
  documentNo: string | null;
  /** the declaration's 统一编号, mode `document` */
  seqNo: string | null;
  phone: string | null;
  clientId: string | null;
  operatorCardNo: string | null;
  operatorAccount: string;
  /** 录入人 of the subscriber; mode `operator` covers the documents this code entered */
  operatorCode: string;
  cancelledAt: string | null;
  createdAt: string;
}

export interface ReceiptSubscriptionQuery extends ListQuery {
  status?: 'active' | 'cancelled';
  clientId?: string;
  pushMethod?: ReceiptPushMethod;
  mode?: ReceiptSubscriptionMode;
  documentNo?: string;
}

export type ManualSubscriptionKind = 'stock' | 'incremental';

export interface SerialRange {
  from: number;
  to: number;
}

/** 加工贸易账册数据订阅: stock (存量, one push) or incremental (增量, every approved change). */
export interface ManualSubscriptionRow {
  id: number;
  enterpriseCode: string;
  clientId: string;
  cardNo: string;
  operatorAccount: string;
  operatorCode: string;
  kind: ManualSubscriptionKind;
  manualNo: string;
  pushTypes: ('img' | 'exg')[];
  imgRange: SerialRange | null;
  exgRange: SerialRange | null;
  /** 订阅内容 as the manual shows it */
  content: string;
  validUntil: string;
  expiresAt: string;
  cancelledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ManualSubscriptionQuery extends SubscriptionQuery {
  kind?: ManualSubscriptionKind;
  manualNo?: string;
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

export interface VerificationCodeRow {
  id: number;
  phone: string;
  enterpriseCode: string;
  codeHash: string;
  attempts: number;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** An SMS as written by the embedded SMS provider (the console shows them). */
export interface SmsOutboxRow {
  id: number;
  enterpriseCode: string | null;
  phone: string;
  text: string;
  provider: string;
  createdAt: string;
}

/** One change: who, when, with which card, what it was before and after. */
export interface AuditRow {
  id: number;
  enterpriseCode: string;
  account: string;
  cardNo: string | null;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
  at: string;
}

export interface AuditQuery extends ListQuery {
  entity?: string;
  entityId?: string;
}

/** The Store additions of the client registry, the subscriptions, SMS and the audit log. */
export interface RegistryStore {
  listClients(enterpriseCode: string, q: ClientQuery): Promise<Paged<ClientRow>>;
  setClientStatus(clientId: string, status: ClientStatus): Promise<void>;
  /** counts a wrong PIN down atomically and locks the card at zero; returns what is left */
  recordCardPinFailure(cardNo: string): Promise<{ triesLeft: number; locked: boolean }>;
  /** a right PIN gives the card its tries back */
  resetCardPinTries(cardNo: string, tries: number): Promise<void>;
  /** a declaration by 统一编号 (SeqNo) or 海关编号 (ENTRY_ID) */
  findDeclarationByNumber(documentNo: string): Promise<DeclarationRow | undefined>;

  insertDeclarationSubscription(row: Omit<DeclarationSubscriptionRow, 'id'>): Promise<number>;
  getDeclarationSubscription(id: number): Promise<DeclarationSubscriptionRow | undefined>;
  updateDeclarationSubscription(id: number, change: Pick<DeclarationSubscriptionRow, 'validUntil' | 'expiresAt' | 'cancelledAt' | 'updatedAt'>): Promise<void>;
  listDeclarationSubscriptions(enterpriseCode: string, q: SubscriptionQuery): Promise<Paged<DeclarationSubscriptionRow>>;
  /** push engine: the enterprise's subscriptions in force at `now` (index: enterprise, expires_at) */
  activeDeclarationSubscriptions(enterpriseCode: string, now: string): Promise<DeclarationSubscriptionRow[]>;

  insertReceiptSubscription(row: Omit<ReceiptSubscriptionRow, 'id'>): Promise<number>;
  getReceiptSubscription(id: number): Promise<ReceiptSubscriptionRow | undefined>;
  cancelReceiptSubscription(id: number, at: string): Promise<boolean>;
  listReceiptSubscriptions(enterpriseCode: string, q: ReceiptSubscriptionQuery): Promise<Paged<ReceiptSubscriptionRow>>;
  /**
   * push engine: active receipt subscriptions that cover one declaration — by document (its
   * 统一编号), by enterprise (the parties' codes) or by operator (the 录入人 code that entered it).
   */
  activeReceiptSubscriptions(match: { seqNo?: string; enterpriseCodes?: string[]; operatorCodes?: string[] }): Promise<ReceiptSubscriptionRow[]>;

  /**
   * Inserts a manual subscription. With `exclusiveAt` (incremental ones) it becomes the only one in
   * force for (enterprise, manual): returns null when another is in force at that instant.
   */
  insertManualSubscription(row: Omit<ManualSubscriptionRow, 'id'>, opts: { exclusiveAt?: string }): Promise<number | null>;
  getManualSubscription(id: number): Promise<ManualSubscriptionRow | undefined>;
  updateManualSubscription(id: number, change: Pick<ManualSubscriptionRow, 'validUntil' | 'expiresAt' | 'cancelledAt' | 'updatedAt'>): Promise<void>;
  listManualSubscriptions(enterpriseCode: string, q: ManualSubscriptionQuery): Promise<Paged<ManualSubscriptionRow>>;
  /** push engine: incremental subscriptions of a manual in force at `now` (index: manual, kind, expires_at) */
  activeManualSubscriptions(manualNo: string, now: string): Promise<ManualSubscriptionRow[]>;

  insertPushRequest(row: Omit<PushRequestRow, 'id' | 'doneAt'>): Promise<number>;
  /** push engine: requests not done yet, oldest first */
  pendingPushRequests(limit: number): Promise<PushRequestRow[]>;
  completePushRequest(id: number, at: string): Promise<boolean>;

  insertVerificationCode(row: Omit<VerificationCodeRow, 'id'>): Promise<number>;
  /** codes sent to a phone since an instant, newest first */
  recentVerificationCodes(phone: string, since: string): Promise<VerificationCodeRow[]>;
  countVerificationAttempt(id: number): Promise<void>;
  /** marks a code used; false when it was used already */
  useVerificationCode(id: number, at: string): Promise<boolean>;
  insertSmsOutbox(row: Omit<SmsOutboxRow, 'id'>): Promise<number>;
  listSmsOutbox(enterpriseCode: string, q: ListQuery): Promise<Paged<SmsOutboxRow>>;

  insertAudit(row: Omit<AuditRow, 'id'>): Promise<number>;
  listAudit(enterpriseCode: string, q: AuditQuery): Promise<Paged<AuditRow>>;
}

// ---- push engine, push log, sandbox manual changes (issue 6) ----

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
  createdAt: string;
}

export type NewPush = Omit<PushRow, 'id' | 'status' | 'attempts' | 'handedAt' | 'deliveredAt' | 'lastError' | 'resent' | 'resentAt'>;

export interface PushAttemptRow {
  id: number;
  pushId: number;
  at: string;
  /** `delivered`, `queued` (handed to a client's queue), `taken` (the client fetched it), `failed`, `held` (target suspended) */
  outcome: string;
  error: string | null;
  durationMs: number;
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
  /** ids above this one (a bulk resend's cursor) */
  idAfter?: number;
  /** ids up to this one (a bulk resend's snapshot) */
  idAtMost?: number;
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

export type ManualChangeStatus = 'pending' | 'approved';

/** A change request of a processing-trade manual (sandbox): head fields and rows to add, modify or delete. */
export interface ManualChangeRow {
  id: number;
  manualNo: string;
  enterpriseCode: string;
  account: string;
  change: ManualChange;
  /** approved by the sandbox after its delay; else only by an API call */
  autoApprove: boolean;
  status: ManualChangeStatus;
  /** the manual's version after approval */
  version: number | null;
  requestedAt: string;
  decidedAt: string | null;
}

export interface ManualChange {
  head?: Record<string, string>;
  items?: ManualItemChange[];
}

export interface ManualItemChange {
  kind: 'img' | 'exg';
  action: 'add' | 'modify' | 'delete';
  serial: number;
  code?: string;
  name?: string;
  model?: string;
  unit?: string;
  quantity?: string;
}

/**
 * The Store additions of the push engine. Claims are written so that several platform instances
 * may race on them: a claim is a conditional update that only one instance wins (and the select may
 * take `FOR UPDATE SKIP LOCKED` where the engine has it).
 */
export interface PushStore {
  insertPushEvent(row: Omit<PushEventRow, 'id'>): Promise<number>;
  insertPushes(rows: NewPush[]): Promise<void>;
  getPush(id: number): Promise<PushRow | undefined>;
  listPushes(q: PushQuery): Promise<Paged<PushRow>>;
  /** ids of every push matching the filters, oldest first (bulk resend) */
  pushIds(q: Omit<PushQuery, 'offset' | 'limit'>, limit: number): Promise<number[]>;
  /**
   * Claims due pushes: not handed yet, due at `now`, and the first not-handed push of their
   * (target, order key) — so one document's or one manual's pushes never overtake each other.
   * A claimed push's next attempt moves to `leaseUntil`, so no other worker takes it meanwhile.
   */
  claimDuePushes(now: string, leaseUntil: string, limit: number): Promise<PushRow[]>;
  /** ends an attempt: the push's new state and the attempt in the log */
  recordPushAttempt(
    id: number,
    change: { status: PushStatus; nextAttemptAt: string; handedAt?: string | null; deliveredAt?: string | null; lastError: string | null; countAttempt: boolean },
    attempt: Omit<PushAttemptRow, 'id' | 'pushId'>,
  ): Promise<void>;
  listPushAttempts(pushId: number): Promise<PushAttemptRow[]>;
  /** queues a client push into the client's exchange queue (or puts its earlier delivery back); returns the delivery id */
  queueClientPush(push: Pick<PushRow, 'clientId' | 'messageId' | 'business' | 'fileName' | 'body'>, at: string): Promise<number>;
  /** clients with a push handed before `handedBefore` and not acknowledged, or fetched `maxTakes` times without an ack */
  staleClientTargets(handedBefore: string, maxTakes: number): Promise<string[]>;
  /** whether the client acknowledged anything since `since` */
  clientAckedSince(clientId: string, since: string): Promise<boolean>;

  getPushTarget(targetKey: string): Promise<PushTargetRow | undefined>;
  upsertPushTarget(row: PushTargetRow): Promise<void>;
  suspendedPushTargets(): Promise<PushTargetRow[]>;
  /** moves the undelivered pushes of a target to `status` (suspended on suspension, pending on recovery); the not-handed ones also get `nextAttemptAt` */
  setTargetPushesStatus(targetKey: string, status: PushStatus, nextAttemptAt: string): Promise<number>;

  /** resend: the push goes out again with its message id, 重发标识 set; false when its payload is gone */
  markPushResent(id: number, at: string): Promise<boolean>;
  /** retention: drops payloads of delivered pushes created before `before`, and acknowledged deliveries acknowledged before it */
  dropPushPayloads(before: string): Promise<{ pushes: number; deliveries: number }>;

  insertWebhookEndpoint(row: Omit<WebhookEndpointRow, 'id'>): Promise<number>;
  getWebhookEndpoint(id: number): Promise<WebhookEndpointRow | undefined>;
  listWebhookEndpoints(enterpriseCode: string): Promise<WebhookEndpointRow[]>;
  disableWebhookEndpoint(id: number, at: string): Promise<boolean>;
  /** enabled endpoints attached to any of the subscriptions */
  webhooksFor(subscriptionKind: PushSubscriptionKind, subscriptionIds: readonly number[]): Promise<WebhookEndpointRow[]>;

  insertPushJob(row: Omit<PushJobRow, 'id'>): Promise<number>;
  getPushJob(id: number): Promise<PushJobRow | undefined>;
  runningPushJobs(limit: number): Promise<PushJobRow[]>;
  updatePushJob(id: number, change: Partial<Pick<PushJobRow, 'status' | 'total' | 'doneCount' | 'skippedCount' | 'finishedAt' | 'error' | 'filter'>>): Promise<void>;

  insertFeedMessage(row: Omit<FeedMessageRow, 'id'>): Promise<number>;
  listFeed(enterpriseCode: string, channel: 'app' | 'wechat' | undefined, q: ListQuery): Promise<Paged<FeedMessageRow>>;

  insertManualChange(row: Omit<ManualChangeRow, 'id'>): Promise<number>;
  getManualChange(id: number): Promise<ManualChangeRow | undefined>;
  listManualChanges(manualNo: string, q: ListQuery): Promise<Paged<ManualChangeRow>>;
  /** pending changes to approve automatically, requested before an instant, oldest first */
  dueManualChanges(requestedBefore: string, limit: number): Promise<ManualChangeRow[]>;
  /** pending → approved with the version; false when it was decided already */
  approveManualChange(id: number, version: number, at: string): Promise<boolean>;
  /** the manual's version + 1, atomically (concurrent approvals get consecutive versions) */
  bumpManualVersion(manualNo: string): Promise<number>;
  updateManualHead(manualNo: string, head: Record<string, string>): Promise<void>;
  upsertManualItem(row: ManualItemRow): Promise<void>;
  deleteManualItem(manualNo: string, kind: 'img' | 'exg', serial: number): Promise<void>;
}
