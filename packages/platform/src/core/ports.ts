/** Ports the platform core takes as arguments; adapters implement them. */
import type { Store } from './store.js';

export { systemClock, silentLogger, type Clock, type Logger, type Tracing, type TraceSpan } from '@osw/messages';
import type { Clock, Logger, Tracing } from '@osw/messages';

/**
 * Tells who waits that something was queued for a client: HTTP long polls (`wait`) and forwarders
 * (`subscribe`). On PostgreSQL it also carries the news between processes on one database.
 */
export interface DeliveryNotifier {
  /** something was queued for the client (call after the commit) */
  notify(clientId: string): void;
  /** resolves when something is queued for the client, at `timeoutMs`, or when `signal` aborts */
  wait(clientId: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** calls `listener` for every client something is queued for, here or in another process; returns the unsubscribe */
  subscribe(listener: (clientId: string) => void): () => void;
}

/**
 * Broker accounts of RabbitMQ import clients (the provisioning adapter over RabbitMQ's management
 * API). Absent when the platform runs the HTTP exchange only.
 */
export interface BrokerAccounts {
  /** the broker URL clients connect to (no credentials), shown in their 传输设置 */
  readonly clientUrl?: string;
  /** the client's broker user name, as its 传输设置 show it; absent: `U_SW…` from the client id */
  brokerUser?(clientId: string): string;
  /** the client's own broker user (password = its secret), send exchange and receive queue; refused for a user another deployment uses */
  provisionClient(clientId: string, password: string): Promise<void>;
  /** a disabled client: its broker access to this deployment ends (user deleted, or only its permissions here) and its connections close */
  blockClient(clientId: string): Promise<void>;
  /** open broker connections per client (the console's live status); absent without the management API */
  connectionCounts?(clientIds: string[]): Promise<Map<string, number>>;
}

/** A message the broker gave up on (delivered too often, rejected, expired), as the dead-letter queue holds it. */
export interface DeadLetter {
  clientId: string | null;
  /** the queue it died in: `Q_Send<clientId>` (an import) or `Q_Recv<clientId>` (a receipt or push) */
  queue: string | null;
  messageId: string | null;
  fileName: string | null;
  /** the broker's reason: `delivery_limit`, `rejected`, `expired`, … */
  reason: string;
  /** how many times it died there */
  count: number;
}

/** The dead-letter queue of the RabbitMQ exchange, peeked (messages stay). Absent with the HTTP exchange only. */
export interface DeadLetterQueue {
  deadLetters(limit?: number): Promise<DeadLetter[]>;
}

/** How a push went, as the metrics count it: queued for its client, delivered, failed (to be retried), held (suspended target). */
export type PushOutcome = 'queued' | 'delivered' | 'failed' | 'held';

/**
 * What the platform counts for its operators (Prometheus text at `/metrics`, docs/operations.md).
 * Called after the work it counts is committed; absent: nothing is counted.
 */
export interface PlatformMetrics {
  /** messages imported, by family (declaration, manifest, sas, ceb…) and result */
  imported(family: string, result: 'accepted' | 'refused' | 'duplicate'): void;
  /** a message the exchange refused before import (bad headers, a disabled client…), by error code */
  rejected(code: string): void;
  /** pushes by channel (client, webhook, sms, app, wechat) and outcome; `waitedMs`: from the push's creation to this outcome */
  push(channel: string, outcome: PushOutcome, waitedMs: number): void;
}

export interface PlatformDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  notifier: DeliveryNotifier;
  broker?: BrokerAccounts;
  deadLetters?: DeadLetterQueue;
  metrics?: PlatformMetrics;
  /**
   * OpenTelemetry spans (docs/operations.md); absent when tracing is off, and then no span is made and
   * no trace context carried or stored
   */
  tracing?: Tracing;
}
