/**
 * Forwards what is queued for RabbitMQ clients in the store (receipts, pushes) into their receive
 * queues (`Q_Recv<id>`) with publisher confirms. The core's `forwardDeliveries` claims a batch,
 * this adapter publishes it and waits for the broker's confirms, and the batch is acknowledged in
 * the store only then. A crash between confirm and commit republishes with the same message ids,
 * and the client drops the duplicates. It runs when something is queued (the notifier, also for
 * other processes on PostgreSQL) and sweeps every known client now and then for what it missed.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { OswError } from '@osw/messages';
import { brokerNames, messageHeaders } from '@osw/messages/exchange';
import { forwardDeliveries } from '../../core/exchange/outbound.js';
import type { DeliveryRow } from '../../core/exchange/store.js';
import type { Clock, DeliveryNotifier, Logger, PlatformMetrics } from '../../core/ports.js';
import type { Store } from '../../core/store.js';

export class ReceiveForwarder {
  readonly stats = { forwarded: 0 };
  private ch: ConfirmChannel | null = null;
  private readonly clients = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly returned = new Set<string>();
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; notifier: DeliveryNotifier; metrics?: PlatformMetrics },
    private readonly opts: { batch: number; sweepMs: number },
  ) {
    this.unsubscribe = deps.notifier.subscribe((clientId) => {
      if (this.clients.has(clientId)) this.kick(clientId);
    });
  }

  /** Opens its confirm channel on a new connection; `died` is called when it closes unexpectedly. */
  async attach(conn: ChannelModel, died: (what: string) => () => void): Promise<void> {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    ch.on('close', died('forward'));
    ch.on('return', (m) => this.returned.add(`${m.fields.routingKey}|${m.properties.messageId}`));
    this.ch = ch;
  }

  /** Sweeps every known client from now on. */
  start(): void {
    this.timer = setInterval(() => this.sweep(), this.opts.sweepMs);
    this.timer.unref();
  }

  /** A RabbitMQ client this instance forwards for. */
  add(clientId: string): void {
    this.clients.add(clientId);
  }

  /** Forwards one client's store queue now (coalesced: one run per client at a time). */
  kick(clientId: string): void {
    if (this.stopped) return;
    if (this.running.has(clientId)) {
      this.again.add(clientId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(clientId);
        await this.forward(clientId);
      } while (this.again.has(clientId) && !this.stopped);
    })()
      .catch((err) =>
        this.deps.logger.warn({ clientId, err: (err as Error).message }, 'forwarding to the receive queue failed; will retry'),
      )
      .finally(() => this.running.delete(clientId));
    this.running.set(clientId, run);
  }

  private sweep(): void {
    if (this.stopped || !this.ch) return;
    for (const clientId of this.clients) this.kick(clientId);
  }

  private async forward(clientId: string): Promise<void> {
    for (;;) {
      const ch = this.ch;
      if (!ch || this.stopped) return;
      const n = await forwardDeliveries(this.deps, clientId, this.opts.batch, (rows) => this.publish(ch, clientId, rows));
      this.stats.forwarded += n;
      if (n < this.opts.batch) return;
    }
  }

  /** Publishes a batch to the client's receive queue and waits for the broker's confirms. */
  private async publish(ch: ConfirmChannel, clientId: string, rows: DeliveryRow[]): Promise<void> {
    const queue = brokerNames(clientId).receiveQueue;
    for (const r of rows)
      ch.publish('', queue, Buffer.from(r.body, 'utf8'), {
        persistent: true,
        mandatory: true,
        messageId: r.messageId,
        contentType: 'application/xml',
        timestamp: Math.floor(Date.parse(r.createdAt) / 1000) || undefined,
        headers: messageHeaders(r),
      });
    await ch.waitForConfirms();
    const lost = rows.filter((r) => this.returned.delete(`${queue}|${r.messageId}`));
    if (lost.length)
      throw new OswError(
        'OSW_BROKER_QUEUE_MISSING',
        `receive queue ${queue} does not exist: ${lost.length} deliveries stay queued in the store`,
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }
}
