/**
 * The subscription services' store ports, one per service of the manuals: 报关单数据订阅
 * (declaration data and receipts to a client), 报关状态订阅 (receipts by SMS, app, WeChat or
 * client) and 加工贸易账册数据订阅 (manual stock or increments). Each has the lookups the push engine
 * matches events with (`active`), indexed so an event's cost does not grow with the subscriptions.
 */
import type { ListQuery, Paged } from '../paging.js';

/** What a subscription list shows: `expired` is derived from `expiresAt` and `now`, never stored. */
export type SubscriptionStatus = 'active' | 'expired' | 'cancelled';

export interface SubscriptionQuery extends ListQuery {
  /** the instant against which `active`/`expired` are decided */
  now: string;
  status?: SubscriptionStatus;
  clientId?: string;
}

/** The change of a subscription with a validity: extend or cancel. */
export type ValidityChange = { validUntil: string; expiresAt: string; cancelledAt: string | null; updatedAt: string };

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

export interface DeclarationSubscriptionStore {
  insert(row: Omit<DeclarationSubscriptionRow, 'id'>): Promise<number>;
  get(id: number): Promise<DeclarationSubscriptionRow | undefined>;
  /** the subscriptions with these ids (those that exist; one query for the set) */
  getMany(ids: readonly number[]): Promise<DeclarationSubscriptionRow[]>;
  update(id: number, change: ValidityChange): Promise<void>;
  list(enterpriseCode: string, q: SubscriptionQuery): Promise<Paged<DeclarationSubscriptionRow>>;
  /** push engine: the enterprises' subscriptions in force at `now`, by id (index: enterprise, expires_at) */
  active(enterpriseCodes: readonly string[], now: string): Promise<DeclarationSubscriptionRow[]>;
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
  /** client push: the receipt types as asked (manual names or CHANNEL codes); null: every receipt */
  receiptTypes: string[] | null;
  /** the CHANNEL codes they stand for; null: every receipt */
  channels: string[] | null;
  /** client push: last valid day `yyyy-MM-dd` China time (at most one year); null: no end (the other push methods) */
  validUntil: string | null;
  /** the end of `validUntil` in China time; null: no end */
  expiresAt: string | null;
  cancelledAt: string | null;
  createdAt: string;
}

export interface ReceiptSubscriptionQuery extends ListQuery {
  /** active: neither cancelled nor past its validity at `now` */
  status?: 'active' | 'expired' | 'cancelled';
  now?: string;
  clientId?: string;
  pushMethod?: ReceiptPushMethod;
  mode?: ReceiptSubscriptionMode;
  documentNo?: string;
}

export interface ReceiptSubscriptionStore {
  insert(row: Omit<ReceiptSubscriptionRow, 'id'>): Promise<number>;
  get(id: number): Promise<ReceiptSubscriptionRow | undefined>;
  /** the subscriptions with these ids (those that exist; one query for the set) */
  getMany(ids: readonly number[]): Promise<ReceiptSubscriptionRow[]>;
  /** false when it was cancelled already */
  cancel(id: number, at: string): Promise<boolean>;
  /** 延期: the new validity; false when it was cancelled meanwhile */
  setValidity(id: number, change: { validUntil: string; expiresAt: string }): Promise<boolean>;
  list(enterpriseCode: string, q: ReceiptSubscriptionQuery): Promise<Paged<ReceiptSubscriptionRow>>;
  /**
   * push engine: receipt subscriptions not cancelled that cover any of a set of declarations (the
   * caller checks validity and channels per receipt) — by document
   * (their 统一编号), by enterprise (the parties' codes) or by operator (the 录入人 codes that entered
   * them) — by id.
   */
  active(match: {
    seqNos?: readonly string[];
    enterpriseCodes?: readonly string[];
    operatorCodes?: readonly string[];
  }): Promise<ReceiptSubscriptionRow[]>;
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

export interface ManualSubscriptionStore {
  /**
   * Inserts a manual subscription. With `exclusiveAt` (incremental ones) it becomes the only one in
   * force for (enterprise, manual): returns null when another is in force at that instant.
   */
  insert(row: Omit<ManualSubscriptionRow, 'id'>, opts: { exclusiveAt?: string }): Promise<number | null>;
  get(id: number): Promise<ManualSubscriptionRow | undefined>;
  /** the subscriptions with these ids (those that exist; one query for the set) */
  getMany(ids: readonly number[]): Promise<ManualSubscriptionRow[]>;
  update(id: number, change: ValidityChange): Promise<void>;
  list(enterpriseCode: string, q: ManualSubscriptionQuery): Promise<Paged<ManualSubscriptionRow>>;
  /** push engine: incremental subscriptions of a manual in force at `now` (index: manual, kind, expires_at) */
  active(manualNo: string, now: string): Promise<ManualSubscriptionRow[]>;
}
