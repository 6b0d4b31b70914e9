/**
 * 报关单数据订阅 (DeclarationSubscription): the declaration data (申报数据) and/or status receipts
 * (状态回执) of the declarations where the enterprise is 收发货人, pushed to one of its clients.
 * Needs the enterprise's 法人卡; valid for at most one year; cancel and extend only while active.
 */
import { channelInfo, RECEIPT_TYPES, receiptTypeToChannels } from '@osw/messages';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { verifyCardProof, type CardProof } from '../identity/cards.js';
import { notFound, problem } from '../problem.js';
import type { Clock } from '../ports.js';
import type { DeclarationSubscriptionRow, Paged, Store, SubscriptionQuery } from '../store.js';
import { subscribingClient } from './common.js';
import { cancelWithValidity, extendWithValidity, type ValiditySubject } from './lifecycle.js';
import { checkValidUntil } from './validity.js';

type Deps = { store: Store; clock: Clock };

export interface DeclarationSubscriptionRequest {
  clientId: string;
  /** 申报数据 */
  declarationData: boolean;
  /** 状态回执: the manual's names (海关入库, 退单, 审核, 接单, 放行, 结关, 查验通知) or CHANNEL codes */
  receiptTypes: string[];
  /** 有效期 `yyyy-MM-dd`; defaults to one year from today */
  validUntil?: string;
  card: CardProof;
}

/** The receipt types the manual offers, in its order. */
export const MANUAL_RECEIPT_TYPES = Object.keys(RECEIPT_TYPES);

/** Maps receipt types to CHANNEL codes; refuses unknown names with the list of known ones. */
export function receiptChannels(types: readonly string[]): { receiptTypes: string[]; channels: string[] } {
  const receiptTypes = [...new Set(types.map((t) => t.trim()))];
  const channels = new Set<string>();
  const unknown: string[] = [];
  for (const t of receiptTypes) {
    const codes = receiptTypeToChannels(t);
    if (!codes) unknown.push(t);
    else codes.forEach((c) => channels.add(c));
  }
  if (unknown.length)
    throw problem(
      'OSW_SUB_RECEIPT_TYPE_UNKNOWN',
      `未知的回执类型[${unknown.join('、')}]，可选：${MANUAL_RECEIPT_TYPES.join('、')}或CHANNEL代码`,
      `unknown receipt type ${unknown.join(', ')}; use ${MANUAL_RECEIPT_TYPES.join(', ')} or a CHANNEL code`,
    );
  return { receiptTypes, channels: [...channels] };
}

/** 订阅内容 as a list shows it, e.g. `申报数据; 状态回执[海关入库、放行、结关]`. */
export function declarationContent(s: Pick<DeclarationSubscriptionRow, 'declarationData' | 'receiptTypes'>): string {
  const parts: string[] = [];
  if (s.declarationData) parts.push('申报数据');
  if (s.receiptTypes.length)
    parts.push(`状态回执[${s.receiptTypes.map((t) => (RECEIPT_TYPES[t] ? t : `${t}(${channelInfo(t)?.name ?? t})`)).join('、')}]`);
  return parts.join('; ');
}

export async function subscribeDeclarations(
  deps: Deps,
  actor: Actor,
  req: DeclarationSubscriptionRequest,
): Promise<DeclarationSubscriptionRow> {
  if (!req.declarationData && req.receiptTypes.length === 0)
    throw problem(
      'OSW_SUB_CONTENT_EMPTY',
      '请至少选择一项订阅内容（申报数据或状态回执）',
      'choose at least one content item: declaration data or a receipt type',
    );
  const { receiptTypes, channels } = receiptChannels(req.receiptTypes);
  const now = deps.clock.now();
  const validity = checkValidUntil(req.validUntil, now);
  const client = await subscribingClient(deps.store, actor.enterpriseCode, req.clientId);
  const card = await verifyCardProof(deps, actor.enterpriseCode, req.card, ['legal']);
  const at = now.toISOString();
  return deps.store.transaction(async (tx) => {
    const row: Omit<DeclarationSubscriptionRow, 'id'> = {
      enterpriseCode: actor.enterpriseCode,
      clientId: client.clientId,
      cardNo: card.cardNo,
      operatorAccount: actor.account,
      operatorCode: actor.operatorCode,
      declarationData: req.declarationData,
      receiptTypes,
      channels,
      ...validity,
      cancelledAt: null,
      createdAt: at,
      updatedAt: at,
    };
    const id = await tx.declarationSubscriptions.insert(row);
    const created = { id, ...row };
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: 'subscription.declaration.create',
      entity: 'declaration-subscription',
      entityId: String(id),
      before: null,
      after: created,
    });
    return created;
  });
}

export async function declarationSubscriptionOf(store: Store, enterpriseCode: string, id: number): Promise<DeclarationSubscriptionRow> {
  const s = await store.declarationSubscriptions.get(id);
  if (!s || s.enterpriseCode !== enterpriseCode) throw notFound('报关单数据订阅', 'declaration subscription', id);
  return s;
}

export function listDeclarationSubscriptions(store: Store, actor: Actor, q: SubscriptionQuery): Promise<Paged<DeclarationSubscriptionRow>> {
  return store.declarationSubscriptions.list(actor.enterpriseCode, q);
}

const DECLARATION: ValiditySubject = {
  zh: '报关单数据订阅',
  en: 'declaration subscription',
  entity: 'declaration-subscription',
  action: 'subscription.declaration',
  cards: ['legal'],
  update: (tx, id, change) => tx.declarationSubscriptions.update(id, change),
};

export async function cancelDeclarationSubscription(
  deps: Deps,
  actor: Actor,
  id: number,
  proof: CardProof,
): Promise<DeclarationSubscriptionRow> {
  return cancelWithValidity(deps, actor, id, await declarationSubscriptionOf(deps.store, actor.enterpriseCode, id), proof, DECLARATION);
}

export async function extendDeclarationSubscription(
  deps: Deps,
  actor: Actor,
  id: number,
  validUntil: string,
  proof: CardProof,
): Promise<DeclarationSubscriptionRow> {
  return extendWithValidity(
    deps,
    actor,
    id,
    await declarationSubscriptionOf(deps.store, actor.enterpriseCode, id),
    validUntil,
    proof,
    DECLARATION,
  );
}
