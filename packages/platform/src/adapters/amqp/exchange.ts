/**
 * The RabbitMQ exchange, platform side: one broker connection that comes back after a drop or a
 * broker restart, and the four parts that run on it, wired in one direction —
 *
 * - {@link ImportConsumer}: every client's send queue → `importMessage` → the answer on reply-to;
 * - {@link ReceiveForwarder}: the store's delivery queues → the clients' receive queues;
 * - {@link DeadLetterReader}: what the broker gave up on, for the console;
 * - {@link RabbitProvisioner}: each client's broker user, exchange and queues.
 *
 * Every platform instance runs all four; several instances compete for the send queues and never
 * forward the same deliveries (the store's claims).
 */
import type { Channel, ChannelModel } from 'amqplib';
import { OswError } from '@osw/messages';
import { RECEIVE_QUEUE_PREFIX, SEND_QUEUE_PREFIX } from '@osw/messages/exchange';
import type { CustomsPort } from '../../core/exchange/accept.js';
import type { Clock, DeadLetter, DeliveryNotifier, Logger, Tracing } from '../../core/ports.js';
import type { Store } from '../../core/store.js';
import { BrokerLink } from './connection.js';
import { DeadLetterReader } from './dead-letters.js';
import { ImportConsumer } from './import-consumer.js';
import { RabbitManagement } from './management.js';
import { declareShared, RabbitProvisioner } from './provisioning.js';
import { ReceiveForwarder } from './receive-forwarder.js';

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
  /** deliveries forwarded per batch */
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
  /** put before every client's broker user name (`<prefix>U_SW…`); deployments sharing a broker each need their own */
  userPrefix?: string;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** What the exchange works with: the store and the business systems behind it. */
export interface AmqpExchangeDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** tells the forwarder what was queued, here or in another process */
  notifier: DeliveryNotifier;
  customs: CustomsPort;
  /** spans of the imports (tracing on); the deliveries forwarded carry their stored trace context */
  tracing?: Tracing;
}

export type { DeadLetter };

/** The broker URL without the platform's user, password and connection parameters: what clients connect to. */
export function publicBrokerUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

export class AmqpExchange {
  readonly management: RabbitManagement;
  readonly vhost: string;
  readonly accounts: RabbitProvisioner;
  readonly imports: ImportConsumer;
  readonly forwarder: ReceiveForwarder;
  readonly deadLetterQueue: DeadLetterReader;

  private readonly link: BrokerLink;
  private readonly log: Logger;
  private readonly opts: { url: string; discoverMs: number; deliveryLimit: number; declareVhost: boolean };
  private adminCh: Channel | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnects = 0;
  private stopped = false;

  constructor(deps: AmqpExchangeDeps, options: AmqpExchangeOptions) {
    this.opts = {
      url: options.url,
      discoverMs: options.discoverMs ?? 3000,
      deliveryLimit: options.deliveryLimit ?? 5,
      declareVhost: options.declareVhost ?? true,
    };
    const u = new URL(options.url);
    this.vhost = decodeURIComponent(u.pathname.replace(/^\//, '')) || '/';
    this.log = deps.logger.child({ component: 'amqp-exchange' });
    this.management = new RabbitManagement(options.managementUrl ?? RabbitManagement.urlFor(options.url));
    this.imports = new ImportConsumer(deps, deps.customs, { prefetch: options.prefetch ?? 200 });
    this.forwarder = new ReceiveForwarder(deps, { batch: options.forwardBatch ?? 200, sweepMs: options.sweepMs ?? 1000 });
    this.deadLetterQueue = new DeadLetterReader(this.management, this.vhost);
    this.link = new BrokerLink({
      url: options.url,
      name: options.instanceName ?? `osw-platform-${process.pid}`,
      logger: this.log,
      caFile: options.caFile,
      retryBaseMs: options.retryBaseMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 10_000,
      setup: (conn) => this.attach(conn),
    });
    this.accounts = new RabbitProvisioner(this.management, {
      vhost: this.vhost,
      userPrefix: options.userPrefix,
      clientUrl: options.clientUrl ?? publicBrokerUrl(options.url),
      deliveryLimit: this.opts.deliveryLimit,
      logger: this.log,
      channel: async () => {
        await this.link.connected(10_000);
        if (!this.adminCh) throw new OswError('OSW_BROKER_UNREACHABLE', 'no channel to RabbitMQ');
        return this.adminCh;
      },
      onProvisioned: (clientId) => this.clientFound(clientId),
    });
  }

  /** whether the platform's broker connection is up now */
  get connected(): boolean {
    return this.link.connection !== null;
  }

  /** What the exchange did so far (tests, logs). */
  get stats() {
    return { ...this.imports.stats, forwarded: this.forwarder.stats.forwarded, reconnects: this.reconnects };
  }

  /** The dead-letter queue, peeked (messages stay). */
  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.deadLetterQueue.deadLetters(limit);
  }

  /** Connects (the first try must succeed), starts consuming and forwarding. */
  async start(): Promise<void> {
    if (this.opts.declareVhost) {
      const user = decodeURIComponent(new URL(this.opts.url).username || 'guest');
      await this.management.putVhost(this.vhost);
      await this.management.setPermissions(this.vhost, user, { configure: '.*', write: '.*', read: '.*' });
    }
    await this.link.start();
    this.forwarder.start();
    this.timer = setInterval(() => this.discoverSoon(), this.opts.discoverMs);
    this.timer.unref();
  }

  /** Runs on every (re)connect: the channels of every part, then the consumers of the known queues. */
  private async attach(conn: ChannelModel): Promise<void> {
    const died = (what: string) => () => {
      if (this.stopped || this.link.connection !== conn) return;
      this.log.warn({ channel: what }, 'broker channel closed; reconnecting');
      void this.link.reset();
    };
    const admin = await conn.createChannel();
    admin.on('error', () => undefined);
    admin.on('close', died('admin'));
    await declareShared(admin, this.opts.deliveryLimit);
    await this.imports.attach(conn, died);
    await this.forwarder.attach(conn, died);
    this.adminCh = admin;
    if (this.link.connects > 0) this.reconnects++;
    // consumers of the new connection (the first connect discovers after start() returns)
    setImmediate(() => this.discoverSoon());
  }

  private discoverSoon(): void {
    void this.discover().catch((err) => this.log.warn({ err: (err as Error).message }, 'listing the client queues failed'));
  }

  /** Lists the client queues on the broker: consumes every send queue, forwards for every receive queue. */
  async discover(): Promise<void> {
    if (this.stopped) return;
    for (const q of await this.management.listQueues(this.vhost)) {
      if (q.name.startsWith(RECEIVE_QUEUE_PREFIX)) this.forwarder.add(q.name.slice(RECEIVE_QUEUE_PREFIX.length));
      if (q.name.startsWith(SEND_QUEUE_PREFIX)) await this.imports.consume(q.name.slice(SEND_QUEUE_PREFIX.length));
    }
  }

  /** A client provisioned by this instance: consumed and forwarded for at once. */
  private clientFound(clientId: string): void {
    this.forwarder.add(clientId);
    void this.imports.consume(clientId).catch(() => undefined);
  }

  /** Stops consuming, lets imports and forwards in flight finish, closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.imports.stop();
    await this.forwarder.stop();
    await this.link.close();
  }
}
