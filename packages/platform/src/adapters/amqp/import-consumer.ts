/**
 * Imports what RabbitMQ clients send: consumes every client's send queue (`Q_Send<id>`, competing
 * consumers across platform instances), authenticates the sender by the queue the message came
 * from (never by the message's claims), imports with the same `importMessage` as the HTTP exchange,
 * answers on the sender's own RabbitMQ direct reply-to, and acks only after the import is committed.
 * An import that fails for an unexpected reason is requeued; the queue's delivery limit dead-letters
 * a message that keeps failing (`osw.dead-letter`, reason in `x-death`).
 *
 * The platform publishes its answers with every right in the vhost, so a reply-to is never taken at
 * its word: a message whose reply-to is not a direct reply-to name (another client's receive queue,
 * a send queue, the dead-letter queue, nothing at all) is neither imported nor answered; it is acked
 * away, logged under its sender and counted (`misdirected`). The client times out and resends.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { OswError } from '@osw/messages';
import { brokerNames, DIRECT_REPLY_TO, EXCHANGE_HEADER, decodeFileNameHeader, type ImportOutcome } from '@osw/messages/exchange';
import { importMessage, type CustomsPort } from '../../core/exchange/accept.js';
import { ExchangeAuthenticator } from '../../core/exchange/authenticate.js';
import type { Clock, Logger } from '../../core/ports.js';
import type { Store } from '../../core/store.js';

export interface ImportConsumerStats {
  imported: number;
  answered: number;
  requeued: number;
  refused: number;
  /** neither imported nor answered: the reply-to was not RabbitMQ's direct reply-to */
  misdirected: number;
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

export class ImportConsumer {
  readonly stats: ImportConsumerStats = { imported: 0, answered: 0, requeued: 0, refused: 0, misdirected: 0 };
  private readonly clients: ExchangeAuthenticator;
  private consumeCh: Channel | null = null;
  private replyCh: Channel | null = null;
  private readonly consumed = new Map<string, string>(); // send queue → consumer tag
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger },
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
        const p = this.handle(ch, clientId, msg).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      });
      if (this.consumeCh === ch) this.consumed.set(queue, consumerTag);
    } catch (err) {
      this.consumed.delete(queue);
      throw err;
    }
  }

  private async handle(ch: Channel, clientId: string, msg: ConsumeMessage): Promise<void> {
    const messageId = String(msg.properties.messageId ?? '');
    const headers = msg.properties.headers ?? {};
    const log = this.deps.logger.child({ clientId, msgId: messageId });
    const replyTo: unknown = msg.properties.replyTo;
    if (!isDirectReplyTo(replyTo)) {
      this.stats.misdirected++;
      log.warn(
        { replyTo: replyTo === undefined ? null : String(replyTo).slice(0, 200) },
        `message refused: its reply-to is not ${DIRECT_REPLY_TO}; not imported, not answered, dropped (the client resends with direct reply-to)`,
      );
      settle(() => ch.ack(msg));
      return;
    }
    let answer: ImportOutcome;
    try {
      const client = await this.clients.byQueue(clientId, headers[EXCHANGE_HEADER.device]);
      const fileName = decodeFileNameHeader(headers[EXCHANGE_HEADER.fileName]);
      if (fileName === null) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} must be percent-encoded UTF-8`);
      const business = String(headers[EXCHANGE_HEADER.business] ?? '');
      if (!fileName || !business)
        throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} and ${EXCHANGE_HEADER.business} headers are required`);
      const a = await importMessage(this.deps, this.customs, { client, messageId, fileName, business, body: msg.content });
      answer = { ok: true, ...a };
      this.stats.imported++;
    } catch (err) {
      if (!(err instanceof OswError)) {
        // the store failed or something unexpected: try again later; the delivery limit ends a poison message
        this.stats.requeued++;
        log.error({ err: (err as Error).message, redelivered: msg.fields.redelivered }, 'import failed; message requeued');
        settle(() => ch.nack(msg, false, true));
        return;
      }
      this.stats.refused++;
      answer = { ok: false, messageId, error: { code: err.code, message: err.message } };
      log.info({ code: err.code }, 'message refused by the exchange');
    }
    if (this.replyCh) {
      try {
        this.replyCh.publish('', replyTo, Buffer.from(JSON.stringify(answer)), {
          correlationId: msg.properties.correlationId,
          contentType: 'application/json',
        });
        this.stats.answered++;
      } catch {
        // the client resends and gets the stored answer
      }
    }
    // the import is committed: the message may go
    settle(() => ch.ack(msg));
  }

  /** Stops consuming and lets imports in flight finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    const ch = this.consumeCh;
    for (const tag of this.consumed.values()) if (tag) await ch?.cancel(tag).catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }
}
