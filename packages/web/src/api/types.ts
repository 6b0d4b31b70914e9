/** The shapes the REST API answers (docs/api.md; OpenAPI at /api/docs/json). */
export interface List<T> {
  items: T[];
  total: number;
}

export interface CardProof {
  cardNo: string;
  pin: string;
}

export type SubscriptionStatus = 'active' | 'expired' | 'cancelled';

export interface Client {
  id: string;
  clientId: string;
  enterpriseCode: string;
  region: string;
  version: string;
  transport: 'https' | 'rabbitmq';
  environment: 'test' | 'prod';
  status: 'active' | 'disabled';
  device: { bound: boolean; boundAt?: string };
  createdAt: string;
  /** live status (GET /api/v1/clients): connected, backlog, suspended */
  live?: ClientLive;
}

export interface ClientLive {
  connected: boolean | null;
  connectedBy: 'exchange' | 'broker' | 'unknown';
  lastSeenAt: string | null;
  backlog: number;
  suspended: boolean;
  suspendedAt: string | null;
}

export interface TransportSettings {
  endpoint: string;
  user: string;
  password: string;
  sendQueue: string | null;
  receiveQueue: string | null;
  exchange: string | null;
}

export interface DeclarationSubscription {
  id: number;
  enterpriseCode: string;
  clientId: string;
  cardNo: string;
  operatorCode: string;
  declarationData: boolean;
  receiptTypes: string[];
  channels: string[];
  content: string;
  validUntil: string;
  validUntilText: string;
  subscribedAt: string;
  status: SubscriptionStatus;
  statusText: string;
}

export interface ReceiptSubscription {
  id: number;
  pushMethod: 'sms' | 'app' | 'wechat' | 'client';
  pushMethodText: string;
  mode: 'document' | 'enterprise' | 'operator';
  modeText: string;
  content: string;
  documentNo: string | null;
  phone: string | null;
  clientId: string | null;
  operatorCardNo: string | null;
  operatorCode: string;
  valid: boolean;
  status: 'active' | 'cancelled';
  subscribedAt: string;
}

export interface ManualSubscription {
  id: number;
  enterpriseCode: string;
  clientId: string;
  cardNo: string;
  operatorCode: string;
  kind: 'stock' | 'incremental';
  kindText: string;
  manualNo: string;
  content: string;
  validUntil: string;
  validUntilText: string;
  subscribedAt: string;
  status: SubscriptionStatus;
  statusText: string;
}

export interface Declaration {
  seqNo: string;
  clientSeqNo: string;
  senderClientId: string;
  senderEnterprise: string;
  tradeCode: string;
  ownerCode: string;
  agentCode: string;
  ieFlag: string;
  customMaster: string;
  entryId: string | null;
  channel: string | null;
  declaredAt: string;
  updatedAt: string;
}

export interface DeclarationReceipt {
  seqNo: string;
  channel: string;
  note: string;
  createdAt: string;
}

export interface SmsOutboxItem {
  id?: number;
  phone: string;
  text: string;
  createdAt?: string;
  sentAt?: string;
}

/** 推送记录 as issue 6 describes it; fields are read defensively until that API is final. */
export interface PushRecord {
  id: number | string;
  messageId?: string;
  manualNo?: string | null;
  documentNo?: string | null;
  clientId?: string;
  status?: string;
  statusText?: string;
  sentAt?: string | null;
  deliveredAt?: string | null;
  createdAt?: string;
  resent?: boolean;
  resentAt?: string | null;
  attempts?: unknown;
}
