/** The customs sandbox: a chosen receipt issued now; manuals (加工贸易账册), their change requests and approval. */
import { ManualItemChange } from '@osw/messages/forms';
import { z } from 'zod';

export const IssuedReceiptView = z.object({
  seqNo: z.string(),
  channel: z.string(),
  fileName: z.string(),
  pushes: z.number().int().optional(),
});

export const ManualSummaryView = z.object({
  manualNo: z.string(),
  version: z.number().int(),
  head: z.record(z.string(), z.string()),
  imgCount: z.number().int().describe('料件 rows'),
  exgCount: z.number().int().describe('成品 rows'),
  createdAt: z.string(),
});

export const ManualSummaryListView = z.object({ items: z.array(ManualSummaryView), total: z.number().int() });

export const ManualItemView = z
  .object({
    kind: z.enum(['img', 'exg']).describe('img 料件, exg 成品'),
    serial: z.number().int().describe('序号'),
    code: z.string().describe('商品编码'),
    name: z.string(),
    model: z.string(),
    unit: z.string(),
    quantity: z.string(),
  })
  .describe('manual row (料件/成品)');

export const ManualView = z.object({
  manualNo: z.string(),
  version: z.number().int(),
  head: z.record(z.string(), z.string()),
  items: z.array(ManualItemView),
});

export const ManualChangeView = z
  .object({
    id: z.number().int(),
    manualNo: z.string(),
    account: z.string(),
    change: z.object({
      head: z.record(z.string(), z.string()).optional(),
      items: z.array(ManualItemChange.extend({ serial: z.number().int().optional() })).optional(),
    }),
    autoApprove: z.boolean(),
    status: z.enum(['pending', 'approved']),
    version: z.number().int().nullable().describe('the manual’s version after approval'),
    requestedAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .describe('manual change request');
