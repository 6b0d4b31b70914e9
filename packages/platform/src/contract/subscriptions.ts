/** The three subscription services: 报关单数据订阅, 报关状态订阅, 加工贸易账册数据订阅. */
import { z } from 'zod';

export const SubscriptionStatus = z
  .enum(['active', 'expired', 'cancelled'])
  .describe('状态: active 生效, expired 已失效, cancelled 已取消');

export const DeclarationSubscriptionView = z
  .object({
    id: z.number().int(),
    enterpriseCode: z.string(),
    clientId: z.string().describe('客户编号/客户端ID'),
    cardNo: z.string().describe('操作员卡号 (the card used)'),
    operatorCode: z.string().describe('录入人'),
    declarationData: z.boolean().describe('申报数据'),
    receiptTypes: z.array(z.string()).describe('状态回执 as asked'),
    channels: z.array(z.string()).describe('the CHANNEL codes they stand for'),
    content: z.string().describe('订阅内容'),
    validUntil: z.string().describe('有效期 (last valid day, China time)'),
    validUntilText: z.string().describe('有效期 as shown: yyyy-MM-dd 23:59:59'),
    subscribedAt: z.string().describe('订阅日期 (yyyy-MM-dd HH:mm:ss China time)'),
    status: SubscriptionStatus,
    statusText: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    cancelledAt: z.string().nullable(),
  })
  .describe('报关单数据订阅');

export const ReceiptSubscriptionView = z
  .object({
    id: z.number().int(),
    enterpriseCode: z.string(),
    pushMethod: z.enum(['sms', 'app', 'wechat', 'client']),
    pushMethodText: z.string().describe('推送方式'),
    mode: z.enum(['document', 'enterprise', 'operator']),
    modeText: z.string().describe('订阅方式'),
    content: z.string().describe('订阅内容'),
    documentNo: z.string().nullable().describe('业务单据号'),
    seqNo: z.string().nullable().describe('统一编号 of the document'),
    phone: z.string().nullable().describe('masked'),
    clientId: z.string().nullable(),
    operatorCardNo: z.string().nullable(),
    operatorCode: z.string().describe('录入人'),
    receiptTypes: z.array(z.string()).nullable().describe('client push: 回执类型 as asked; null: every receipt'),
    channels: z.array(z.string()).nullable().describe('the CHANNEL codes they stand for; null: every receipt'),
    validUntil: z.string().nullable().describe('client push: last valid day; null: no end'),
    validUntilText: z.string().nullable().describe('有效期: yyyy-MM-dd 23:59:59'),
    valid: z.boolean().describe('是否有效'),
    status: SubscriptionStatus,
    statusText: z.string().describe('生效 / 已失效 / 已取消'),
    subscribedAt: z.string(),
    createdAt: z.string(),
    cancelledAt: z.string().nullable(),
  })
  .describe('报关状态订阅');

export const ManualSubscriptionView = z
  .object({
    id: z.number().int(),
    enterpriseCode: z.string().describe('海关十位'),
    clientId: z.string().describe('客户端ID'),
    cardNo: z.string().describe('操作员卡号'),
    operatorCode: z.string().describe('录入人'),
    kind: z.enum(['stock', 'incremental']),
    kindText: z.string().describe('存量/增量'),
    manualNo: z.string(),
    pushTypes: z.array(z.enum(['img', 'exg'])),
    imgRange: z.string().nullable(),
    exgRange: z.string().nullable(),
    content: z.string().describe('订阅内容'),
    validUntil: z.string(),
    validUntilText: z.string().describe('有效期: yyyy-MM-dd 23:59:59'),
    subscribedAt: z.string(),
    status: SubscriptionStatus,
    statusText: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    cancelledAt: z.string().nullable(),
    pushRequestId: z.number().int().nullable().optional().describe('stock: the pending push request the push engine picks up'),
    stockPush: z
      .object({
        state: z.enum(['waiting', 'pushing', 'done']).describe('waiting 待推送, pushing 推送中, done 推送完成'),
        stateText: z.string().describe('待推送 / 推送中 / 推送完成'),
        pushed: z.number().int().describe('messages the client acknowledged (下发成功)'),
        total: z.number().int().describe('messages the stock push was split into (0 while waiting)'),
        text: z.string().describe('推送进度 as the console shows it, e.g. `已推送 2/3`'),
      })
      .nullable()
      .describe('stock (存量): progress of its one push to the client; null for incremental'),
  })
  .describe('加工贸易账册数据订阅');
