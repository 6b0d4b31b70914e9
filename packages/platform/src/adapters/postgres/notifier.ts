/**
 * Wakes the long polls and forwarders of every platform process on one PostgreSQL database: a
 * delivery queued in one process (the sandbox worker on its own, another API instance) is
 * announced with `pg_notify('osw_delivery', …)` after its commit, and each process LISTENs on one
 * connection of its own. Without it an HTTP client would see a receipt issued elsewhere only when
 * its long poll runs out. A lost notification costs only that wait: nothing is kept in it.
 */
import pg from 'pg';
import crypto from 'node:crypto';
import type { DeliveryNotifier, Logger } from '../../core/ports.js';

const CHANNEL = 'osw_delivery';

export class PostgresNotifier implements DeliveryNotifier {
  /** this process's mark on its own notifications, which it has woken locally already */
  private readonly self = crypto.randomBytes(6).toString('hex');
  private listener: pg.Client | null = null;
  private closed = false;
  private retryMs = 500;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly url: string,
    /** runs `select pg_notify(channel, payload)` on the store's pool */
    private readonly send: (channel: string, payload: string) => Promise<unknown>,
    private readonly local: DeliveryNotifier,
    private readonly logger: Logger,
  ) {}

  /** Starts listening; a failure is logged and retried, the platform runs on without it. */
  async start(): Promise<void> {
    await this.listen().catch(() => this.retry());
  }

  notify(clientId: string): void {
    this.local.notify(clientId);
    if (this.closed) return;
    this.send(CHANNEL, `${this.self}:${clientId}`).catch((err: Error) =>
      this.logger.warn({ err: err.message }, 'delivery notification not sent; receivers elsewhere see it at their next poll'),
    );
  }

  wait(clientId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.local.wait(clientId, timeoutMs, signal);
  }

  subscribe(listener: (clientId: string) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }

  private async listen(): Promise<void> {
    const c = new pg.Client({ connectionString: this.url });
    c.on('error', () => undefined);
    c.on('end', () => {
      if (this.listener === c) this.listener = null;
      if (!this.closed) this.retry();
    });
    c.on('notification', (n) => {
      const [from, clientId] = (n.payload ?? '').split(':');
      // another process queued it: wake this process's long polls and forwarders
      if (from !== this.self && clientId) this.local.notify(clientId);
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    if (this.closed) return void (await c.end());
    this.listener = c;
    this.retryMs = 500;
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.logger.warn({ retryInMs: this.retryMs }, 'listening for delivery notifications failed; trying again');
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.listen().catch(() => this.retry());
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
  }
}
