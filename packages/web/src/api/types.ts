/**
 * The shapes the REST API answers, taken from the platform's contract (`@osw/platform/contract`):
 * the zod schemas its routes answer with and document at /api/docs. Type-only imports, so nothing
 * of the platform goes into the bundle; a field the console reads that the API does not answer
 * fails `tsc`.
 */
import type { CardProof as CardProofBody } from '@osw/messages/forms';
import type {
  AlertConditionView,
  AlertListView,
  AlertSettingsView,
  AlertSettingView,
  AlertView,
  AppliedClientView,
  AuditEntryView,
  CardView,
  ClientLiveView,
  ClientView,
  ClientWithLiveView,
  DeadLetterListView,
  DeadLetterView,
  OperatorView,
  OperatorWithPasswordView,
  RegionChangeView,
  DeclarationDetailView,
  DeclarationReceiptView,
  DeclarationSubscriptionView,
  DeclarationView,
  DeliveryStatsView,
  EventSearchView,
  FeedMessageView,
  IssuedReceiptView,
  JobView,
  ManualChangeView,
  ManualItemView,
  ManualSubscriptionView,
  ManualSummaryView,
  ManualView,
  PushAttemptView,
  PushDetailView,
  PushView,
  ReceiptSubscriptionView,
  ResendJobView,
  ResendView,
  SessionView,
  SmsOutboxView,
  SubscriptionStatus as SubscriptionStatusSchema,
  TransportSettingsView,
  VerificationCodeSentView,
  WebhookDeliveryView,
  WebhookTestView,
  WebhookView,
} from '@osw/platform/contract';
import type { z } from 'zod';

/** A page of a list (`listOf(view)` in the contract). */
export interface List<T> {
  items: T[];
  total: number;
}

/** 插入本企业的IC卡: what the card step sends along. */
export type CardProof = z.output<typeof CardProofBody>;

export type Session = z.output<typeof SessionView>;

export type SubscriptionStatus = z.output<typeof SubscriptionStatusSchema>;

export type Client = z.output<typeof ClientView>;
export type ClientLive = z.output<typeof ClientLiveView>;
/** a client as the list shows it, with its live status (connected, backlog, suspended) */
export type ClientWithLive = z.output<typeof ClientWithLiveView>;
export type TransportSettings = z.output<typeof TransportSettingsView>;
/** a new client with its transport settings, shown once */
export type AppliedClient = z.output<typeof AppliedClientView>;

export type DeclarationSubscription = z.output<typeof DeclarationSubscriptionView>;
export type ReceiptSubscription = z.output<typeof ReceiptSubscriptionView>;
export type ManualSubscription = z.output<typeof ManualSubscriptionView>;
export type VerificationCodeSent = z.output<typeof VerificationCodeSentView>;

export type Declaration = z.output<typeof DeclarationView>;
export type DeclarationReceipt = z.output<typeof DeclarationReceiptView>;
export type DeclarationDetail = z.output<typeof DeclarationDetailView>;

export type SmsOutboxItem = z.output<typeof SmsOutboxView>;
export type FeedMessage = z.output<typeof FeedMessageView>;

/** 推送记录 */
export type PushRecord = z.output<typeof PushView>;
export type EventSearch = z.output<typeof EventSearchView>;
export type DeliveryStats = z.output<typeof DeliveryStatsView>;
export type PushAttempt = z.output<typeof PushAttemptView>;
export type PushDetail = z.output<typeof PushDetailView>;
export type Job = z.output<typeof JobView>;
export type ResendAnswer = z.output<typeof ResendView>;
export type ResendJobAnswer = z.output<typeof ResendJobView>;

/** a webhook endpoint (the secret masked, but in full once: when created or rotated) */
export type Webhook = z.output<typeof WebhookView>;
export type WebhookTestResult = z.output<typeof WebhookTestView>;
/** one push of a webhook endpoint with its attempts */
export type WebhookDelivery = z.output<typeof WebhookDeliveryView>;

export type IssuedReceipt = z.output<typeof IssuedReceiptView>;
export type ManualSummary = z.output<typeof ManualSummaryView>;
export type ManualItem = z.output<typeof ManualItemView>;
export type Manual = z.output<typeof ManualView>;
export type ManualChangeRequest = z.output<typeof ManualChangeView>;

export type AuditEntry = z.output<typeof AuditEntryView>;

export type DeadLetter = z.output<typeof DeadLetterView>;
export type CardList = { items: z.output<typeof CardView>[]; total: number };
export type DeadLetterList = z.output<typeof DeadLetterListView>;

/** 用户管理: an operator of the enterprise, with its role, status and bound cards */
export type Operator = z.output<typeof OperatorView>;
export type OperatorWithPassword = z.output<typeof OperatorWithPasswordView>;
export type EnterpriseCard = z.output<typeof CardView>;
/** 服务地区变更申请 */
export type RegionChange = z.output<typeof RegionChangeView>;
/** 告警: one occurrence of a condition, as the console's notification list shows it */
export type Alert = z.output<typeof AlertView>;
export type AlertList = z.output<typeof AlertListView>;
export type AlertCondition = z.output<typeof AlertConditionView>;
export type AlertSetting = z.output<typeof AlertSettingView>;
export type AlertSettings = z.output<typeof AlertSettingsView>;
