/**
 * The RabbitMQ layout of the exchange. Per client (names as the official client shows them):
 *
 *   client ──publish──► E_<clientId> (fanout) ──► Q_Send<clientId> ──► platform (any instance)
 *   client ◄──consume── Q_Recv<clientId> ◄──publish (default exchange)── platform
 *
 * Both queues are durable quorum queues with a delivery limit; a message that keeps failing goes
 * to the dead-letter queue `osw.dead-letter` with the broker's reason in its `x-death` header.
 * The client's broker user may write only to its send exchange and read only its receive queue;
 * import answers come back on RabbitMQ's direct reply-to (`amq.rabbitmq.reply-to`).
 */
import { brokerNames, DEAD_LETTER_EXCHANGE } from '@osw/messages/exchange';
import type { Permissions } from './management.js';

export function queueArguments(deliveryLimit: number): Record<string, unknown> {
  return { 'x-queue-type': 'quorum', 'x-delivery-limit': deliveryLimit, 'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE };
}

const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Publish only to its own send exchange, consume only its own receive queue, declare nothing. What
 * no pattern can take away (RabbitMQ checks nothing else): passive declares of any name — a queue's
 * message and consumer counts — and purging its own receive queue (`queue.purge` needs read).
 */
export function clientPermissions(clientId: string): Permissions {
  const n = brokerNames(clientId);
  return { configure: '^$', write: `^${quote(n.exchange)}$`, read: `^${quote(n.receiveQueue)}$` };
}
