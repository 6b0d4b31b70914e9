/**
 * The RabbitMQ exchange, platform side. Every platform instance:
 *
 * - consumes every client's send queue (`Q_Send<id>`, competing consumers across instances), imports
 *   each message with the same `importMessage` as the HTTP exchange (the sender is the queue it came
 *   from, never the message's claims), answers on the message's reply-to queue, and acks only after
 *   the import is committed. An import that fails for an unexpected reason is requeued; the queue's
 *   delivery limit dead-letters a message that keeps failing (`osw.dead-letter`, reason in `x-death`).
 * - forwards what is queued for a client in the store (receipts, pushes) into its receive queue
 *   (`Q_Recv<id>`) with publisher confirms; the rows are marked delivered in the same transaction,
 *   after the broker confirmed. Two instances never take the same rows (`FOR UPDATE SKIP LOCKED` on
 *   PostgreSQL); a crash between confirm and commit republishes with the same message id, and the
 *   client drops the duplicate.
 * - reconnects with backoff after a dropped connection or a broker restart.
 */
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { OswError } from '@osw/messages';
import { checkClientDevice } from '../../api/exchange-routes.js';
import { importMessage, type CustomsPort } from '../../core/exchange/accept.js';
import type { DeadLetter, DeadLetterQueue, DeliveryNotifier, PlatformDeps } from '../../core/ports.js';
import type { Store } from '../../core/store.js';
import { BrokerLink } from './connection.js';
import { RabbitManagement } from './management.js';
import { declareShared, RabbitProvisioner } from './provisioning.js';
import { brokerNames, clientOfQueue, DEAD_LETTER_QUEUE, decodeFileNameHeader, EXCHANGE_HEADER as HEADER, RECEIVE_QUEUE_PREFIX, SEND_QUEUE_PREFIX, messageHeaders, type AmqpAnswer as WireAnswer } from '@osw/messages/exchange';

export interface AmqpExchangeOptions {
  /** the platform's own broker user: `amqp(s)://user:password@host:port/vhost` */
  url: string;
  /** the management API, default: same host and user on port 15672 */
  managementUrl?: string;
  /** name of this platform instance in the broker's connection list */
  instanceName?: string;
  /** deliveries of one message before it is dead-lettered */
  deliveryLimit?: number;
  /** unacknowledged imports per instance */
  prefetch?: number;
  /** deliveries forwarded per transaction */
  forwardBatch?: number;
  /** how often every client's store queue is swept into RabbitMQ (missed wake-ups, other instances' work) */
  sweepMs?: number;
  /** how often the client queues are listed again (clients registered on another instance) */
  discoverMs?: number;
  /** creates the vhost and gives the platform's user all rights on it (needs an administrator) */
  declareVhost?: boolean;
  /** CA certificate file for amqps:// */
  caFile?: string;
  /** the broker URL clients connect to, shown in their 传输设置; default: `url` without the platform's user and password */
  clientUrl?: string;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export type { DeadLetter };

type BaseDeps = Omit<PlatformDeps, 'broker' | 'deadLetters'>;

/** The broker URL without the platform's user, password and connection parameters: what clients connect to. */
export function publicBrokerUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

/** Acks or nacks on a channel that may have closed meanwhile: its unacknowledged messages are redelivered anyway. */
function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    /* channel closed: the broker redelivers, the import is deduplicated by message id */
  }
}

export class AmqpExchange implements DeadLetterQueue {
  readonly management: RabbitManagement;
  readonly vhost: string;
  readonly accounts: RabbitProvisioner;
  /** wakes the HTTP long polls as before, and forwards a RabbitMQ client's deliveries at once */
  readonly notifier: DeliveryNotifier;
  readonly stats = { imported: 0, answered: 0, requeued: 0, refused: 0, forwarded: 0, reconnects: 0 };

  private readonly link: BrokerLink;
  private readonly opts: Required<Omit<AmqpExchangeOptions, 'managementUrl' | 'caFile' | 'instanceName' | 'clientUrl'>> & { instanceName: string; caFile?: string };
  private deps: BaseDeps | null = null;
  private customs: CustomsPort | null = null;
  private adminCh: Channel | null = null;
  private consumeCh: Channel | null = null;
  private replyCh: Channel | null = null;
  private forwardCh: ConfirmChannel | null = null;
  private readonly consumed = new Map<string, string>(); // send queue → consumer tag
  private readonly clients = new Set<string>(); // RabbitMQ clients known to this instance
  private readonly forwarding = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly returned = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly base: { logger: PlatformDeps['logger']; notifier: DeliveryNotifier },
    options: AmqpExchangeOptions,
  ) {
    this.opts = {
      url: options.url,
      instanceName: options.instanceName ?? `osw-platform-${process.pid}`,
      deliveryLimit: options.deliveryLimit ?? 5,
      prefetch: options.prefetch ?? 32,
      forwardBatch: options.forwardBatch ?? 200,
      sweepMs: options.sweepMs ?? 1000,
      discoverMs: options.discoverMs ?? 3000,
      declareVhost: options.declareVhost ?? true,
      caFile: options.caFile,
      retryBaseMs: options.retryBaseMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 10_000,
    };
    const u = new URL(options.url);
    this.vhost = decodeURIComponent(u.pathname.replace(/^\//, '')) || '/';
    this.management = new RabbitManagement(options.managementUrl ?? RabbitManagement.urlFor(options.url));
    const log = base.logger.child({ component: 'amqp-exchange' });
    this.link = new BrokerLink({
      url: options.url,
      name: this.opts.instanceName,
      logger: log,
      caFile: options.caFile,
      retryBaseMs: this.opts.retryBaseMs,
      retryMaxMs: this.opts.retryMaxMs,
      setup: (conn) => this.setup(conn),
    });
    this.accounts = new RabbitProvisioner(this.management, {
      vhost: this.vhost,
      clientUrl: options.clientUrl ?? publicBrokerUrl(options.url),
      deliveryLimit: this.opts.deliveryLimit,
      logger: log,
      channel: async () => {
        await this.link.connected(10_000);
        if (!this.adminCh) throw new OswError('OSW_BROKER_UNREACHABLE', 'no channel to RabbitMQ');
        return this.adminCh;
      },
      onProvisioned: (clientId) => {
        this.clients.add(clientId);
        void this.consume(clientId).catch(() => undefined);
      },
    });
    const inner = base.notifier;
    this.notifier = {
      notify: (clientId) => {
        inner.notify(clientId);
        if (this.clients.has(clientId)) this.kick(clientId);
      },
      wait: (clientId, timeoutMs, signal) => inner.wait(clientId, timeoutMs, signal),
    };
  }

  /** Something was queued for a client by another process: forward it now (only this process is told). */
  wake(clientId: string): void {
    if (this.clients.has(clientId)) this.kick(clientId);
  }

  private get log() {
    return this.base.logger;
  }

  /** Connects (the first try must succeed), starts consuming and forwarding. */
  async start(deps: BaseDeps, customs: CustomsPort): Promise<void> {
    this.deps = deps;
    this.customs = customs;
    if (this.opts.declareVhost) {
      const user = decodeURIComponent(new URL(this.opts.url).username || 'guest');
      await this.management.putVhost(this.vhost);
      await this.management.setPermissions(this.vhost, user, { configure: '.*', write: '.*', read: '.*' });
    }
    await this.link.start();
    this.timers.push(setInterval(() => void this.discover().catch((err) => this.log.warn({ err: (err as Error).message }, 'listing the client queues failed')), this.opts.discoverMs));
    this.timers.push(setInterval(() => this.sweep(), this.opts.sweepMs));
    for (const t of this.timers) t.unref();
  }

  private async setup(conn: ChannelModel): Promise<void> {
    const died = (what: string) => () => {
      if (this.stopped || this.link.connection !== conn) return;
      this.log.warn({ channel: what }, 'broker channel closed; reconnecting');
      void this.link.reset();
    };
    const admin = await conn.createChannel();
    admin.on('error', () => undefined);
    admin.on('close', died('admin'));
    await declareShared(admin, this.opts.deliveryLimit);
    const consume = await conn.createChannel();
    consume.on('error', () => undefined);
    consume.on('close', died('consume'));
    await consume.prefetch(this.opts.prefetch);
    const reply = await conn.createChannel();
    reply.on('error', () => undefined);
    reply.on('close', died('reply'));
    const forward = await conn.createConfirmChannel();
    forward.on('error', () => undefined);
    forward.on('close', died('forward'));
    forward.on('return', (m) => this.returned.add(`${m.fields.routingKey}|${m.properties.messageId}`));
    this.adminCh = admin;
    this.consumeCh = consume;
    this.replyCh = reply;
    this.forwardCh = forward;
    this.consumed.clear();
    if (this.link.connects > 0) this.stats.reconnects++;
    // consumers of the new connection (the first connect discovers after start() returns)
    setImmediate(() => void this.discover().catch((err) => this.log.warn({ err: (err as Error).message }, 'listing the client queues failed')));
  }

  /** Lists the client queues on the broker: consumes every send queue, remembers every client. */
  async discover(): Promise<void> {
    if (this.stopped) return;
    const queues = await this.management.listQueues(this.vhost);
    for (const q of queues) {
      if (q.name.startsWith(RECEIVE_QUEUE_PREFIX)) this.clients.add(q.name.slice(RECEIVE_QUEUE_PREFIX.length));
      if (q.name.startsWith(SEND_QUEUE_PREFIX)) await this.consume(q.name.slice(SEND_QUEUE_PREFIX.length));
    }
  }

  private async consume(clientId: string): Promise<void> {
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
    const deps = this.deps!;
    const messageId = String(msg.properties.messageId ?? '');
    const headers = msg.properties.headers ?? {};
    const log = deps.logger.child({ clientId, msgId: messageId });
    let answer: WireAnswer;
    try {
      const client = await deps.store.getClient(clientId);
      if (!client) throw new OswError('OSW_AUTH_FAILED', `unknown client ${clientId}`);
      if (client.status !== 'active') throw new OswError('OSW_CLIENT_DISABLED', `client ${clientId} is disabled`);
      await checkClientDevice(deps, client, headers[HEADER.device] === undefined ? undefined : String(headers[HEADER.device]));
      const fileName = decodeFileNameHeader(headers[HEADER.fileName]);
      if (fileName === null) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${HEADER.fileName} must be percent-encoded UTF-8`);
      const business = String(headers[HEADER.business] ?? '');
      if (!fileName || !business) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${HEADER.fileName} and ${HEADER.business} headers are required`);
      const a = await importMessage(deps, this.customs!, { client, messageId, fileName, business, body: msg.content });
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
    if (msg.properties.replyTo && this.replyCh) {
      try {
        this.replyCh.publish('', msg.properties.replyTo, Buffer.from(JSON.stringify(answer)), { correlationId: msg.properties.correlationId, contentType: 'application/json' });
        this.stats.answered++;
      } catch {
        // the client resends and gets the stored answer
      }
    }
    // the import is committed: the message may go
    settle(() => ch.ack(msg));
  }

  /** Forwards one client's store queue now (coalesced: one run per client at a time). */
  kick(clientId: string): void {
    if (this.stopped) return;
    if (this.forwarding.has(clientId)) {
      this.again.add(clientId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(clientId);
        await this.forward(clientId);
      } while (this.again.has(clientId) && !this.stopped);
    })()
      .catch((err) => this.log.warn({ clientId, err: (err as Error).message }, 'forwarding to the receive queue failed; will retry'))
      .finally(() => this.forwarding.delete(clientId));
    this.forwarding.set(clientId, run);
  }

  private sweep(): void {
    if (this.stopped || !this.forwardCh) return;
    for (const clientId of this.clients) this.kick(clientId);
  }

  private async forward(clientId: string): Promise<void> {
    const deps = this.deps!;
    for (;;) {
      const ch = this.forwardCh;
      if (!ch || this.stopped) return;
      // several processes (PostgreSQL): the rows stay locked in one transaction until the broker has
      // confirmed them; one process (SQLite): take, publish and acknowledge in short steps, so the
      // store is not held while the broker writes (forwards of one client never overlap: kick)
      const n = deps.store.singleProcess ? await this.forwardBatch(deps.store, ch, clientId) : await deps.store.transaction((tx) => this.forwardBatch(tx, ch, clientId));
      this.stats.forwarded += n;
      if (n < this.opts.forwardBatch) return;
    }
  }

  /** Publishes one batch of a client's store queue to its receive queue and, once confirmed, acknowledges it in the store. */
  private async forwardBatch(store: Store, ch: ConfirmChannel, clientId: string): Promise<number> {
    const queue = brokerNames(clientId).receiveQueue;
    const rows = await store.takeDeliveries(clientId, this.opts.forwardBatch);
    if (!rows.length) return 0;
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
    if (lost.length) throw new OswError('OSW_BROKER_QUEUE_MISSING', `receive queue ${queue} does not exist: ${lost.length} deliveries stay queued in the store`);
    await store.ackDeliveries(
      clientId,
      rows.map((r) => r.id),
      this.deps!.clock.now().toISOString(),
    );
    return rows.length;
  }

  /** The dead-letter queue, peeked (messages stay): which client, which message, and why. */
  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const rows = await this.management.peek(this.vhost, DEAD_LETTER_QUEUE, limit);
    return rows.map((r) => {
      const h = r.properties?.headers ?? {};
      const death = Array.isArray(h['x-death']) ? h['x-death'][0] : undefined;
      const queue: string | null = death?.queue ?? h['x-first-death-queue'] ?? null;
      const clientId = clientOfQueue(queue) ?? queue;
      const fileName = h[HEADER.fileName] ? (decodeFileNameHeader(h[HEADER.fileName]) ?? String(h[HEADER.fileName])) : null;
      return { clientId, queue, messageId: r.properties?.message_id ?? null, fileName, reason: String(death?.reason ?? h['x-first-death-reason'] ?? 'unknown'), count: Number(death?.count ?? 1) };
    });
  }

  /** Stops consuming, lets imports in flight finish, closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    const ch = this.consumeCh;
    for (const tag of this.consumed.values()) if (tag) await ch?.cancel(tag).catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.forwarding.values()]);
    await this.link.close();
  }
}
