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
  /** the client's own broker user (password = its secret), send exchange and receive queue */
  provisionClient(clientId: string, password: string): Promise<void>;
  /** a disabled client: its broker user is deleted and its connections closed */
  blockClient(clientId: string): Promise<void>;
}

export interface PlatformDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  notifier: DeliveryNotifier;
  broker?: BrokerAccounts;
}
