/** SMS verification codes (for 报关状态订阅 by SMS) and the embedded provider's outbox. */
import { z } from 'zod';

/** The answer to a code request; the code itself goes by SMS only. */
export const VerificationCodeSentView = z.object({
  phone: z.string().describe('masked'),
  expiresAt: z.string(),
  resendAfterSeconds: z.number().int(),
  sandboxCode: z
    .string()
    .optional()
    .describe('only with the embedded SMS provider (the sandbox sends no SMS): the code, shown once to the operator who asked'),
});

export const SmsOutboxView = z
  .object({
    id: z.number().int(),
    phone: z.string().describe('masked'),
    text: z.string().describe('verification codes masked'),
    provider: z.string(),
    createdAt: z.string(),
  })
  .describe('an SMS in the outbox');
