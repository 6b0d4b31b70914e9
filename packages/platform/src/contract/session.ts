/** Liveness and the operator's session (POST /api/v1/session). */
import { z } from 'zod';

export const HealthView = z.object({ status: z.literal('ok') });

export const SessionView = z
  .object({
    token: z.string(),
    account: z.string(),
    enterpriseCode: z.string(),
    expiresAt: z.string(),
    role: z.enum(['admin', 'operator', 'platform']).describe('用户管理: admin 企业管理员 · operator 操作员 · platform 平台运维'),
  })
  .describe('session');

/** `DELETE /api/v1/session`: no body; the token is revoked */
export const LoggedOutView = z.null().describe('logged out: the token is refused from now on');
