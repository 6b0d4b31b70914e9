/**
 * Sends one claimed file of a business and files it: SentBox + `Successed_`/`Failed_` with the
 * platform's answer, or FailBox + `Failed_` with a `<Root>` failure. Safe to run again on the same
 * work file after a crash at any point: the message id and every name are fixed by the claim stamp,
 * and the platform answers a repeated message id with its first answer.
 */
import { archivedName, buildFailureRoot, dayFolder, failedName, MessageRejected, successedName } from '@osw/messages';
import { outBoxNameProblem, printableName, safeFileName } from './file-names.js';
import { prepareForSending, type PrepareOptions } from './prepare.js';
import { TransportError, type BusinessFolders, type CardSigner, type Clock, type Logger, type Transport } from './ports.js';
import { messageIdFor, parseWorkName, signedWorkName } from './work-name.js';

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

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

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
  const at = { workName };
  try {
    return await sendClaimed(deps, opts, at, signal);
  } catch (err) {
    throw new LocalFault(at.workName, err);
  }
}

async function sendClaimed(deps: SenderDeps, opts: SenderOptions, at: { workName: string }, signal?: AbortSignal): Promise<SendOutcome> {
  const workName = at.workName;
  const parsed = parseWorkName(workName);
  if (!parsed) throw new Error(`not a work file name: ${workName}`);
  const { stamp, original } = parsed;
  const messageId = messageIdFor(deps.clientId, stamp);
  const log = deps.logger.child({ msgId: messageId, file: original });
  let current = workName;
  const nameProblem = outBoxNameProblem(original);
  if (nameProblem) {
    // never read, never sent: filed under a name every folder and the receipt can hold
    const safe = safeFileName(original);
    const info = `文件名无法传输: ${printableName(original)} — ${nameProblem}; 已改名为 ${safe} (the file was not sent)`;
    await fail(deps, current, safe, stamp, 'C913', info);
    log.warn({ failCode: 'C913', reason: nameProblem, filedAs: safe }, 'file name cannot be carried: moved to FailBox');
    return 'failed';
  }
  let body: Uint8Array;
  try {
    body = await deps.folders.readWork(current);
  } catch (err) {
    // a link, a FIFO or a device: refused without reading what it points to
    if (!(err instanceof MessageRejected)) throw err;
    await fail(deps, current, original, stamp, err.code, err.message);
    log.warn({ failCode: err.code, reason: err.message }, 'file refused locally: moved to FailBox');
    return 'failed';
  }
  deps.fault?.('after-claim');
  deps.observer?.sending?.(original);

  if (!parsed.signed) {
    try {
      const prepared = await prepareForSending(original, body as Buffer, deps.signer, deps.clock.now(), opts);
      if (prepared.changed) {
        const next = signedWorkName(stamp, original);
        await deps.folders.replaceWork(current, next, prepared.body);
        current = at.workName = next;
        deps.fault?.('after-sign');
      }
      body = prepared.body;
    } catch (err) {
      if (!(err instanceof MessageRejected)) throw err;
      await fail(deps, current, original, stamp, err.code, err.message);
      log.warn({ failCode: err.code, reason: err.message }, 'file refused locally: moved to FailBox');
      return 'failed';
    }
  }

  const started = deps.clock.now().getTime();
  let lastError: TransportError | null = null;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) return 'interrupted';
    try {
      const answer = await deps.transport.send({ messageId, fileName: original, business: deps.business, body }, signal);
      deps.observer?.transportState?.(true);
      deps.fault?.('after-send');
      const inBoxName = answer.accepted ? successedName(original, stamp) : failedName(original, stamp);
      await deps.folders.writeInBox(inBoxName, answer.responseXml);
      deps.fault?.('after-inbox');
      await deps.folders.moveWorkToSent(current, dayFolder(deps.clock.now()), archivedName(original, stamp));
      log.info({ accepted: answer.accepted, duplicate: answer.duplicate, receipt: inBoxName }, 'sent');
      deps.observer?.sent?.(original, answer.accepted);
      return 'sent';
    } catch (err) {
      if (signal?.aborted) return 'interrupted';
      if (!(err instanceof TransportError)) throw err;
      lastError = err;
      deps.observer?.transportState?.(false, err.message);
      if (!err.retryable) break;
      const elapsed = deps.clock.now().getTime() - started;
      const wait = Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** Math.min(attempt - 1, 20));
      if (elapsed + wait > opts.sendRetryForMs) break;
      log.warn({ attempt, code: err.code, reason: err.message, retryInMs: wait }, 'send failed; will retry');
      if (!(await sleep(wait, signal))) return 'interrupted';
    }
  }
  const timedOut = lastError?.timedOut ?? false;
  const failCode = timedOut ? 'C141' : 'C18';
  const info = `${original}错误信息：${timedOut ? '等待响应超时' : '发送报文时发生错误'}, ${lastError?.message ?? 'unknown'} (${lastError?.code ?? ''})`;
  await fail(deps, current, original, stamp, failCode, info);
  log.error({ failCode, reason: lastError?.message }, 'send failed: moved to FailBox');
  return 'failed';
}

async function fail(deps: SenderDeps, workName: string, original: string, stamp: string, code: string, info: string) {
  await deps.folders.writeInBox(failedName(original, stamp), buildFailureRoot(code, info));
  const archived = { day: dayFolder(deps.clock.now()), name: archivedName(original, stamp) };
  await deps.folders.moveWorkToFail(workName, archived.day, archived.name);
  deps.observer?.failed?.(original, code, info, archived);
}
