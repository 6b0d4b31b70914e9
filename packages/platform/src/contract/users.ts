/** 用户管理 (operators, their IC cards) and 服务地区变更 (a client's region change request). */
import { z } from 'zod';

export const OperatorView = z
  .object({
    account: z.string(),
    name: z.string(),
    operatorCode: z.string().describe('录入人 code'),
    role: z.enum(['admin', 'operator', 'platform']).describe('admin 企业管理员 · operator 操作员 · platform 平台运维'),
    status: z.enum(['active', 'disabled']),
    cards: z.array(z.object({ cardNo: z.string(), kind: z.enum(['legal', 'operator']) })).describe('IC cards bound to the operator'),
    createdAt: z.string(),
  })
  .describe('operator (操作员)');

/** A new operator or a reset password: the password only when the platform made it (shown once). */
export const OperatorWithPasswordView = z.object({
  operator: OperatorView,
  password: z.string().nullable().describe('shown once when the platform made it; null when the administrator set it'),
});

export const RegionChangeView = z
  .object({
    id: z.number().int(),
    clientId: z.string(),
    enterpriseCode: z.string(),
    fromRegion: z.string(),
    toRegion: z.string(),
    reason: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']).describe('待审批 / 已通过 / 已驳回'),
    requestedBy: z.string(),
    cardNo: z.string().nullable(),
    requestedAt: z.string(),
    decidedBy: z.string().nullable(),
    decisionNote: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .describe('服务地区变更申请 (FAQ 一.3)');
