/**
 * The client's metrics in Prometheus' text format, on its status page (`GET /metrics`, with the
 * page's own protections: allowed hosts, its password). Files sent and failed per business and the
 * send latency are counted as they happen; the rest is read from the status snapshot when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatusSnapshot } from './status-page.js';

/** Send latency buckets, seconds: from claiming a file in OutBox to filing it in SentBox or FailBox. */
const SEND_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The most files whose send is timed at once (a file that never settles is forgotten past this). */
const TIMED_MAX = 100_000;

export class ClientMetrics {
  readonly registry = new Registry();
  private readonly sentTotal: Counter<'business'>;
  private readonly failedTotal: Counter<'business' | 'code'>;
  private readonly sendSeconds: Histogram<'business'>;
  private readonly started = new Map<string, number>();

  constructor(snapshot: () => StatusSnapshot) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'osw_client_process_' });
    this.sentTotal = new Counter({
      name: 'osw_client_files_sent_total',
      help: 'Files sent and filed in SentBox, by business',
      labelNames: ['business'],
      registers,
    });
    this.failedTotal = new Counter({
      name: 'osw_client_files_failed_total',
      help: 'Files filed in FailBox, by business and failCode',
      labelNames: ['business', 'code'],
      registers,
    });
    this.sendSeconds = new Histogram({
      name: 'osw_client_send_seconds',
      help: 'From taking a file out of OutBox to filing it in SentBox or FailBox, by business',
      labelNames: ['business'],
      buckets: SEND_BUCKETS,
      registers,
    });
    const perBusiness = (name: string, help: string, pick: (b: StatusSnapshot['businesses'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['business'],
        registers,
        collect() {
          this.reset();
          for (const b of snapshot().businesses) if (b.enabled) this.set({ business: b.bizId }, pick(b));
        },
      });
    perBusiness('osw_client_outbox_backlog', 'Files waiting in OutBox, as last listed', (b) => b.outBoxBacklog);
    perBusiness(
      'osw_client_files_in_flight',
      'Files claimed and being sent (queued for a task or awaiting the answer)',
      (b) => b.queued + b.inFlight,
    );
    perBusiness('osw_client_business_paused', '1 while the business is paused', (b) => (b.paused ? 1 : 0));
    new Gauge({
      name: 'osw_client_connection_up',
      help: '1 while the platform (HTTP exchange or RabbitMQ) answers',
      registers,
      collect() {
        this.set(snapshot().connection.state === 'ok' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'osw_client_card_ready',
      help: '1 while the IC card is ready to sign (0: locked, missing, wrong PIN…); absent without a card',
      registers,
      collect() {
        const card = snapshot().card;
        if (card) this.set(card.state === 'ok' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'osw_client_card_tries_left',
      help: 'PIN tries left before the card locks',
      registers,
      collect() {
        const left = snapshot().card?.triesLeft;
        if (left !== undefined) this.set(left);
      },
    });
    // the receiver counts since the start: the counters follow it
    const received = (name: string, help: string, pick: (r: StatusSnapshot['received']) => number) => {
      let last = 0;
      return new Counter({
        name,
        help,
        registers,
        collect() {
          const now = pick(snapshot().received);
          if (now > last) this.inc(now - last);
          last = now;
        },
      });
    };
    received('osw_client_received_files_total', 'Files written into InBox from the platform (receipts, pushes)', (r) => r.files);
    received('osw_client_received_duplicates_total', 'Redeliveries dropped by message id', (r) => r.duplicatesDropped);
    received('osw_client_received_rejected_total', 'Messages that could not be filed (dead-lettered)', (r) => r.rejected);
  }

  /** a file of `business` was claimed and is being sent */
  sending(business: string, file: string, at = Date.now()): void {
    if (this.started.size >= TIMED_MAX) this.started.clear();
    this.started.set(`${business}\n${file}`, at);
  }

  sent(business: string, file: string, at = Date.now()): void {
    this.sentTotal.inc({ business });
    this.settled(business, file, at);
  }

  failed(business: string, file: string, code: string, at = Date.now()): void {
    this.failedTotal.inc({ business, code });
    this.settled(business, file, at);
  }

  private settled(business: string, file: string, at: number): void {
    const key = `${business}\n${file}`;
    const from = this.started.get(key);
    if (from === undefined) return;
    this.started.delete(key);
    this.sendSeconds.observe({ business }, Math.max(0, at - from) / 1000);
  }

  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
