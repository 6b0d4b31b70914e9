/**
 * 事件日志 (event log): one search term — a 统一编号 or 海关编号, a 报文ID, a client id, a
 * subscription id or a 账册号 — finds the pushes it names, and links them to their declarations,
 * the declarations' receipts and the subscriptions that caused them. Everything is the operator's
 * enterprise's: its pushes, the declarations it sent or is named in, its subscriptions. One query
 * per kind of record, for the page of pushes as a set.
 */
import type { Actor } from '../audit/audit-log.js';
import type { DeclarationFacts, DeclarationReceiptRow } from '../declarations/store.js';
import type { PushQuery, PushRow, PushSubscriptionKind } from '../push/store.js';
import type { Store } from '../store.js';
import { receiptStatusAt } from '../subscriptions/receipt.js';
import { statusAt } from '../subscriptions/validity.js';

/** what the term was found to be */
export type EventMatch = 'document' | 'message' | 'client' | 'subscription' | 'manual' | 'none';

export interface LinkedSubscription {
  kind: PushSubscriptionKind;
  id: number;
  clientId: string | null;
  status: 'active' | 'expired' | 'cancelled';
  /** 有效期 (last valid day), null: no end */
  validUntil: string | null;
  createdAt: string;
}

export interface EventSearch {
  matchedAs: EventMatch;
  declarations: (DeclarationFacts & { receipts: Omit<DeclarationReceiptRow, 'xml' | 'seqNo'>[] })[];
  pushes: PushRow[];
  pushTotal: number;
  subscriptions: LinkedSubscription[];
}

const visibleTo = (d: DeclarationFacts, enterpriseCode: string) => [d.senderEnterprise, d.tradeCode, d.ownerCode].includes(enterpriseCode);

export async function searchEvents(
  store: Store,
  actor: Actor,
  term: string,
  page: { offset: number; limit: number },
  now: Date,
): Promise<EventSearch> {
  const q = term.trim();
  const mine = { enterpriseCode: actor.enterpriseCode };
  const empty: EventSearch = { matchedAs: 'none', declarations: [], pushes: [], pushTotal: 0, subscriptions: [] };
  if (!q) return empty;

  // what the term is: the first reading that finds something of the enterprise's
  const readings: { as: EventMatch; filter: Omit<PushQuery, 'offset' | 'limit' | 'enterpriseCode'> }[] = [];
  const declaration = await store.declarations.findByNumber(q);
  const seen = declaration && visibleTo(declaration, actor.enterpriseCode) ? declaration : undefined;
  if (seen) readings.push({ as: 'document', filter: { documentNo: seen.seqNo } });
  const id = /^#?(\d{1,9})$/.exec(q);
  if (id) readings.push({ as: 'subscription', filter: { subscriptionId: Number(id[1]) } });
  readings.push(
    { as: 'message', filter: { messageId: q } },
    { as: 'client', filter: { clientId: q } },
    { as: 'manual', filter: { manualNo: q } },
  );

  let found: { as: EventMatch; rows: PushRow[]; total: number } | undefined;
  for (const r of readings) {
    const got = await store.pushes.list({ ...mine, ...r.filter, ...page });
    // a document or subscription is a match even before anything was pushed for it
    if (got.total > 0 || r.as === 'document') {
      found = { as: r.as, rows: got.rows, total: got.total };
      break;
    }
  }
  let subscriptionsNamed: { kind: PushSubscriptionKind; id: number }[] = [];
  if (!found && id) {
    // a subscription of the enterprise that has not pushed anything yet
    subscriptionsNamed = (['declaration', 'receipt', 'manual'] as const).map((kind) => ({ kind, id: Number(id[1]) }));
  }
  if (!found && !subscriptionsNamed.length) return empty;

  const pushes = found?.rows ?? [];
  const subscriptions = await linkedSubscriptions(
    store,
    actor,
    [...subscriptionsNamed, ...pushes.map((p) => ({ kind: p.subscriptionKind, id: p.subscriptionId }))],
    now,
  );
  if (!found && !subscriptions.length) return empty;

  const seqNos = new Set(pushes.flatMap((p) => (p.documentNo ? [p.documentNo] : [])));
  if (seen) seqNos.add(seen.seqNo);
  const declarations = (await store.declarations.getMany([...seqNos])).filter((d) => visibleTo(d, actor.enterpriseCode));
  const receipts = await store.declarations.listReceiptsOf(declarations.map((d) => d.seqNo));
  return {
    matchedAs: found?.as ?? 'subscription',
    declarations: declarations
      .sort((a, b) => b.declaredAt.localeCompare(a.declaredAt))
      .map((d) => ({ ...d, receipts: receipts.filter((r) => r.seqNo === d.seqNo).map(({ seqNo: _s, ...r }) => r) })),
    pushes,
    pushTotal: found?.total ?? 0,
    subscriptions,
  };
}

/** the enterprise's subscriptions among these (kind, id) pairs: one query per kind */
async function linkedSubscriptions(
  store: Store,
  actor: Actor,
  refs: readonly { kind: PushSubscriptionKind; id: number }[],
  now: Date,
): Promise<LinkedSubscription[]> {
  const ids = (kind: PushSubscriptionKind) => [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))];
  const [declaration, receipt, manual] = await Promise.all([
    store.declarationSubscriptions.getMany(ids('declaration')),
    store.receiptSubscriptions.getMany(ids('receipt')),
    store.manualSubscriptions.getMany(ids('manual')),
  ]);
  const out: LinkedSubscription[] = [
    ...declaration.map((s) => ({ kind: 'declaration' as const, s, status: statusAt(s, now) })),
    ...receipt.map((s) => ({ kind: 'receipt' as const, s, status: receiptStatusAt(s, now) })),
    ...manual.map((s) => ({ kind: 'manual' as const, s, status: statusAt(s, now) })),
  ]
    .filter((x) => x.s.enterpriseCode === actor.enterpriseCode)
    .map(({ kind, s, status }) => ({ kind, id: s.id, clientId: s.clientId, status, validUntil: s.validUntil, createdAt: s.createdAt }));
  return out;
}
