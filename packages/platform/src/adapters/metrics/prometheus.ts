/**
 * The platform's metrics in Prometheus' text format (`GET /metrics`, docs/operations.md), on one
 * registry per platform (several platforms may share a process, as the tests and the demo do).
 *
 * Counters and the delivery histogram are counted as the work is committed (`PlatformMetrics`);
 * the gauges are read when scraped: the delivery backlog per client (the unacknowledged deliveries,
 * on the index that holds them together), suspended push targets, dead letters, the store's pool
 * and the broker connection.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeadLetterQueue, Logger, PlatformMetrics, PushOutcome } from '../../core/ports.js';
import type { Store } from '../../core/store.js';

export interface MetricsSources {
  store: Store;
  logger: Logger;
  deadLetters?: DeadLetterQueue;
  /** the store's connection pool, on engines with one */
  pool?: () => { size: number; idle: number; waiting: number };
  /** the broker connection's state, when the platform runs the RabbitMQ exchange */
  broker?: () => boolean;
}

/** Delivery latency buckets, seconds: from 10 ms (a client on line) to an hour (a client that was off). */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** The most dead letters read per scrape (the queue is peeked, its messages stay). */
const DEAD_LETTERS_READ = 1000;

export class PrometheusMetrics implements PlatformMetrics {
  readonly registry = new Registry();
  private readonly importedTotal: Counter<'family' | 'result'>;
  private readonly rejectedTotal: Counter<'code'>;
  private readonly pushesTotal: Counter<'channel' | 'outcome'>;
  private readonly deliverySeconds: Histogram<'channel'>;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'osw_platform_' });
    this.importedTotal = new Counter({
      name: 'osw_messages_imported_total',
      help: 'Messages imported through the exchange (HTTP and RabbitMQ), by family and result (accepted, refused, duplicate)',
      labelNames: ['family', 'result'],
      registers,
    });
    this.rejectedTotal = new Counter({
      name: 'osw_messages_rejected_total',
      help: 'Messages the exchange refused before import (bad headers, a disabled client, a body too large), by error code',
      labelNames: ['code'],
      registers,
    });
    this.pushesTotal = new Counter({
      name: 'osw_pushes_total',
      help: 'Pushes by channel (client, webhook, sms, app, wechat) and outcome (queued, delivered, failed, held)',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'osw_delivery_seconds',
      help: "From queueing to delivery: a client's acknowledgement (its InBox file written) or a webhook, SMS or app push accepted",
      labelNames: ['channel'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const log = sources.logger;
    const backlog = new Gauge({
      name: 'osw_client_backlog',
      help: 'Deliveries queued for a client and not acknowledged yet',
      labelNames: ['client_id'],
      registers,
      async collect() {
        this.reset();
        const rows = await sources.store.deliveries.backlog().catch((err: unknown) => (log.warn({ err }, 'metrics: backlog unread'), []));
        for (const r of rows) this.set({ client_id: r.clientId }, r.count);
      },
    });
    void backlog;
    new Gauge({
      name: 'osw_push_targets_suspended',
      help: 'Push targets suspended after repeated failures, by kind (client, webhook, sms, app, wechat)',
      labelNames: ['kind'],
      registers,
      async collect() {
        this.reset();
        const rows = await sources.store.pushes
          .suspendedTargets()
          .catch((err: unknown) => (log.warn({ err }, 'metrics: targets unread'), []));
        const byKind = new Map<string, number>();
        for (const t of rows) {
          const kind = t.targetKey.split(':')[0];
          byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
        }
        for (const [kind, n] of byKind) this.set({ kind }, n);
      },
    });
    if (sources.deadLetters) {
      const dlq = sources.deadLetters;
      new Gauge({
        name: 'osw_dead_letters',
        help: `Messages in the broker's dead-letter queue (read up to ${DEAD_LETTERS_READ} per scrape)`,
        registers,
        async collect() {
          const letters = await dlq
            .deadLetters(DEAD_LETTERS_READ)
            .catch((err: unknown) => (log.warn({ err }, 'metrics: dead letters unread'), null));
          if (letters) this.set(letters.length);
        },
      });
    }
    if (sources.pool) {
      const pool = sources.pool;
      new Gauge({
        name: 'osw_store_pool_connections',
        help: "The store's connection pool: open connections, idle ones, and queries waiting for one",
        labelNames: ['state'],
        registers,
        collect() {
          const p = pool();
          this.set({ state: 'open' }, p.size);
          this.set({ state: 'idle' }, p.idle);
          this.set({ state: 'waiting' }, p.waiting);
        },
      });
    }
    if (sources.broker) {
      const up = sources.broker;
      new Gauge({
        name: 'osw_broker_connected',
        help: "1 while the platform's RabbitMQ connection is up",
        registers,
        collect() {
          this.set(up() ? 1 : 0);
        },
      });
    }
  }

  imported(family: string, result: 'accepted' | 'refused' | 'duplicate'): void {
    this.importedTotal.inc({ family, result });
  }

  rejected(code: string): void {
    this.rejectedTotal.inc({ code });
  }

  push(channel: string, outcome: PushOutcome, waitedMs: number): void {
    this.pushesTotal.inc({ channel, outcome });
    if (outcome === 'delivered') this.deliverySeconds.observe({ channel }, Math.max(0, waitedMs) / 1000);
  }

  /** the text Prometheus scrapes, and its content type */
  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
