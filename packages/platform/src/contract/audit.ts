/** 操作日志: the enterprise's audit log. */
import { z } from 'zod';

export const AuditEntryView = z
  .object({
    id: z.number().int(),
    account: z.string().describe('who'),
    cardNo: z.string().nullable().describe('card used'),
    action: z.string(),
    entity: z.string(),
    entityId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    at: z.string().describe('when'),
  })
  .describe('audit entry');
