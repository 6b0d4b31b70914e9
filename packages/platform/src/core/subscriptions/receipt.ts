/**
 * 报关状态订阅 (ReceiptSubscription, 互联网+海关): declaration status receipts pushed by SMS, the
 * 掌上海关 app, the WeChat mini program or a client; by document (按单证), by enterprise (按企业:
 * all its documents) or by operator (按个人: the documents the operator entered). Cancel only while active.
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { operatorCardOf } from '../identity/cards.js';
import { notFound, problem } from '../problem.js';
import type { Clock } from '../ports.js';
import type {
  Paged,
  ReceiptPushMethod,
  ReceiptSubscriptionMode,
  ReceiptSubscriptionQuery,
  ReceiptSubscriptionRow,
  Store,
} from '../store.js';
import { subscribingClient } from './common.js';
import { receiptChannels } from './declaration.js';
import { assertActive, checkExtension, checkValidUntil } from './validity.js';
import { checkVerificationCode, maskPhone, PHONE_PATTERN } from '../sms/verification-codes.js';

type Deps = { store: Store; clock: Clock };

export interface ReceiptSubscriptionRequest {
  pushMethod: ReceiptPushMethod;
  /** client push: 回执类型 (manual names or CHANNEL codes); left out, every receipt */
  receiptTypes?: string[];
  /** client push: 有效期, default and at most one year from today */
  validUntil?: string;
  mode: ReceiptSubscriptionMode;
  /** 业务单据号: 统一编号 or 海关编号 (mode `document`) */
  documentNo?: string;
  phone?: string;
  verificationCode?: string;
  clientId?: string;
  operatorCardNo?: string;
}

/** 推送方式 */
export const PUSH_METHOD_NAMES: Record<ReceiptPushMethod, string> = {
  sms: '短信',
  app: '掌上海关APP',
  wechat: '微信小程序',
  client: '客户端',
};
/** 订阅方式 */
export const MODE_NAMES: Record<ReceiptSubscriptionMode, string> = {
  document: '按单证订阅',
  enterprise: '按企业订阅',
  operator: '按个人订阅',
};

/** 订阅内容 as a list shows it; a client subscription names its receipt types. */
export function receiptContent(
  s: Pick<ReceiptSubscriptionRow, 'mode' | 'documentNo' | 'enterpriseCode' | 'operatorCode'> & { receiptTypes?: string[] | null },
): string {
  const what = s.receiptTypes ? `状态回执[${s.receiptTypes.join('、')}]` : '状态回执';
  if (s.mode === 'document') return `报关单[${s.documentNo}]的${what}`;
  if (s.mode === 'enterprise') return `企业[${s.enterpriseCode}]全部报关单的${what}`;
  return `录入人[${s.operatorCode}]录入的报关单的${what}`;
}

/** `active`, `expired` (client push past its validity) or `cancelled` at `now`. */
export function receiptStatusAt(
  s: Pick<ReceiptSubscriptionRow, 'cancelledAt' | 'expiresAt'>,
  now: Date,
): 'active' | 'expired' | 'cancelled' {
  if (s.cancelledAt) return 'cancelled';
  return s.expiresAt === null || s.expiresAt > now.toISOString() ? 'active' : 'expired';
}

export async function subscribeReceipts(deps: Deps, actor: Actor, req: ReceiptSubscriptionRequest): Promise<ReceiptSubscriptionRow> {
  let seqNo: string | null = null;
  if (req.mode === 'document') {
    const no = req.documentNo?.trim();
    if (!no)
      throw problem(
        'OSW_SUB_DOCUMENT_REQUIRED',
        '按单证订阅须填写报关单号（统一编号或海关编号）',
        'subscribing by document needs a declaration number (统一编号 or 海关编号)',
      );
    const d = await deps.store.declarations.findByNumber(no);
    const party = d && [d.senderEnterprise, d.tradeCode, d.ownerCode, d.agentCode].includes(actor.enterpriseCode);
    if (!d || !party) throw notFound('报关单', 'declaration', no);
    seqNo = d.seqNo;
  }
  let phone: string | null = null;
  let clientId: string | null = null;
  let operatorCardNo: string | null = null;
  if (req.pushMethod === 'sms') {
    if (!req.phone || !PHONE_PATTERN.test(req.phone))
      throw problem('OSW_SMS_PHONE_INVALID', '短信推送须填写正确的手机号码', 'SMS push needs a mainland mobile number in `phone`');
    if (!req.verificationCode)
      throw problem('OSW_SMS_CODE_REQUIRED', '短信推送须填写短信验证码', 'SMS push needs the `verificationCode` sent to the phone');
    phone = req.phone;
  }
  let types: { receiptTypes: string[]; channels: string[] } | null = null;
  let validity: { validUntil: string; expiresAt: string } | null = null;
  if (req.pushMethod === 'client') {
    if (!req.clientId || !req.operatorCardNo)
      throw problem('OSW_SUB_CLIENT_REQUIRED', '客户端推送须填写客户端ID和操作员卡号', 'client push needs `clientId` and `operatorCardNo`');
    // manual 001 §三: the client gets the chosen receipt types for at most one year
    // left out: every receipt, as before (the console sends the boxes ticked)
    types = req.receiptTypes?.length ? receiptChannels(req.receiptTypes) : null;
    validity = checkValidUntil(req.validUntil, deps.clock.now());
    clientId = (await subscribingClient(deps.store, actor.enterpriseCode, req.clientId)).clientId;
    operatorCardNo = (await operatorCardOf(deps.store, actor.enterpriseCode, req.operatorCardNo)).cardNo;
  } else if (req.receiptTypes?.length || req.validUntil)
    throw problem(
      'OSW_VALIDATION',
      '只有客户端推送可以选择回执类型和有效期',
      'receiptTypes and validUntil apply to client push only; the other push methods send every receipt without an end',
    );
  const same = await deps.store.receiptSubscriptions.list(actor.enterpriseCode, {
    status: 'active',
    now: deps.clock.now().toISOString(),
    pushMethod: req.pushMethod,
    mode: req.mode,
    offset: 0,
    limit: 10_000,
  });
  const dup = same.rows.find(
    (s) =>
      s.seqNo === seqNo &&
      s.phone === phone &&
      s.clientId === clientId &&
      (req.mode !== 'operator' || s.operatorCode === actor.operatorCode) &&
      (req.pushMethod === 'sms' || req.pushMethod === 'client' || s.operatorAccount === actor.account),
  );
  if (dup)
    throw problem('OSW_SUB_DUPLICATE', `已有相同的有效订阅[${dup.id}]`, `an identical active subscription exists: ${dup.id}`, {
      id: dup.id,
    });
  const codeId = phone ? await checkVerificationCode(deps, actor, phone, req.verificationCode!) : null;
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    if (codeId !== null && !(await tx.sms.useCode(codeId, at)))
      throw problem('OSW_SMS_CODE_INVALID', '验证码已使用，请重新获取', 'the verification code was used already; request a new one');
    const row: Omit<ReceiptSubscriptionRow, 'id'> = {
      enterpriseCode: actor.enterpriseCode,
      pushMethod: req.pushMethod,
      mode: req.mode,
      documentNo: req.mode === 'document' ? req.documentNo!.trim() : null,
      seqNo,
      phone,
      clientId,
      operatorCardNo,
      operatorAccount: actor.account,
      operatorCode: actor.operatorCode,
      receiptTypes: types?.receiptTypes ?? null,
      channels: types?.channels ?? null,
      validUntil: validity?.validUntil ?? null,
      expiresAt: validity?.expiresAt ?? null,
      cancelledAt: null,
      createdAt: at,
    };
    const id = await tx.receiptSubscriptions.insert(row);
    const created = { id, ...row };
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'subscription.receipt.create',
      entity: 'receipt-subscription',
      entityId: String(id),
      before: null,
      after: auditView(created),
    });
    return created;
  });
}

export async function receiptSubscriptionOf(store: Store, enterpriseCode: string, id: number): Promise<ReceiptSubscriptionRow> {
  const s = await store.receiptSubscriptions.get(id);
  if (!s || s.enterpriseCode !== enterpriseCode) throw notFound('报关状态订阅', 'receipt subscription', id);
  return s;
}

export function listReceiptSubscriptions(store: Store, actor: Actor, q: ReceiptSubscriptionQuery): Promise<Paged<ReceiptSubscriptionRow>> {
  return store.receiptSubscriptions.list(actor.enterpriseCode, q);
}

export async function cancelReceiptSubscription(deps: Deps, actor: Actor, id: number): Promise<ReceiptSubscriptionRow> {
  const before = await receiptSubscriptionOf(deps.store, actor.enterpriseCode, id);
  if (before.cancelledAt)
    throw problem('OSW_SUB_CANCELLED', `报关状态订阅[${id}]已取消`, `receipt subscription ${id} is cancelled already`);
  if (before.expiresAt)
    assertActive('报关状态订阅', 'receipt subscription', id, { ...before, expiresAt: before.expiresAt }, deps.clock.now());
  const at = deps.clock.now().toISOString();
  const after = { ...before, cancelledAt: at };
  await deps.store.transaction(async (tx) => {
    if (!(await tx.receiptSubscriptions.cancel(id, at)))
      throw problem('OSW_SUB_CANCELLED', `报关状态订阅[${id}]已取消`, `receipt subscription ${id} is cancelled already`);
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'subscription.receipt.cancel',
      entity: 'receipt-subscription',
      entityId: String(id),
      before: auditView(before),
      after: auditView(after),
    });
  });
  return after;
}

/**
 * 延期 of a client subscription (the only kind with a validity): while active, to a day later than
 * its validity and at most one year from today. Like subscribing and cancelling, it takes no card
 * PIN: the subscription names its 操作员卡.
 */
export async function extendReceiptSubscription(deps: Deps, actor: Actor, id: number, validUntil: string): Promise<ReceiptSubscriptionRow> {
  const before = await receiptSubscriptionOf(deps.store, actor.enterpriseCode, id);
  if (before.validUntil === null || before.expiresAt === null)
    throw problem(
      'OSW_VALIDATION',
      `报关状态订阅[${id}]不是客户端推送，没有有效期，不能延期`,
      `receipt subscription ${id} is not a client push: it has no validity to extend`,
    );
  const now = deps.clock.now();
  assertActive('报关状态订阅', 'receipt subscription', id, { ...before, expiresAt: before.expiresAt }, now);
  const change = checkExtension(validUntil, before.validUntil, now);
  const after = { ...before, ...change };
  await deps.store.transaction(async (tx) => {
    if (!(await tx.receiptSubscriptions.setValidity(id, change)))
      throw problem('OSW_SUB_CANCELLED', `报关状态订阅[${id}]已取消`, `receipt subscription ${id} is cancelled`);
    await recordAudit(tx, actor, now.toISOString(), {
      cardNo: before.operatorCardNo,
      action: 'subscription.receipt.extend',
      entity: 'receipt-subscription',
      entityId: String(id),
      before: auditView(before),
      after: auditView(after),
    });
  });
  return after;
}

/** The audit log keeps phone numbers masked. */
function auditView(s: ReceiptSubscriptionRow) {
  return { ...s, phone: s.phone ? maskPhone(s.phone) : null };
}
