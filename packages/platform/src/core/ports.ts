/** Ports the platform core takes as arguments; adapters implement them. */
import type { Store } from './store.js';

export { systemClock, silentLogger, type Clock, type Logger } from '@osw/messages';
import type { Clock, Logger } from '@osw/messages';

/** Wakes long-polling receivers when something is queued for a client. */
export interface DeliveryNotifier {
  notify(clientId: string): void;
  wait(clientId: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Broker accounts of RabbitMQ import clients (the provisioning adapter over RabbitMQ's management
 * API). Absent when the platform runs the HTTP exchange only.
 */
export interface BrokerAccounts {
  /** the broker URL clients connect to (no credentials), shown in their 传输设置 */
  readonly clientUrl?: string;
  /** the client's own broker user (password = its secret), send exchange and receive queue */
  provisionClient(clientId: string, password: string): Promise<void>;
  /** a disabled client: its broker user is deleted and its connections closed */
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

export interface PlatformDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  notifier: DeliveryNotifier;
  broker?: BrokerAccounts;
  deadLetters?: DeadLetterQueue;
}
