/**
 * What sending needs and reports: the ports and options of batch-sender.ts (the steps of a send,
 * and why each crash point is safe, are there).
 */
import type { PrepareOptions } from './prepare.js';
import type { BusinessFolders, CardSigner, Clock, Logger, Tracing, Transport } from './ports.js';

/**
 * Points where a test can stop the process to prove crash safety (see OSW_CLIENT_CRASH_AT); `after-receive`:
 * received files are in the InBox and the journal, not yet acknowledged (the platform or broker redelivers).
 */
export type FaultPoint = 'after-claim' | 'after-sign' | 'after-send' | 'after-inbox' | 'after-receive';

export interface SendObserver {
  sending?(file: string): void;
  sent?(file: string, accepted: boolean): void;
  failed?(file: string, failCode: string, reason: string, archived: { day: string; name: string }): void;
  transportState?(ok: boolean, reason?: string): void;
}

export interface SenderDeps {
  clientId: string;
  business: string;
  folders: BusinessFolders;
  transport: Transport;
  signer: CardSigner | null;
  clock: Clock;
  logger: Logger;
  observer?: SendObserver;
  fault?: (point: FaultPoint) => void;
  /** a span per file sent, its traceparent sent with the file; absent: tracing is off */
  tracing?: Tracing;
}

export interface SenderOptions extends PrepareOptions {
  /** keep retrying a platform that cannot be reached this long */
  sendRetryForMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}
