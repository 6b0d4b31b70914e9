/**
 * The provisioning adapter: each RabbitMQ client gets its own broker user (`U_SW…`, password = the
 * client secret issued at registration), its send exchange and its two queues. Users and
 * permissions go through RabbitMQ's management HTTP API; exchanges and queues are declared over
 * AMQP by the platform's own user.
 */
import type { Channel } from 'amqplib';
import type { BrokerAccounts, Logger } from '../../core/ports.js';
import type { RabbitManagement } from './management.js';
import { brokerNames, DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE } from '@osw/messages/exchange';
import { clientPermissions, queueArguments } from './topology.js';

export interface ProvisionerOptions {
  vhost: string;
  /** the broker URL clients connect to (no credentials) */
  clientUrl?: string;
  deliveryLimit: number;
  /** a channel of the platform's connection (declares are idempotent) */
  channel(): Promise<Channel>;
  /** called after a client's queues exist (this instance starts consuming at once) */
  onProvisioned?(clientId: string): void;
  logger: Logger;
}

/** The platform-wide part: the dead-letter exchange and queue. */
export async function declareShared(ch: Channel, deliveryLimit: number): Promise<void> {
  void deliveryLimit;
  await ch.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await ch.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
}

export async function declareClient(ch: Channel, clientId: string, deliveryLimit: number): Promise<void> {
  const n = brokerNames(clientId);
  await ch.assertExchange(n.exchange, 'fanout', { durable: true });
  await ch.assertQueue(n.sendQueue, { durable: true, arguments: queueArguments(deliveryLimit) });
  await ch.assertQueue(n.receiveQueue, { durable: true, arguments: queueArguments(deliveryLimit) });
  await ch.bindQueue(n.sendQueue, n.exchange, '');
}

export class RabbitProvisioner implements BrokerAccounts {
  constructor(
    private readonly mgmt: RabbitManagement,
    private readonly opts: ProvisionerOptions,
  ) {}

  get clientUrl(): string | undefined {
    return this.opts.clientUrl;
  }

  async provisionClient(clientId: string, password: string): Promise<void> {
    const n = brokerNames(clientId);
    await declareClient(await this.opts.channel(), clientId, this.opts.deliveryLimit);
    await this.mgmt.putUser(n.user, password);
    await this.mgmt.setPermissions(this.opts.vhost, n.user, clientPermissions(clientId));
    this.opts.logger.info({ clientId, user: n.user }, 'broker user and queues provisioned');
    this.opts.onProvisioned?.(clientId);
  }

  /** Deletes the broker user (logins refused from now on) and closes its open connections. */
  async blockClient(clientId: string): Promise<void> {
    const n = brokerNames(clientId);
    await this.mgmt.deleteUser(n.user);
    const closed = await this.mgmt.closeConnectionsOf(n.user, `client ${clientId} is disabled`);
    this.opts.logger.info({ clientId, user: n.user, closedConnections: closed }, 'broker user deleted');
  }

  /** Open connections of each client's broker user (one management API call), for the console's live status. */
  async connectionCounts(clientIds: string[]): Promise<Map<string, number>> {
    const perUser = new Map<string, number>();
    for (const c of await this.mgmt.connections()) perUser.set(c.user, (perUser.get(c.user) ?? 0) + 1);
    return new Map(clientIds.map((id) => [id, perUser.get(brokerNames(id).user) ?? 0]));
  }

  /** Removes a client altogether: user, exchange and queues (their messages are lost). */
  async removeClient(clientId: string): Promise<void> {
    const n = brokerNames(clientId);
    await this.blockClient(clientId);
    const ch = await this.opts.channel();
    await ch.deleteExchange(n.exchange);
    await ch.deleteQueue(n.sendQueue);
    await ch.deleteQueue(n.receiveQueue);
  }
}
