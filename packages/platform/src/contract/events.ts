/** 事件日志 (event log): a search's declarations, receipts, pushes and subscriptions, linked. */
import { z } from 'zod';
import { PushView } from './pushes.js';
import { SubscriptionStatus } from './subscriptions.js';

export const EventSearchView = z
  .object({
    query: z.string(),
    matchedAs: z
      .enum(['document', 'message', 'client', 'subscription', 'manual', 'none'])
      .describe('what the term was found to be: 统一编号/海关编号, 报文ID, 客户端ID, 订阅ID, 账册号, or nothing'),
    declarations: z.array(
      z.object({
        seqNo: z.string().describe('统一编号'),
        entryId: z.string().describe('海关编号'),
        channel: z.string().describe('latest receipt channel'),
        senderClientId: z.string(),
        declaredAt: z.string(),
        declaredAtText: z.string().describe('China time'),
        receipts: z.array(z.object({ channel: z.string(), note: z.string(), createdAt: z.string(), createdAtText: z.string() })),
      }),
    ),
    pushes: z.object({ items: z.array(PushView), total: z.number().int() }).describe('one page of the pushes found, newest first'),
    subscriptions: z
      .array(
        z.object({
          kind: z.enum(['declaration', 'receipt', 'manual']),
          id: z.number().int(),
          clientId: z.string().nullable(),
          status: SubscriptionStatus,
          validUntil: z.string().nullable(),
          createdAt: z.string(),
          createdAtText: z.string(),
        }),
      )
      .describe('the subscriptions that caused the pushes of the page (or the one named)'),
  })
  .describe('事件日志');
