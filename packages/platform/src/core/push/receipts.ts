/**
 * Matching of declaration receipts (DEC_RESULT), one or a batch at once: the lookups are made once per
 * way of subscribing for the whole batch, the events and pushes written with one insert each.
 */
import type { DeclarationFacts, PushSubscriptionKind, Store, WebhookEndpointRow } from '../store.js';
import { hookDrafts, writeAll, type Draft, type Raised } from './drafts.js';
import { feedBody, receiptText, receiptWebhookBody, type ReceiptFacts } from './payloads.js';

/** The IC cards a declaration was signed and typed with (ICCode, TypistNo). */
function cardsOf(d: DeclarationFacts): string[] {
  return [...new Set([d.icCode, d.typistNo].filter((c) => !!c))];
}

/**
 * 录入人 codes of each declaration (by SeqNo): the operators holding the cards it was signed and
 * typed with, an operator counting only on a card of its own enterprise. The cards and their holders
 * of the whole set are read with one lookup each.
 */
async function enteredBy(tx: Store, declarations: readonly DeclarationFacts[]): Promise<Map<string, string[]>> {
  const cardNos = new Map(declarations.map((d) => [d.seqNo, cardsOf(d)]));
  const allCards = [...new Set([...cardNos.values()].flat())];
  const cards = new Map((allCards.length ? await tx.identity.getCards(allCards) : []).map((c) => [c.cardNo, c]));
  const accounts = [...new Set([...cards.values()].map((c) => c.holderAccount).filter((a): a is string => !!a))];
  const ops = new Map((accounts.length ? await tx.identity.getOperators(accounts) : []).map((o) => [o.account, o]));
  const out = new Map<string, string[]>();
  for (const [seqNo, nos] of cardNos) {
    const codes = new Set<string>();
    for (const no of nos) {
      const card = cards.get(no);
      const op = card?.holderAccount ? ops.get(card.holderAccount) : undefined;
      if (op && op.enterpriseCode === card!.enterpriseCode) codes.add(op.operatorCode);
    }
    out.set(seqNo, [...codes]);
  }
  return out;
}

/** A receipt (DEC_RESULT) of a declaration, to be matched. */
export interface ReceiptToRaise extends ReceiptFacts {
  declaration: DeclarationFacts;
  fileName: string;
  stamp: string;
  /** the trace context of the work that issued it (tracing on) */
  traceparent?: string | null;
}

/**
 * A receipt (DEC_RESULT): the 收发货人's declaration subscriptions that chose its type, and every
 * 报关状态订阅 covering the declaration (by document, by a party enterprise, by 录入人) — client,
 * SMS, app, WeChat — plus the webhooks attached to any of them.
 */
export async function raiseDeclarationReceipt(
  tx: Store,
  d: DeclarationFacts,
  r: ReceiptFacts & { fileName: string; stamp: string },
): Promise<number> {
  return (await raiseDeclarationReceipts(tx, [{ ...r, declaration: d }]))[0];
}

/**
 * Receipts matched as a set, in the caller's transaction: one lookup per way of subscribing for the
 * whole batch, one insert of the events and one of the pushes. Returns how many pushes per receipt.
 * Each receipt is its own event with its own stamp, so the pushes of one document keep their order.
 */
export async function raiseDeclarationReceipts(tx: Store, items: readonly ReceiptToRaise[]): Promise<number[]> {
  if (!items.length) return [];
  const earliest = items.map((r) => r.at.toISOString()).sort()[0];
  const partiesOf = (d: DeclarationFacts) => [...new Set([d.tradeCode, d.ownerCode, d.agentCode, d.senderEnterprise].filter(Boolean))];
  const entered = await enteredBy(
    tx,
    items.map((r) => r.declaration),
  );
  const declAll = await tx.declarationSubscriptions.active([...new Set(items.map((r) => r.declaration.tradeCode))], earliest);
  const receiptAll = await tx.receiptSubscriptions.active({
    seqNos: [...new Set(items.map((r) => r.declaration.seqNo))],
    enterpriseCodes: [...new Set(items.flatMap((r) => partiesOf(r.declaration)))],
    operatorCodes: [...new Set([...entered.values()].flat())],
  });
  const matched = items.map(({ declaration: d, ...r }) => {
    const nowIso = r.at.toISOString();
    const parties = partiesOf(d);
    const ops = entered.get(d.seqNo)!;
    return {
      declSubs: declAll.filter((s) => s.enterpriseCode === d.tradeCode && s.expiresAt > nowIso && s.channels.includes(r.channel)),
      receiptSubs: receiptAll.filter(
        (s) =>
          // a client subscription: only within its validity and for its receipt types (null: every receipt, no end)
          (s.expiresAt === null || s.expiresAt > nowIso) &&
          (s.channels === null || s.channels.includes(r.channel)) &&
          ((s.mode === 'document' && s.seqNo === d.seqNo) ||
            (s.mode === 'enterprise' && parties.includes(s.enterpriseCode)) ||
            (s.mode === 'operator' && ops.includes(s.operatorCode))),
      ),
    };
  });
  const hooksOf = async (kind: PushSubscriptionKind, ids: number[]) =>
    ids.length ? tx.webhooks.forSubscriptions(kind, [...new Set(ids)]) : [];
  const declHooks = await hooksOf(
    'declaration',
    matched.flatMap((m) => m.declSubs.map((s) => s.id)),
  );
  const receiptHooks = await hooksOf(
    'receipt',
    matched.flatMap((m) => m.receiptSubs.map((s) => s.id)),
  );
  const raised = items.map((item, k): Raised => {
    const { declSubs, receiptSubs } = matched[k];
    const d = item.declaration;
    const r = item;
    const text = receiptText(d, { channel: r.channel, entryId: r.entryId, at: r.at });
    const payload = { seqNo: d.seqNo, entryId: r.entryId, channel: r.channel, note: r.note, noticeDate: r.at.toISOString() };
    const drafts: Draft[] = [];
    const clientDraft = (kind: PushSubscriptionKind, id: number, enterpriseCode: string, clientId: string): Draft => ({
      subscriptionKind: kind,
      subscriptionId: id,
      method: 'client',
      targetKey: `client:${clientId}`,
      clientId,
      enterpriseCode,
      make: () => ({ business: 'declaration', fileName: r.fileName, body: r.xml }),
    });
    for (const s of declSubs)
      if (s.clientId !== d.senderClientId) drafts.push(clientDraft('declaration', s.id, s.enterpriseCode, s.clientId));
    for (const s of receiptSubs) {
      if (s.pushMethod === 'client' && s.clientId) {
        if (s.clientId !== d.senderClientId) drafts.push(clientDraft('receipt', s.id, s.enterpriseCode, s.clientId));
      } else if (s.pushMethod === 'sms' && s.phone) {
        drafts.push({
          subscriptionKind: 'receipt',
          subscriptionId: s.id,
          method: 'sms',
          targetKey: `sms:${s.enterpriseCode}:${s.phone}`,
          clientId: null,
          enterpriseCode: s.enterpriseCode,
          make: () => ({ business: '', fileName: '', body: text }),
        });
      } else if (s.pushMethod === 'app' || s.pushMethod === 'wechat') {
        const method = s.pushMethod;
        drafts.push({
          subscriptionKind: 'receipt',
          subscriptionId: s.id,
          method,
          targetKey: `${method}:${s.enterpriseCode}`,
          clientId: null,
          enterpriseCode: s.enterpriseCode,
          make: () => ({ business: '', fileName: '', body: feedBody('报关单状态', text, payload) }),
        });
      }
    }
    const ofSubs = (hooks: WebhookEndpointRow[], subs: readonly { id: number }[]) => {
      const ids = new Set(subs.map((s) => s.id));
      return hooks.filter((h) => ids.has(h.subscriptionId));
    };
    const body = (id: string) => receiptWebhookBody(id, d, r);
    drafts.push(...hookDrafts('declaration', ofSubs(declHooks, declSubs), body));
    drafts.push(...hookDrafts('receipt', ofSubs(receiptHooks, receiptSubs), body));
    return {
      event: { kind: 'declaration-receipt', documentKey: d.seqNo, payload },
      drafts,
      ctx: { now: r.at, documentNo: d.seqNo, manualNo: null, stamp: r.stamp, traceparent: r.traceparent },
    };
  });
  return writeAll(tx, raised);
}
