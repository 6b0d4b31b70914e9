/** IC cards (操作员卡/法人卡) of the operator's enterprise (GET /api/v1/cards). */
import { z } from 'zod';

export const CardView = z
  .object({
    cardNo: z.string(),
    kind: z.enum(['legal', 'operator']),
    holderAccount: z.string().nullable(),
    locked: z.boolean(),
    /** 有效期至, ISO; null for a card issued before validity was kept (it does not expire) */
    validUntil: z.string().nullable(),
    /** the validity has passed: customs refuses what it signs (非白名单用户或者ic卡号不合法) */
    expired: z.boolean(),
    createdAt: z.string(),
  })
  .describe('IC card');
