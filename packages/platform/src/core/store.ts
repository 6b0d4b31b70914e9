/**
 * The store the platform process uses: one port per feature slice, composed. Each slice declares
 * its own port and rows next to its rules (`core/<feature>/store.ts`); adapters implement each
 * slice (`adapters/kysely/stores/<feature>.ts`) and compose them in one place.
 */
import type { AlertStore } from './alerts/store.js';
import type { AuditStore } from './audit/store.js';
import type { ClientStore } from './clients/store.js';
import type { DeclarationStore } from './declarations/store.js';
import type { DeliveryStore, InboundStore } from './exchange/store.js';
import type { IdentityStore } from './identity/store.js';
import type { ManualStore } from './manuals/store.js';
import type { FeedStore, PushJobStore, PushRequestStore, PushStore, WebhookStore } from './push/store.js';
import type { SandboxStore } from './sandbox/store.js';
import type { SmsStore } from './sms/store.js';
import type { DeclarationSubscriptionStore, ManualSubscriptionStore, ReceiptSubscriptionStore } from './subscriptions/store.js';

export type * from './paging.js';
export type * from './alerts/store.js';
export type * from './audit/store.js';
export type * from './clients/store.js';
export type * from './declarations/store.js';
export type * from './exchange/store.js';
export type * from './identity/store.js';
export type * from './manuals/store.js';
export type * from './push/store.js';
export type * from './sandbox/store.js';
export type * from './sms/store.js';
export type * from './subscriptions/store.js';

/** Named serials (per-year serials use names like `seqNo:2026`). */
export interface SerialStore {
  /** the next value, atomically: two instances asking at once get different values */
  next(name: string): Promise<number>;
  /** `count` consecutive values at once (a batch's file stamps); returns the first */
  nextMany(name: string, count: number): Promise<number>;
  /**
   * Gives back the last `count` values of a block whose last value is `last`, when nothing was taken
   * after it (the caller's transaction reserved it and still holds the serial); false otherwise.
   */
  giveBack(name: string, count: number, last: number): Promise<boolean>;
}

export interface Store {
  readonly identity: IdentityStore;
  readonly clients: ClientStore;
  readonly inbound: InboundStore;
  readonly deliveries: DeliveryStore;
  readonly declarations: DeclarationStore;
  readonly manuals: ManualStore;
  readonly declarationSubscriptions: DeclarationSubscriptionStore;
  readonly receiptSubscriptions: ReceiptSubscriptionStore;
  readonly manualSubscriptions: ManualSubscriptionStore;
  readonly pushes: PushStore;
  readonly pushRequests: PushRequestStore;
  readonly pushJobs: PushJobStore;
  readonly webhooks: WebhookStore;
  readonly feed: FeedStore;
  readonly sandbox: SandboxStore;
  readonly sms: SmsStore;
  readonly audit: AuditStore;
  readonly alerts: AlertStore;
  readonly serials: SerialStore;

  /** Runs fn in one transaction; fn receives a Store bound to it (inside one, fn runs in it). */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: runs fn so that when it throws, what it wrote is undone and the
   * transaction goes on (a savepoint) — one message of a batch fails alone. Outside one, a
   * transaction of its own.
   */
  savepoint<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Runs fn so that what it claims stays claimed while it waits on something slow outside the
   * store (a broker's confirms): in one transaction where the engine has row locks, so other
   * processes skip the rows; in short steps where one process owns the store (SQLite), so the one
   * connection is not held meanwhile. fn must be safe to run either way.
   */
  claiming<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
}
