/** 死信: messages the RabbitMQ exchange gave up on, with the broker's reason. */
import { z } from 'zod';

export const DeadLetterView = z
  .object({
    clientId: z.string().describe('客户端ID of the queue the message died in'),
    queue: z
      .string()
      .describe('`Q_Send<clientId>`: a message the client sent (import); `Q_Recv<clientId>`: a receipt or push for the client'),
    direction: z.enum(['send', 'receive']).describe('send: from the client to the platform; receive: from the platform to the client'),
    messageId: z.string().nullable().describe('报文ID (the AMQP message id)'),
    fileName: z.string().nullable().describe('file name the message carried'),
    reason: z
      .string()
      .describe("the broker's reason: `delivery_limit` (delivered `amqp.deliveryLimit` times without success), `rejected`, `expired`, …"),
    count: z.number().int().describe('how many times it was dead-lettered from that queue'),
  })
  .describe('dead letter (死信)');

export const DeadLetterListView = z.object({
  exchange: z.enum(['amqp', 'http']).describe('`http`: the platform runs the HTTP exchange only and has no dead-letter queue'),
  items: z.array(DeadLetterView),
  total: z.number().int().describe('dead letters of your enterprise among those scanned'),
  scanned: z.number().int().describe('messages looked at in the dead-letter queue (at most `limit`, oldest first)'),
});
