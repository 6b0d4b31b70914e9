/**
 * Receives what the platform queued for this client (business receipts, subscription pushes,
 * answers sent later) and writes each into the right business's InBox atomically, acknowledging
 * only after the file is durable. A batch is filed at once: each business's files side by side
 * with one folder fsync, the businesses in parallel, then one journal write and one acknowledgement
 * for the batch. A message id already written (or twice in one batch) is not written again — unless the
 * platform marks the delivery as a resend (重发) a user asked for: each resend attempt of a message is
 * written once, under the new name the platform gave it, while a redelivery of the message or of an
 * attempt already written is dropped. The journal keeps the message id, and `<id>#<attempt>` for each
 * resend attempt written. The acknowledgement says what was written and what dropped. A message
 * that cannot be filed (no usable file name, no business, a body that is not XML) is poison: it is
 * rejected at once (dead-lettered) with one log line saying why, and never holds up the queue.
 * With tracing on, each file written has a span (`osw.client.inbox.write`), a child of the trace
 * context the platform queued it in.
 */
import { isMessageId } from '@osw/messages/exchange';
import { inBoxNameProblem, printableName } from './file-names.js';
import type { Clock, IncomingMessage, Logger, Tracing, Transport } from './ports.js';
import type { FaultPoint } from './sender.js';
import { sleep } from './sleep.js';

/** Why a received message cannot be filed into an InBox, or null when it can. */
export function incomingProblem(m: IncomingMessage): string | null {
  if (m.problem) return m.problem;
  if (m.messageId && !isMessageId(m.messageId)) return 'the message id is not 8-128 characters of A-Z a-z 0-9 _ . -';
  if (!m.business) return 'the message names no business';
  const name = inBoxNameProblem(m.fileName);
  if (name) return name;
  if (!/^\uFEFF?\s*</.test(m.body)) return m.body ? 'the body is not XML' : 'the body is empty';
  return null;
}

/**
 * The journal key of a delivery: its message id (the file name when it has none), and for a resend
 * attempt `<id>#<attempt>` (`#` is not a message id character, so the keys never meet).
 */
export function receivedKey(m: Pick<IncomingMessage, 'messageId' | 'fileName' | 'resend'>): string {
  const id = m.messageId || m.fileName;
  return m.resend ? `${id}#${m.resend}` : id;
}

/** The InBox of one business: writes files side by side, each atomically, and resolves once all are durable. */
export interface InBoxWriter {
  writeInBoxMany(files: readonly { name: string; content: string }[]): Promise<void>;
}

export interface ReceiverDeps {
  transport: Transport;
  /**
   * where a message goes: the InBox writer of its business (the same object for the same InBox,
   * so a batch's files for one InBox are written together), or null while that business is paused
   */
  route(msg: IncomingMessage): InBoxWriter | null;
  journal: { has(id: string): boolean; add(ids: readonly string[], now: Date): Promise<void> };
  clock: Clock;
  logger: Logger;
  onState?(ok: boolean, reason?: string): void;
  /** test hook: called at each fault point */
  fault?: (point: FaultPoint) => void;
  /** a span per file written into an InBox; absent: tracing is off */
  tracing?: Tracing;
}

export interface ReceiverOptions {
  waitMs: number;
  batch: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** pause between polls when everything received belongs to paused businesses */
  pausedBackoffMs: number;
}

export class Receiver {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  received = 0;
  /** resend attempts (重发) written, among `received` */
  resends = 0;
  duplicates = 0;
  /** poison messages rejected (dead-lettered) */
  rejected = 0;

  constructor(
    private readonly deps: ReceiverDeps,
    private readonly opts: ReceiverOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private inBoxSpan(m: IncomingMessage) {
    return this.deps.tracing!.start('osw.client.inbox.write', {
      parent: m.traceparent,
      kind: 'consumer',
      attributes: { 'osw.message_id': m.messageId, 'osw.business': m.business, 'osw.file': m.fileName, 'osw.resend': m.resend ?? 0 },
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        const batch = await this.deps.transport.receive({ waitMs: this.opts.waitMs, max: this.opts.batch, signal: this.abort.signal });
        this.deps.onState?.(true);
        const done: number[] = [];
        const dropped: number[] = [];
        const poison: number[] = [];
        const inBoxes = new Map<InBoxWriter, { name: string; content: string }[]>();
        /** journal keys filed in this batch (a second copy in the same batch is a duplicate) */
        const inBatch = new Set<string>();
        const filed: IncomingMessage[] = [];
        let held = 0;
        for (const m of batch) {
          const problem = incomingProblem(m);
          if (problem) {
            poison.push(m.deliveryId);
            this.rejected++;
            this.deps.logger.error(
              { msgId: m.messageId, file: printableName(m.fileName), business: m.business, reason: problem },
              'received message cannot be filed: rejected, nothing written',
            );
            continue;
          }
          const id = m.messageId || m.fileName;
          const key = receivedKey(m);
          if (this.deps.journal.has(key) || inBatch.has(key)) {
            this.duplicates++;
            done.push(m.deliveryId);
            dropped.push(m.deliveryId);
            this.deps.logger.info(
              { msgId: id, file: m.fileName, ...(m.resend ? { resend: m.resend } : {}) },
              'already received: dropped the duplicate',
            );
            continue;
          }
          const target = this.deps.route(m);
          if (!target) {
            held++;
            continue;
          }
          inBatch.add(key);
          // a resend written also stands for the message id: a plain redelivery of it is dropped
          if (key !== id) inBatch.add(id);
          const files = inBoxes.get(target) ?? [];
          if (!files.length) inBoxes.set(target, files);
          files.push({ name: m.fileName, content: m.body });
          done.push(m.deliveryId);
          filed.push(m);
        }
        const spans = this.deps.tracing ? filed.map((m) => this.inBoxSpan(m)) : null;
        // every InBox of the batch at once; nothing is acknowledged unless all of them are durable
        try {
          await Promise.all([...inBoxes].map(([target, files]) => target.writeInBoxMany(files)));
        } catch (err) {
          for (const span of spans ?? []) span.fail(err);
          throw err;
        } finally {
          for (const span of spans ?? []) span.end();
        }
        for (const m of filed)
          this.deps.logger.info(
            { msgId: m.messageId || m.fileName, file: m.fileName, business: m.business, ...(m.resend ? { resend: m.resend } : {}) },
            m.resend ? 'resend received into InBox' : 'received into InBox',
          );
        this.received += filed.length;
        this.resends += filed.filter((m) => m.resend).length;
        if (inBatch.size) await this.deps.journal.add([...inBatch], this.deps.clock.now());
        if (filed.length) this.deps.fault?.('after-receive');
        if (done.length) await this.deps.transport.ack(done, { dropped });
        if (poison.length) await this.deps.transport.reject(poison);
        failures = 0;
        if (held && held === batch.length) await sleep(this.opts.pausedBackoffMs, this.abort.signal);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        failures++;
        this.deps.onState?.(false, (err as Error).message);
        const wait = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(failures - 1, 10));
        this.deps.logger.warn({ err: (err as Error).message, retryInMs: wait }, 'receive failed; will retry');
        await sleep(wait, this.abort.signal);
      }
    }
  }
}
