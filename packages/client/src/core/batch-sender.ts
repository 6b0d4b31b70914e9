/**
 * Sends a batch of claimed files of one business and files them: SentBox + `Successed_`/`Failed_`
 * with the platform's answer, or FailBox + `Failed_` with a `<Root>` failure — the same outcomes and
 * texts as one file at a time, with one send call, one InBox sync and one sync per box folder for
 * the whole batch.
 *
 * The steps, and why a kill -9 after each leaves every file in exactly one place, accepted once:
 *
 * 1. Read every claimed file (fault point `after-claim`). Nothing has changed on disk: the files
 *    wait in the work folder under their claim names, and the next start resumes them.
 * 2. Check and sign every file in memory (`after-sign`). Still nothing written: the work files are
 *    the unsigned originals, signed again at the next start. That signature differs (SM2), but the
 *    message id is fixed by the claim stamp, so the platform sees the same message.
 * 3. `transport.sendBatch` (`after-send`). The platform has the messages; a restart sends them again
 *    and the platform answers a repeated message id with its first answer.
 * 4. One `writeInBoxMany` with every `Successed_`/`Failed_` of the round, each file atomic, one InBox
 *    sync (`after-inbox`). A restart sends again and writes the same receipts under the same names.
 * 5. SentBox: the signed bytes are written once — a synced temporary file replaces the claimed file
 *    in the work folder, and that file is renamed into SentBox; FailBox: renamed. Then one sync of
 *    each day folder and of the work folder. Each file is at every moment in the work folder or in
 *    its box, never both (renames); one still in the work folder after a crash is resumed as in 4
 *    (if it was already replaced by its signed bytes, signing again just signs it anew).
 *
 * Refusals found on this machine (a name that cannot be carried, a link, a bad file, the card) are
 * filed with the batch's receipts in step 4/5. A retryable transport failure sends again only the
 * messages that failed, with backoff, for up to `sendRetryForMs`; after that, or on a failure that
 * is not retryable, the file goes to FailBox with C18 or C141 (timed out).
 *
 * With tracing on, each file read has a span (`osw.client.send`, from pick-up to filing) whose
 * traceparent goes with the message: the platform's import joins its trace. Off, nothing of it is made.
 */
import { archivedName, buildFailureRoot, dayFolder, failedName, MessageRejected, successedName } from '@osw/messages';
import { outBoxNameProblem, printableName, safeFileName } from './file-names.js';
import { prepareForSending } from './prepare.js';
import { TransportError, type Logger, type OutgoingMessage, type SendResult, type TraceSpan } from './ports.js';
import type { SenderDeps, SenderOptions } from './sender.js';
import { sleep } from './sleep.js';
import { messageIdFor, parseWorkName } from './work-name.js';

interface Item {
  workName: string;
  stamp: string;
  original: string;
  messageId: string;
  log: Logger;
  /** the bytes to send */
  body: Uint8Array;
  /** true when `body` is the signed form, to be filed instead of the claimed bytes */
  changed: boolean;
  /** the file's span, with tracing on */
  span?: TraceSpan;
}

/** how many files of the batch were sent and filed, and how many failed; the rest stay claimed (interrupted) */
export type BatchOutcome = { sent: number; failed: number };

/** Files collected during a round, written together by flush(). */
class Filing {
  private readonly receipts: { name: string; content: string | Uint8Array }[] = [];
  private readonly toSent: { workName: string; original: string; stamp: string; body?: Uint8Array }[] = [];
  private readonly toFail: { workName: string; filedAs: string; stamp: string; code: string; info: string }[] = [];
  private readonly done: (() => void)[] = [];
  private answered = false;
  readonly outcome: BatchOutcome = { sent: 0, failed: 0 };

  constructor(private readonly deps: SenderDeps) {}

  answer(item: Item, accepted: boolean, responseXml: string, duplicate: boolean | undefined): void {
    const inBoxName = accepted ? successedName(item.original, item.stamp) : failedName(item.original, item.stamp);
    this.receipts.push({ name: inBoxName, content: responseXml });
    this.toSent.push({ workName: item.workName, original: item.original, stamp: item.stamp, body: item.changed ? item.body : undefined });
    this.answered = true;
    item.span?.set({ 'osw.accepted': accepted, 'osw.duplicate': duplicate ?? false, 'osw.receipt': inBoxName });
    this.done.push(() => {
      item.log.info({ accepted, duplicate, receipt: inBoxName }, 'sent');
      this.deps.observer?.sent?.(item.original, accepted);
    });
    this.outcome.sent++;
  }

  fail(workName: string, filedAs: string, stamp: string, code: string, info: string, note: () => void): void {
    this.receipts.push({ name: failedName(filedAs, stamp), content: buildFailureRoot(code, info) });
    this.toFail.push({ workName, filedAs, stamp, code, info });
    this.done.push(note);
    this.outcome.failed++;
  }

  async flush(): Promise<void> {
    if (!this.receipts.length) return;
    const sent = this.toSent.splice(0);
    const failed = this.toFail.splice(0);
    // the signed bytes are written (and synced) while the receipts are; they are renamed into SentBox only after
    const signed = sent.filter((s) => s.body);
    const [temps, inBox] = await Promise.allSettled([
      this.deps.folders.writeWorkTemps(signed.map((s) => s.body!)),
      this.deps.folders.writeInBoxMany(this.receipts.splice(0)),
    ]);
    if (temps.status === 'rejected' || inBox.status === 'rejected') {
      if (temps.status === 'fulfilled') await this.deps.folders.removeWorkTemps(temps.value);
      throw temps.status === 'rejected' ? temps.reason : (inBox as PromiseRejectedResult).reason;
    }
    if (this.answered) this.deps.fault?.('after-inbox');
    this.answered = false;
    const day = dayFolder(this.deps.clock.now());
    let k = 0; // the temporary files are in the order of `signed`, the sent files that have a body
    await this.deps.folders.fileManyToSent(
      sent.map((s) => ({
        workName: s.workName,
        day,
        archivedName: archivedName(s.original, s.stamp),
        temp: s.body && temps.value[k++],
      })),
    );
    await this.deps.folders.fileManyToFail(
      failed.map((f) => ({ workName: f.workName, day, archivedName: archivedName(f.filedAs, f.stamp) })),
    );
    for (const f of failed) this.deps.observer?.failed?.(f.filedAs, f.code, f.info, { day, name: archivedName(f.filedAs, f.stamp) });
    for (const note of this.done.splice(0)) note();
  }
}

/**
 * Sends and files a batch of claimed files. A local fault (disk full, permissions…) rejects and
 * leaves the files not yet filed claimed, to be tried again; a file already filed is skipped then.
 * `answered` is called once, as soon as no message of the batch waits on the platform any more
 * (the filing goes on after it), and at the latest when the batch settles.
 */
export async function sendWorkBatch(
  deps: SenderDeps,
  opts: SenderOptions,
  workNames: readonly string[],
  signal?: AbortSignal,
  answered?: () => void,
): Promise<BatchOutcome> {
  let told = false;
  const once = () => {
    if (!told) answered?.();
    told = true;
  };
  try {
    return await sendAndFile(deps, opts, workNames, signal, once);
  } finally {
    once();
  }
}

async function sendAndFile(
  deps: SenderDeps,
  opts: SenderOptions,
  workNames: readonly string[],
  signal: AbortSignal | undefined,
  answered: () => void,
): Promise<BatchOutcome> {
  const filing = new Filing(deps);
  const items = await readAll(deps, workNames, filing);
  if (deps.tracing) for (const item of items) item.span = sendSpan(deps, item);
  try {
    return await sendItems(deps, opts, items, filing, signal, answered);
  } finally {
    for (const item of items) item.span?.end();
  }
}

function sendSpan(deps: SenderDeps, item: Item): TraceSpan {
  return deps.tracing!.start('osw.client.send', {
    kind: 'producer',
    attributes: {
      'osw.client_id': deps.clientId,
      'osw.business': deps.business,
      'osw.message_id': item.messageId,
      'osw.file': item.original,
    },
  });
}

async function sendItems(
  deps: SenderDeps,
  opts: SenderOptions,
  items: Item[],
  filing: Filing,
  signal: AbortSignal | undefined,
  answered: () => void,
): Promise<BatchOutcome> {
  if (items.length) deps.fault?.('after-claim');
  for (const item of items) deps.observer?.sending?.(item.original);

  // checked on the event loop one after the other, signed side by side on libuv's thread pool
  const prepared = await Promise.all(
    items.map(async (item): Promise<Item | null> => {
      // signed by an earlier version of the client before a crash: sent as it is
      if (parseWorkName(item.workName)?.signed) return item;
      try {
        const p = await prepareForSending(item.original, item.body as Buffer, deps.signer, deps.clock.now(), { ...opts, signal });
        return { ...item, body: p.body, changed: p.changed };
      } catch (err) {
        if (!(err instanceof MessageRejected)) throw err;
        refuse(filing, item, err);
        return null;
      }
    }),
  );
  const ready = prepared.filter((i): i is Item => i !== null);
  if (ready.some((i) => i.changed)) deps.fault?.('after-sign');

  const started = deps.clock.now().getTime();
  let pending = ready;
  for (let attempt = 1; pending.length; attempt++) {
    if (signal?.aborted) break;
    const msgs: OutgoingMessage[] = pending.map((i) => ({
      messageId: i.messageId,
      fileName: i.original,
      business: deps.business,
      body: i.body,
      traceparent: i.span?.traceparent,
    }));
    let results: SendResult[];
    try {
      results = await deps.transport.sendBatch(msgs, signal);
    } catch (err) {
      if (signal?.aborted) break;
      if (!(err instanceof TransportError)) throw err;
      results = msgs.map(() => ({ ok: false, error: err }));
    }
    const retry: Item[] = [];
    const errors = new Map<Item, TransportError>();
    results.forEach((r, n) => {
      const item = pending[n];
      if (r.ok) return filing.answer(item, r.answer.accepted, r.answer.responseXml, r.answer.duplicate);
      if (signal?.aborted) return; // interrupted: stays claimed
      errors.set(item, r.error);
      if (r.error.retryable) retry.push(item);
      else giveUp(filing, item, r.error);
    });
    if (results.some((r) => r.ok)) {
      deps.observer?.transportState?.(true);
      deps.fault?.('after-send');
    }
    if (errors.size) deps.observer?.transportState?.(false, [...errors.values()].pop()!.message);
    const wait = Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** Math.min(attempt - 1, 20));
    const giveUpNow = deps.clock.now().getTime() - started + wait > opts.sendRetryForMs;
    for (const item of retry) {
      const e = errors.get(item)!;
      if (giveUpNow) giveUp(filing, item, e);
      else item.log.warn({ attempt, code: e.code, reason: e.message, retryInMs: wait }, 'send failed; will retry');
    }
    pending = giveUpNow ? [] : retry;
    if (!pending.length) answered(); // nothing waits on the platform any more: the filing follows
    await filing.flush();
    if (pending.length && !(await sleep(wait, signal))) break;
  }
  await filing.flush();
  return filing.outcome;
}

async function readAll(deps: SenderDeps, workNames: readonly string[], filing: Filing): Promise<Item[]> {
  const read = await Promise.all(
    workNames.map(async (workName): Promise<Item | null> => {
      const parsed = parseWorkName(workName);
      if (!parsed) throw new Error(`not a work file name: ${workName}`);
      const { stamp, original } = parsed;
      const messageId = messageIdFor(deps.clientId, stamp);
      const log = deps.logger.child({ msgId: messageId, file: original });
      const item: Item = { workName, stamp, original, messageId, log, body: new Uint8Array(), changed: false };
      const nameProblem = outBoxNameProblem(original);
      if (nameProblem) {
        // never read, never sent: filed under a name every folder and the receipt can hold
        const safe = safeFileName(original);
        const info = `文件名无法传输: ${printableName(original)} — ${nameProblem}; 已改名为 ${safe} (the file was not sent)`;
        filing.fail(workName, safe, stamp, 'C913', info, () =>
          log.warn({ failCode: 'C913', reason: nameProblem, filedAs: safe }, 'file name cannot be carried: moved to FailBox'),
        );
        return null;
      }
      try {
        item.body = await deps.folders.readWork(workName);
        return item;
      } catch (err) {
        // filed already (a batch tried again after a local fault)
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        // a link, a FIFO or a device: refused without reading what it points to
        if (!(err instanceof MessageRejected)) throw err;
        refuse(filing, item, err);
        return null;
      }
    }),
  );
  return read.filter((i): i is Item => i !== null);
}

function refuse(filing: Filing, item: Item, err: MessageRejected): void {
  item.span?.fail(err);
  filing.fail(item.workName, item.original, item.stamp, err.code, err.message, () =>
    item.log.warn({ failCode: err.code, reason: err.message }, 'file refused locally: moved to FailBox'),
  );
}

function giveUp(filing: Filing, item: Item, err: TransportError): void {
  const failCode = err.timedOut ? 'C141' : 'C18';
  item.span?.fail(err);
  const info = `${item.original}错误信息：${err.timedOut ? '等待响应超时' : '发送报文时发生错误'}, ${err.message ?? 'unknown'} (${err.code ?? ''})`;
  filing.fail(item.workName, item.original, item.stamp, failCode, info, () =>
    item.log.error({ failCode, reason: err.message }, 'send failed: moved to FailBox'),
  );
}
