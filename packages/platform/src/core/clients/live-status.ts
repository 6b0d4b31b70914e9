/**
 * 客户端管理 live status: per client whether it is connected, its backlog (deliveries waiting on
 * the platform) and whether its push target is suspended. HTTP clients count as connected when
 * their last exchange request is recent; RabbitMQ clients when the broker holds a connection of
 * their user (read from the broker's management API, when the platform has one).
 */
import type { BrokerAccounts, Clock, Logger } from '../ports.js';
import type { ClientRow, Store } from '../store.js';

/** a client's last-seen time is written at most this often (per client, whichever instance) */
export const SEEN_WRITE_EVERY_MS = 5_000;
/** an HTTP client seen within this window is connected: a long poll lasts up to 30 s, then the next comes */
export const CONNECTED_WITHIN_MS = 45_000;

export interface ClientLiveStatus {
  /** null when it cannot be told (a RabbitMQ client without the broker's management API) */
  connected: boolean | null;
  /** how `connected` was told */
  connectedBy: 'exchange' | 'broker' | 'unknown';
  lastSeenAt: string | null;
  /** 积压: deliveries queued on the platform and not acknowledged */
  backlog: number;
  /** the client's push target is suspended after repeated failures (pushes held until it is back) */
  suspended: boolean;
  suspendedAt: string | null;
}

/**
 * Records exchange requests of clients. Each instance skips clients it recorded within the last
 * few seconds, and the store writes only when no instance did: at most one write per client per
 * SEEN_WRITE_EVERY_MS however many requests and instances.
 */
export class ClientSeenRecorder {
  private readonly recent = new Map<string, number>();
  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger }) {}

  async record(clientId: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if ((this.recent.get(clientId) ?? -Infinity) > now - SEEN_WRITE_EVERY_MS) return;
    this.recent.set(clientId, now);
    try {
      await this.deps.store.clients.touchSeen(clientId, new Date(now).toISOString(), new Date(now - SEEN_WRITE_EVERY_MS).toISOString());
    } catch (err) {
      // the exchange request goes on: the live status is a convenience
      this.deps.logger.warn({ clientId, err }, 'could not record the client as seen');
    }
  }
}

export async function clientLiveStatus(
  deps: { store: Store; clock: Clock; logger: Logger; broker?: BrokerAccounts },
  clients: ClientRow[],
): Promise<Map<string, ClientLiveStatus>> {
  const now = deps.clock.now().getTime();
  const amqp = clients.filter((c) => c.transport === 'amqp').map((c) => c.clientId);
  let brokerCounts: Map<string, number> | null = null;
  if (amqp.length && deps.broker?.connectionCounts) {
    try {
      brokerCounts = await deps.broker.connectionCounts(amqp);
    } catch (err) {
      deps.logger.warn({ err }, 'broker connections unavailable for the client status');
    }
  }
  const out = new Map<string, ClientLiveStatus>();
  for (const c of clients) {
    const [backlog, target] = await Promise.all([
      deps.store.deliveries.countPending(c.clientId),
      deps.store.pushes.getTarget(`client:${c.clientId}`),
    ]);
    const lastSeenAt = c.lastSeenAt ?? null;
    let connected: boolean | null;
    let connectedBy: ClientLiveStatus['connectedBy'];
    if (c.transport === 'amqp') {
      connected = brokerCounts ? (brokerCounts.get(c.clientId) ?? 0) > 0 : null;
      connectedBy = brokerCounts ? 'broker' : 'unknown';
    } else {
      connected = !!lastSeenAt && Date.parse(lastSeenAt) >= now - CONNECTED_WITHIN_MS;
      connectedBy = 'exchange';
    }
    if (c.status === 'disabled') connected = false;
    out.set(c.clientId, {
      connected,
      connectedBy,
      lastSeenAt,
      backlog,
      suspended: !!target?.suspendedAt,
      suspendedAt: target?.suspendedAt ?? null,
    });
  }
  return out;
}
