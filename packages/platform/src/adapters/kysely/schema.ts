/**
 * Table types as the store sees them (camelCase; CamelCasePlugin maps to snake_case columns).
 * Each table is its row type of the core, declared once there, with what storage changes spelled
 * out: generated ids, booleans as 0/1, JSON as text, and the columns the core never sees.
 */
import type { Generated } from 'kysely';
import type { AlertRow, AlertSettingRow } from '../../core/alerts/store.js';
import type { AuditRow } from '../../core/audit/store.js';
import type { ClientRow, RegionChangeRow } from '../../core/clients/store.js';
import type { DeclarationReceiptRow, DeclarationRow } from '../../core/declarations/store.js';
import type { DeliveryRow, InboundRow } from '../../core/exchange/store.js';
import type { CardRow, EnterpriseRow, OperatorRow, SessionRow } from '../../core/identity/store.js';
import type { ManualItemRow, ManualRow } from '../../core/manuals/store.js';
import type {
  FeedMessageRow,
  PushAttemptRow,
  PushEventRow,
  PushJobRow,
  PushRequestRow,
  PushRow,
  PushTargetRow,
  WebhookEndpointRow,
} from '../../core/push/store.js';
import type { ManualChangeRow, SandboxJobRow } from '../../core/sandbox/store.js';
import type { SmsOutboxRow, VerificationCodeRow } from '../../core/sms/store.js';
import type { DeclarationSubscriptionRow, ManualSubscriptionRow, ReceiptSubscriptionRow } from '../../core/subscriptions/store.js';

/** A row as stored: `Row` without the fields in `Drop`, with the fields of `Over` instead. */
type Stored<Row, Drop extends keyof Row, Over> = Omit<Row, Drop> & Over;
/** 0 or 1 */
type Flag = number;
type Id = Generated<number>;

export interface Database {
  enterprises: EnterpriseRow;
  operators: OperatorRow;
  cards: Stored<CardRow, 'locked', { locked: Flag }>;
  sessions: SessionRow;
  clients: Stored<ClientRow, 'deviceBoundAt' | 'lastSeenAt', { deviceBoundAt: string | null; lastSeenAt: string | null }>;
  clientRegionChanges: Stored<RegionChangeRow, 'id', { id: Id }>;
  manuals: Stored<ManualRow, 'head', { headJson: string }>;
  manualItems: ManualItemRow;
  serials: { name: string; value: number };
  inboundMessages: Stored<InboundRow, 'accepted', { accepted: Flag }>;
  declarations: DeclarationRow & {
    /** the ClientSeqNo under a unique index per sender enterprise; NULL for a repeat accepted before migration 0007 */
    uniqueClientSeqNo: string | null;
  };
  declarationReceipts: DeclarationReceiptRow & { id: Id };
  deliveries: Stored<
    DeliveryRow,
    'id' | 'attempts' | 'resend',
    {
      id: Id;
      attempts: Generated<number>;
      resend: Generated<number>;
      ackedAt: string | null;
      /** a push's delivery: the push whose body it carries ('' in `body` then); NULL for the others (and those before 0008) */
      pushId: number | null;
    }
  >;
  sandboxJobs: Stored<SandboxJobRow, 'id' | 'payload', { id: Id; payloadJson: string; doneAt: string | null }>;
  declarationSubscriptions: Stored<
    DeclarationSubscriptionRow,
    'id' | 'declarationData' | 'receiptTypes' | 'channels',
    { id: Id; declarationData: Flag; receiptTypesJson: string; channelsJson: string }
  >;
  receiptSubscriptions: Stored<
    ReceiptSubscriptionRow,
    'id' | 'receiptTypes' | 'channels',
    { id: Id; receiptTypesJson: string | null; channelsJson: string | null }
  >;
  manualSubscriptions: Stored<
    ManualSubscriptionRow,
    'id' | 'pushTypes' | 'imgRange' | 'exgRange',
    {
      id: Id;
      pushTypes: string;
      imgFrom: number | null;
      imgTo: number | null;
      exgFrom: number | null;
      exgTo: number | null;
      /** `<enterprise>:<manual>` while an incremental subscription is in force (unique) */
      activeKey: string | null;
    }
  >;
  pushRequests: Stored<PushRequestRow, 'id' | 'payload', { id: Id; payloadJson: string }>;
  verificationCodes: Stored<VerificationCodeRow, 'id' | 'attempts', { id: Id; attempts: Generated<number> }>;
  smsOutbox: Stored<SmsOutboxRow, 'id', { id: Id }>;
  auditLog: Stored<AuditRow, 'id' | 'before' | 'after', { id: Id; beforeJson: string | null; afterJson: string | null }>;
  pushEvents: Stored<PushEventRow, 'id' | 'payload', { id: Id; payloadJson: string }>;
  pushes: Stored<PushRow, 'id' | 'resent' | 'resendCount', { id: Id; resent: Flag; resendCount: Generated<number> }>;
  pushAttempts: Stored<PushAttemptRow, 'id', { id: Id }>;
  pushTargets: PushTargetRow;
  webhookEndpoints: Stored<WebhookEndpointRow, 'id', { id: Id }>;
  pushJobs: Stored<PushJobRow, 'id' | 'filter', { id: Id; filterJson: string }>;
  messageFeed: Stored<FeedMessageRow, 'id' | 'payload', { id: Id; payloadJson: string }>;
  manualChanges: Stored<ManualChangeRow, 'id' | 'change' | 'autoApprove', { id: Id; changeJson: string; autoApprove: Flag }>;
  alerts: Stored<
    AlertRow,
    'id' | 'detail' | 'console' | 'deliveries',
    {
      id: Id;
      detailJson: string;
      console: Flag;
      deliveriesJson: Generated<string>;
      /** `<enterprise>|<kind>|<subject>` while the condition holds (unique); NULL once cleared */
      openKey: string | null;
    }
  >;
  alertSettings: Stored<
    AlertSettingRow,
    'channels' | 'phones' | 'emails' | 'webhookIds',
    { channelsJson: string; phonesJson: string; emailsJson: string; webhookIdsJson: string }
  >;
}
