/**
 * What sending needs and reports, and one claimed file sent on its own (a batch of one: see
 * batch-sender.ts for the steps and why each crash point is safe). Safe to run again on the same
 * work file after a crash at any point: the message id and every name are fixed by the claim stamp,
 * and the platform answers a repeated message id with its first answer.
 */
import { sendWorkBatch } from './batch-sender.js';
import type { PrepareOptions } from './prepare.js';
import type { BusinessFolders, CardSigner, Clock, Logger, Transport } from './ports.js';

/** Points where a test can stop the process to prove crash safety (see OSW_CLIENT_CRASH_AT). */
export type FaultPoint = 'after-claim' | 'after-sign' | 'after-send' | 'after-inbox';

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
}

export interface SenderOptions extends PrepareOptions {
  /** keep retrying a platform that cannot be reached this long */
  sendRetryForMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export type SendOutcome = 'sent' | 'failed' | 'interrupted';

/** A fault of this machine (disk full, permissions, a link in place of a folder) while a claimed file was handled. */
export class LocalFault extends Error {
  /** the work file's name now: a signed file is tried again under its signed name */
  readonly workName: string;
  constructor(workName: string, cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'LocalFault';
    this.workName = workName;
  }
}

/** Sends and files one claimed file; a local fault rejects with LocalFault and leaves the file claimed. */
export async function sendWorkFile(deps: SenderDeps, opts: SenderOptions, workName: string, signal?: AbortSignal): Promise<SendOutcome> {
  try {
    const { sent, failed } = await sendWorkBatch(deps, opts, [workName], signal);
    return sent ? 'sent' : failed ? 'failed' : 'interrupted';
  } catch (err) {
    throw new LocalFault(workName, err);
  }
}
