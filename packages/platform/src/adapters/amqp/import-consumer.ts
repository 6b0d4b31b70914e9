/**
 * Imports what RabbitMQ clients send: consumes every client's send queue (`Q_Send<id>`, competing
 * consumers across platform instances), authenticates the sender by the queue the message came
 * from (never by the message's claims), imports what arrived together in one transaction with the
 * same `importBatch` as the HTTP exchange's batches, answers each message on the sender's own
 * RabbitMQ direct reply-to, and acks each only after the import is committed.
 * An import that fails for an unexpected reason is requeued; the queue's delivery limit dead-letters
 * a message that keeps failing (`osw.dead-letter`, reason in `x-death`).
 *
 * A client's report of what it did with deliveries of its receive queue (AMQP type
 * `osw.received-report`) travels the same queue: the reports of a batch are recorded in the push log
 * with one store call, acked, never imported and never answered.
 *
 * The platform publishes its answers with every right in the vhost, so a reply-to is never taken at
 * its word: a message whose reply-to is not a direct reply-to name (another client's receive queue,
 * a send queue, the dead-letter queue, nothing at all) is neither imported nor answered; it is acked
 * away, logged under its sender and counted (`misdirected`). The client times out and resends.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { OswError } from '@osw/messages';
import {
  BATCH_MAX_MESSAGES,
  brokerNames,
  DIRECT_REPLY_TO,
  EXCHANGE_HEADER,
  decodeFileNameHeader,
  RECEIVED_REPORT_TYPE,
  ReceivedReportSchema,
  traceparentOf,
  type ImportOutcome,
  type ReceivedReport,
} from '@osw/messages/exchange';
import type { CustomsPort } from '../../core/exchange/accept.js';
import { importBatch, type BatchEntry } from '../../core/exchange/import-batch.js';
import { ExchangeAuthenticator } from '../../core/exchange/authenticate.js';
import type { Clock, Logger, Tracing } from '../../core/ports.js';
import type { ClientRow, Store } from '../../core/store.js';

export interface ImportConsumerStats {
  imported: number;
  answered: number;
  requeued: number;
  refused: number;
  /** neither imported nor answered: the reply-to was not RabbitMQ's direct reply-to */
  misdirected: number;
  /** clients' reports of what they did with their deliveries, recorded in the push log */
  reports: number;
}

/**
 * A reply-to the platform answers on: RabbitMQ's direct reply-to as the broker hands it to the
 * consumer, `amq.rabbitmq.reply-to.<channel>.<key>` — it reaches only the channel that published
 * the message. Anything else would make the platform write into a queue the sender may not write to.
 */
export function isDirectReplyTo(replyTo: unknown): replyTo is string {
  return typeof replyTo === 'string' && replyTo.startsWith(`${DIRECT_REPLY_TO}.`) && replyTo.length > DIRECT_REPLY_TO.length + 1;
}

/** Acks or nacks on a channel that may have closed meanwhile: its unacknowledged messages are redelivered anyway. */
function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    /* channel closed: the broker redelivers, the import is deduplicated by message id */
  }
}

/** A message taken from a send queue, with the channel it must be settled on. */
interface Taken {
  ch: Channel;
  msg: ConsumeMessage;
}

/** A client's messages waiting for the next batch, and whether a batch of it is importing now. */
interface ClientLine {
  taken: Taken[];
  running: boolean;
  scheduled: boolean;
}

export class ImportConsumer {
  readonly stats: ImportConsumerStats = { imported: 0, answered: 0, requeued: 0, refused: 0, misdirected: 0, reports: 0 };
  private readonly clients: ExchangeAuthenticator;
  private consumeCh: Channel | null = null;
  private replyCh: Channel | null = null;
  private readonly consumed = new Map<string, string>(); // send queue → consumer tag
  private readonly lines = new Map<string, ClientLine>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; tracing?: Tracing },
    private readonly customs: CustomsPort,
    private readonly opts: { prefetch: number },
  ) {
    this.clients = new ExchangeAuthenticator(deps);
  }

  /** Opens its channels on a new connection; `died` is called when one closes unexpectedly. */
  async attach(conn: ChannelModel, died: (what: string) => () => void): Promise<void> {
    const consume = await conn.createChannel();
    consume.on('error', () => undefined);
    consume.on('close', died('consume'));
    await consume.prefetch(this.opts.prefetch);
    const reply = await conn.createChannel();
    reply.on('error', () => undefined);
    reply.on('close', died('reply'));
    this.consumeCh = consume;
    this.replyCh = reply;
    this.consumed.clear();
  }

  /** Starts consuming a client's send queue (once per connection). */
  async consume(clientId: string): Promise<void> {
    const ch = this.consumeCh;
    const queue = brokerNames(clientId).sendQueue;
    if (!ch || this.consumed.has(queue) || this.stopped) return;
    this.consumed.set(queue, '');
    try {
      const { consumerTag } = await ch.consume(queue, (msg) => {
        if (!msg) {
          // the queue was deleted (client removed): the broker cancelled the consumer
          this.consumed.delete(queue);
          return;
        }
        this.take(clientId, { ch, msg });
      });
      if (this.consumeCh === ch) this.consumed.set(queue, consumerTag);
    } catch (err) {
      this.consumed.delete(queue);
      throw err;
    }
  }

  /**
   * Messages of a client that arrive together are imported together: what came in while the
   * client's previous batch was importing, or in the same turn of the event loop, is the next batch.
   */
  private take(clientId: string, taken: Taken): void {
    let line = this.lines.get(clientId);
    if (!line) this.lines.set(clientId, (line = { taken: [], running: false, scheduled: false }));
    line.taken.push(taken);
    this.schedule(clientId, line);
  }

  private schedule(clientId: string, line: ClientLine): void {
    if (line.running || line.scheduled) return;
    line.scheduled = true;
    setImmediate(() => {
      line.scheduled = false;
      if (line.running || !line.taken.length) return;
      line.running = true;
      const p = this.importBatch(clientId, line.taken.splice(0, BATCH_MAX_MESSAGES)).finally(() => {
        this.inFlight.delete(p);
        line.running = false;
        if (line.taken.length) this.schedule(clientId, line);
        else this.lines.delete(clientId);
      });
      this.inFlight.add(p);
    });
  }

  private async importBatch(clientId: string, batch: Taken[]): Promise<void> {
    const kept: (Taken & { replyTo: string })[] = [];
    const entries: BatchEntry[] = [];
    const senders = new Map<string, Promise<ClientRow>>();
    const reports: Taken[] = [];
    for (const t of batch) {
      if (t.msg.properties.type === RECEIVED_REPORT_TYPE) {
        reports.push(t);
        continue;
      }
      const messageId = String(t.msg.properties.messageId ?? '');
      const replyTo: unknown = t.msg.properties.replyTo;
      if (!isDirectReplyTo(replyTo)) {
        this.stats.misdirected++;
        this.deps.logger.warn(
          { clientId, msgId: messageId, replyTo: replyTo === undefined ? null : String(replyTo).slice(0, 200) },
          `message refused: its reply-to is not ${DIRECT_REPLY_TO}; not imported, not answered, dropped (the client resends with direct reply-to)`,
        );
        settle(() => t.ch.ack(t.msg));
        continue;
      }
      try {
        entries.push(await this.entry(clientId, t.msg, senders));
      } catch (err) {
        // the store failed: try again later; the delivery limit ends a poison message
        this.requeue(clientId, t, err);
        continue;
      }
      kept.push({ ...t, replyTo });
    }
    if (reports.length) await this.recordReports(clientId, reports);
    if (!kept.length) return;
    let outcomes: ImportOutcome[];
    try {
      outcomes = await importBatch(this.deps, this.customs, entries);
    } catch (err) {
      for (const t of kept) this.requeue(clientId, t, err);
      return;
    }
    kept.forEach((t, k) => {
      const answer = outcomes[k];
      if (!answer.ok && answer.error.code === 'OSW_INTERNAL') return this.requeue(clientId, t, new Error(answer.error.message));
      if (answer.ok) this.stats.imported++;
      else {
        this.stats.refused++;
        this.deps.logger.info({ clientId, msgId: answer.messageId, code: answer.error.code }, 'message refused by the exchange');
      }
      this.answer(t, answer);
    });
  }

  /**
   * Reports of what the client did with its deliveries: recorded in the push log at once (the client
   * is the one whose queue they came from), then acked. A report that is not one is logged and
   * dropped; a store failure requeues them.
   */
  private async recordReports(clientId: string, reports: Taken[]): Promise<void> {
    const received: ReceivedReport['received'] = [];
    for (const t of reports) {
      let parsed: ReturnType<typeof ReceivedReportSchema.safeParse> | null = null;
      try {
        parsed = ReceivedReportSchema.safeParse(JSON.parse(t.msg.content.toString('utf8')));
      } catch {
        parsed = null;
      }
      if (parsed?.success) received.push(...parsed.data.received);
      else this.deps.logger.warn({ clientId }, 'a received-report that is not one: dropped');
    }
    try {
      if (received.length) await this.deps.store.pushes.recordClientOutcomes(clientId, received, this.deps.clock.now().toISOString());
    } catch (err) {
      for (const t of reports) this.requeue(clientId, t, err);
      return;
    }
    this.stats.reports += reports.length;
    for (const t of reports) settle(() => t.ch.ack(t.msg));
  }

  /** The message as the import takes it, or the exchange's refusal of it (sender, headers). */
  private async entry(clientId: string, msg: ConsumeMessage, senders: Map<string, Promise<ClientRow>>): Promise<BatchEntry> {
    const messageId = String(msg.properties.messageId ?? '');
    const headers = msg.properties.headers ?? {};
    try {
      const device = headers[EXCHANGE_HEADER.device];
      const key = device === undefined ? '' : `=${String(device)}`;
      let sender = senders.get(key);
      if (!sender) senders.set(key, (sender = this.clients.byQueue(clientId, device)));
      const client = await sender;
      const fileName = decodeFileNameHeader(headers[EXCHANGE_HEADER.fileName]);
      if (fileName === null) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} must be percent-encoded UTF-8`);
      const business = String(headers[EXCHANGE_HEADER.business] ?? '');
      if (!fileName || !business)
        throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} and ${EXCHANGE_HEADER.business} headers are required`);
      // the sender's trace context, read only with tracing on
      const traceparent = this.deps.tracing ? traceparentOf(headers[EXCHANGE_HEADER.traceparent]) : undefined;
      return { client, messageId, fileName, business, body: msg.content, traceparent };
    } catch (err) {
      if (err instanceof OswError) return { messageId, refused: err };
      throw err;
    }
  }

  private requeue(clientId: string, t: Taken, err: unknown): void {
    this.stats.requeued++;
    this.deps.logger.error(
      { clientId, msgId: String(t.msg.properties.messageId ?? ''), err: (err as Error)?.message, redelivered: t.msg.fields.redelivered },
      'import failed; message requeued',
    );
    settle(() => t.ch.nack(t.msg, false, true));
  }

  /** The answer on the sender's own direct reply-to, then the ack: the import is committed, the message may go. */
  private answer(t: Taken & { replyTo: string }, answer: ImportOutcome): void {
    if (this.replyCh) {
      try {
        this.replyCh.publish('', t.replyTo, Buffer.from(JSON.stringify(answer)), {
          correlationId: t.msg.properties.correlationId,
          contentType: 'application/json',
        });
        this.stats.answered++;
      } catch {
        // the client resends and gets the stored answer
      }
    }
    settle(() => t.ch.ack(t.msg));
  }

  /** Stops consuming and lets the imports taken finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    const ch = this.consumeCh;
    for (const tag of this.consumed.values()) if (tag) await ch?.cancel(tag).catch(() => undefined);
    while (this.inFlight.size || [...this.lines.values()].some((l) => l.taken.length)) {
      await Promise.allSettled([...this.inFlight]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
