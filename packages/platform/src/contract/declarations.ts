/** Declarations (报关单) the enterprise sent or is named in, and their receipts (回执). */
import { z } from 'zod';

export const DeclarationView = z
  .object({
    seqNo: z.string().describe('统一编号'),
    clientSeqNo: z.string().describe('客户端编号'),
    senderClientId: z.string(),
    senderEnterprise: z.string(),
    tradeCode: z.string().describe('收发货人'),
    ownerCode: z.string().describe('消费使用单位/生产销售单位'),
    agentCode: z.string().describe('申报单位'),
    ieFlag: z.string().describe('I import, E export'),
    customMaster: z.string().describe('申报地海关'),
    entryId: z.string().describe('海关编号; empty until customs assigns it'),
    channel: z.string().describe('CHANNEL of the latest receipt; empty before the first'),
    messageId: z.string(),
    declaredAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('declaration (报关单)');

export const DeclarationReceiptView = z
  .object({
    seqNo: z.string(),
    channel: z.string().describe('CHANNEL'),
    note: z.string().describe('NOTE'),
    xml: z.string().describe('the receipt as customs sent it'),
    createdAt: z.string(),
  })
  .describe('declaration receipt (回执)');

/** One declaration with its XML and its receipts, oldest first. */
export const DeclarationDetailView = DeclarationView.extend({
  xml: z.string().describe('the declaration as sent'),
  receipts: z.array(DeclarationReceiptView),
});
