/** The dead-letter queue of the RabbitMQ exchange, read through the management API: peeked, never taken. */
import { clientOfQueue, DEAD_LETTER_QUEUE, decodeFileNameHeader, EXCHANGE_HEADER } from '@osw/messages/exchange';
import type { DeadLetter, DeadLetterQueue } from '../../core/ports.js';
import type { RabbitManagement } from './management.js';

export class DeadLetterReader implements DeadLetterQueue {
  constructor(
    private readonly management: RabbitManagement,
    private readonly vhost: string,
  ) {}

  /** Which client, which message, and why the broker gave up on it (messages stay in the queue). */
  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const rows = await this.management.peek(this.vhost, DEAD_LETTER_QUEUE, limit);
    return rows.map((r) => {
      const h = r.properties?.headers ?? {};
      const death = Array.isArray(h['x-death']) ? h['x-death'][0] : undefined;
      const queue: string | null = death?.queue ?? h['x-first-death-queue'] ?? null;
      const clientId = clientOfQueue(queue) ?? queue;
      const raw = h[EXCHANGE_HEADER.fileName];
      const fileName = raw ? (decodeFileNameHeader(raw) ?? String(raw)) : null;
      return {
        clientId,
        queue,
        messageId: r.properties?.message_id ?? null,
        fileName,
        reason: String(death?.reason ?? h['x-first-death-reason'] ?? 'unknown'),
        count: Number(death?.count ?? 1),
      };
    });
  }
}
