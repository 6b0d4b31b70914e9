/**
 * The provisioning adapter: each RabbitMQ client gets its own broker user (`U_SW…`, password = the
 * client secret issued at registration), its send exchange and its two queues. Users and
 * permissions go through RabbitMQ's management HTTP API; exchanges and queues are declared over
 * AMQP by the platform's own user.
 *
 * Broker users are global, vhosts are not: several deployments on one broker would share the
 * `U_SW…` names. A user is this deployment's when it has no tags and no permissions outside its
 * vhost; any other is never taken over (`OSW_BROKER_USER_TAKEN`: a new password would lock the
 * other deployment's client out) and never deleted (disabling takes only this vhost's permissions).
 * `userPrefix` gives a deployment's users names of their own (`<prefix>U_SW…`).
 */
import type { Channel } from 'amqplib';
import { OswError } from '@osw/messages';
import type { BrokerAccounts, Logger } from '../../core/ports.js';
import type { RabbitManagement } from './management.js';
import { brokerNames, DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE } from '@osw/messages/exchange';
import { clientPermissions, queueArguments } from './topology.js';

export interface ProvisionerOptions {
  vhost: string;
  /** put before every client's broker user name (`<prefix>U_SW…`), so that deployments sharing a broker never share a user */
  userPrefix?: string;
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
  private readonly prefix: string;

  constructor(
    private readonly mgmt: RabbitManagement,
    private readonly opts: ProvisionerOptions,
  ) {
    this.prefix = opts.userPrefix ?? '';
  }

  get clientUrl(): string | undefined {
    return this.opts.clientUrl;
  }

  /** The client's broker user, as its 传输设置 show it. */
  brokerUser(clientId: string): string {
    return this.prefix + brokerNames(clientId).user;
  }

  /** The client's users this deployment may have made: its user, and the unprefixed one of before a prefix was set. */
  private usersOf(clientId: string): string[] {
    const bare = brokerNames(clientId).user;
    return this.prefix ? [this.brokerUser(clientId), bare] : [bare];
  }

  /** Why a user is not this deployment's (null: it is, or it does not exist): tags, or permissions in another vhost. */
  private async notOurs(user: string): Promise<string | null> {
    const u = await this.mgmt.getUser(user);
    if (!u) return null;
    if (u.tags.length) return `it has the tags ${u.tags.join(', ')}`;
    const elsewhere = (await this.mgmt.userVhosts(user)).filter((v) => v !== this.opts.vhost);
    return elsewhere.length ? `it has permissions in the vhost ${elsewhere.join(', ')}` : null;
  }

  async provisionClient(clientId: string, password: string): Promise<void> {
    const user = this.brokerUser(clientId);
    const foreign = await this.notOurs(user);
    if (foreign) {
      // the other deployment's vhost goes to the operator's log, not to the enterprise that applied
      this.opts.logger.error(
        { clientId, user, vhost: this.opts.vhost, why: foreign },
        `broker user ${user} is not this deployment's (${foreign}); not taken over: set amqp.userPrefix`,
      );
      throw new OswError(
        'OSW_BROKER_USER_TAKEN',
        `RabbitMQ user ${user} belongs to another deployment on this broker (broker users are global) and is not taken over; ` +
          "the platform's operator gives this deployment's broker users a prefix of their own (amqp.userPrefix)",
      );
    }
    await declareClient(await this.opts.channel(), clientId, this.opts.deliveryLimit);
    await this.mgmt.putUser(user, password);
    await this.mgmt.setPermissions(this.opts.vhost, user, clientPermissions(clientId));
    this.opts.logger.info({ clientId, user }, 'broker user and queues provisioned');
    this.opts.onProvisioned?.(clientId);
  }

  /**
   * Takes the client's access to this vhost away and closes its connections here: deletes its broker
   * user when the user is this deployment's alone, otherwise removes only its permissions in this vhost.
   */
  async blockClient(clientId: string): Promise<void> {
    const vhost = this.opts.vhost;
    for (const [i, user] of this.usersOf(clientId).entries()) {
      // the unprefixed name counts only where this vhost gave it permissions
      if (i > 0 && !(await this.mgmt.userVhosts(user)).includes(vhost)) continue;
      const foreign = await this.notOurs(user);
      if (foreign) {
        await this.mgmt.clearPermissions(vhost, user);
        this.opts.logger.warn(
          { clientId, user, why: foreign },
          "broker user is shared with another deployment: only this vhost's permissions removed",
        );
      } else await this.mgmt.deleteUser(user);
      const closed = await this.mgmt.closeConnectionsOf(user, `client ${clientId} is disabled`, vhost);
      this.opts.logger.info({ clientId, user, closedConnections: closed }, 'broker access removed');
    }
  }

  /** Open connections of each client's broker user to this vhost (one management API call), for the console's live status. */
  async connectionCounts(clientIds: string[]): Promise<Map<string, number>> {
    const perUser = new Map<string, number>();
    for (const c of await this.mgmt.connections(undefined, this.opts.vhost)) perUser.set(c.user, (perUser.get(c.user) ?? 0) + 1);
    return new Map(clientIds.map((id) => [id, this.usersOf(id).reduce((n, user) => n + (perUser.get(user) ?? 0), 0)]));
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
