/**
 * Matching: a business event becomes pushes to every subscriber, in the transaction of the
 * business change (outbox). Subscribers are found through indexed lookups — by the declaration's
 * parties, by its 统一编号, by the manual — so the cost of one event does not grow with the number of
 * subscriptions. Pushes to the same client are merged (one file per client and event); a client
 * push to the declaration's sender is left out, because the sender gets the receipt as the
 * exchange's reply anyway.
 */
import { fileStamp, MODF_MARK, type ManualData, type ManualItem } from '@osw/messages';
import type {
  DeclarationRow,
  ManualChange,
  ManualItemRow,
  ManualRow,
  ManualSubscriptionRow,
  NewPush,
  PushRequestRow,
  Store,
} from '../store.js';
import { declarationDataName, manualDataName, nextFileStamp, pushMessageId } from '../exchange/outbound.js';
import { declarationWebhookBody, manualDataXml, manualHeadFields, manualItem, manualWebhookBody } from './payloads.js';

import { hookDrafts, webhookDrafts, write, writeAll, type Draft, type Raised } from './drafts.js';

export { raiseDeclarationReceipt, raiseDeclarationReceipts, type ReceiptToRaise } from './receipts.js';

/** 申报数据: the 收发货人's declaration subscriptions with declaration data, when customs accepts the declaration. */
export async function raiseDeclarationData(tx: Store, d: DeclarationRow, now: Date): Promise<number> {
  return (await raiseDeclarationDataSet(tx, [{ declaration: d, now }]))[0];
}

/** A declaration customs accepted, to be matched to the declaration-data subscriptions. */
export interface AcceptedDeclaration {
  declaration: DeclarationRow;
  now: Date;
  /** the trace context of its import (tracing on): customs' answers and the pushes continue that trace */
  traceparent?: string;
}

/**
 * 申报数据 of a set of accepted declarations, in the caller's transaction: the subscriptions and their
 * webhooks read with one lookup each for the whole set, the file stamps from one serial range (in the
 * given order), the events and pushes written with one insert each. Returns how many pushes per declaration.
 */
export async function raiseDeclarationDataSet(tx: Store, items: readonly AcceptedDeclaration[]): Promise<number[]> {
  if (!items.length) return [];
  const earliest = items.map((i) => i.now.toISOString()).sort()[0];
  const all = (await tx.declarationSubscriptions.active([...new Set(items.map((i) => i.declaration.tradeCode))], earliest)).filter(
    (s) => s.declarationData,
  );
  const subsOf = items.map(({ declaration: d, now }) => {
    const nowIso = now.toISOString();
    return all.filter((s) => s.enterpriseCode === d.tradeCode && s.expiresAt > nowIso);
  });
  const ids = [...new Set(subsOf.flatMap((subs) => subs.map((s) => s.id)))];
  const hooks = ids.length ? await tx.webhooks.forSubscriptions('declaration', ids) : [];
  const stamps: string[] = items.map(() => '');
  const raised = items.map(({ declaration: d, now, traceparent }, k): Raised => {
    const subs = subsOf[k];
    const drafts: Draft[] = [];
    for (const s of subs) {
      if (s.clientId === d.senderClientId) continue;
      drafts.push({
        subscriptionKind: 'declaration',
        subscriptionId: s.id,
        method: 'client',
        targetKey: `client:${s.clientId}`,
        clientId: s.clientId,
        enterpriseCode: s.enterpriseCode,
        make: () => ({ business: 'declaration', fileName: declarationDataName(d.seqNo, stamps[k]), body: d.xml }),
      });
    }
    const mine = new Set(subs.map((s) => s.id));
    drafts.push(
      ...hookDrafts(
        'declaration',
        hooks.filter((h) => mine.has(h.subscriptionId)),
        (id) => declarationWebhookBody(id, d, now),
      ),
    );
    return {
      event: { kind: 'declaration-data', documentKey: d.seqNo, payload: { seqNo: d.seqNo, tradeCode: d.tradeCode } },
      drafts,
      ctx: { now, documentNo: d.seqNo, manualNo: null, traceparent },
    };
  });
  const stamped = raised.filter((r) => r.drafts.length);
  if (stamped.length) {
    const first = await tx.serials.nextMany('fileStamp', stamped.length);
    let i = 0;
    raised.forEach((r, k) => {
      if (!r.drafts.length) return;
      stamps[k] = fileStamp(r.ctx.now, first + i++);
      r.ctx.stamp = stamps[k];
    });
  }
  return writeAll(tx, raised);
}

/** The rows of an approved change, with their ModfMarkcd. */
export function changedItems(change: ManualChange, after: ManualItemRow[]): { imgs: ManualItem[]; exgs: ManualItem[] } {
  const out = { imgs: [] as ManualItem[], exgs: [] as ManualItem[] };
  for (const c of change.items ?? []) {
    const mark = c.action === 'add' ? MODF_MARK.added : c.action === 'modify' ? MODF_MARK.modified : MODF_MARK.deleted;
    const row = after.find((i) => i.kind === c.kind && i.serial === c.serial) ?? {
      manualNo: '',
      kind: c.kind,
      serial: c.serial,
      code: c.code ?? '',
      name: c.name ?? '',
      model: c.model ?? '',
      unit: c.unit ?? '',
      quantity: c.quantity ?? '',
    };
    (c.kind === 'img' ? out.imgs : out.exgs).push(manualItem(row, mark));
  }
  return out;
}

/**
 * An approved manual change (增量): every incremental subscription of the manual in force at the
 * moment of approval, one OSWEMS02 message per client, carrying the change and the new version.
 */
export async function raiseManualChange(
  tx: Store,
  manual: ManualRow,
  change: ManualChange,
  version: number,
  items: ManualItemRow[],
  now: Date,
): Promise<number> {
  const subs: ManualSubscriptionRow[] = await tx.manualSubscriptions.active(manual.manualNo, now.toISOString());
  const { imgs, exgs } = changedItems(change, items);
  const data: ManualData = { kind: 'incremental', manualNo: manual.manualNo, version, head: manualHeadFields(manual.head), imgs, exgs };
  let stamp = '';
  const drafts: Draft[] = subs.map((s) => ({
    subscriptionKind: 'manual',
    subscriptionId: s.id,
    method: 'client',
    targetKey: `client:${s.clientId}`,
    clientId: s.clientId,
    enterpriseCode: s.enterpriseCode,
    make: (messageId) => ({
      business: 'processing-trade',
      fileName: manualDataName(messageId, stamp),
      body: manualDataXml(data, { messageId, clientId: s.clientId, at: now }),
    }),
  }));
  drafts.push(
    ...(await webhookDrafts(tx, 'manual', subs, (id) =>
      manualWebhookBody(
        'manual.change',
        id,
        { manualNo: manual.manualNo, version, change, xml: manualDataXml(data, { messageId: id, clientId: '', at: now }) },
        now,
      ),
    )),
  );
  if (drafts.length) stamp = await nextFileStamp(tx, now);
  return write(
    tx,
    { kind: 'manual-change', documentKey: manual.manualNo, payload: { manualNo: manual.manualNo, version, change } },
    drafts,
    { now, documentNo: null, manualNo: manual.manualNo, stamp: stamp || undefined },
  );
}

/**
 * A stock subscription's one push (存量): the requested 料件 and 成品 rows as they are now, split into
 * messages of at most `rowsPerMessage` rows numbered k/n (PocketInfo), in serial order.
 */
export async function raiseManualStock(tx: Store, request: PushRequestRow, now: Date, rowsPerMessage: number): Promise<number> {
  const sub = await tx.manualSubscriptions.get(request.subscriptionId);
  const manual = sub && (await tx.manuals.get(sub.manualNo));
  if (!sub || !manual) return 0;
  const items = await tx.manuals.listItems(manual.manualNo);
  const within = (i: ManualItemRow) => {
    const range = i.kind === 'img' ? sub.imgRange : sub.exgRange;
    return sub.pushTypes.includes(i.kind) && range !== null && i.serial >= range.from && i.serial <= range.to;
  };
  const rows = items.filter(within).sort((a, b) => (a.kind === b.kind ? a.serial - b.serial : a.kind === 'img' ? -1 : 1));
  const n = Math.max(1, Math.ceil(rows.length / rowsPerMessage));
  const at = now.toISOString();
  const eventId = await tx.pushes.insertEvent({
    kind: 'manual-stock',
    documentKey: manual.manualNo,
    payload: { manualNo: manual.manualNo, subscriptionId: sub.id, requestId: request.id, rows: rows.length, parts: n },
    createdAt: at,
  });
  const hooks = await tx.webhooks.forSubscriptions('manual', [sub.id]);
  const pushes: NewPush[] = [];
  for (let k = 1; k <= n; k++) {
    const part = rows.slice((k - 1) * rowsPerMessage, k * rowsPerMessage);
    const data: ManualData = {
      kind: 'stock',
      manualNo: manual.manualNo,
      version: manual.version,
      head: manualHeadFields(manual.head),
      imgs: part.filter((i) => i.kind === 'img').map((i) => manualItem(i)),
      exgs: part.filter((i) => i.kind === 'exg').map((i) => manualItem(i)),
    };
    const stamp = await nextFileStamp(tx, now);
    const pocket = { pocketId: `${manual.manualNo}-S${request.id}`, k, n };
    const base = {
      eventId,
      source: 'manual-stock' as const,
      subscriptionKind: 'manual' as const,
      subscriptionId: sub.id,
      enterpriseCode: sub.enterpriseCode,
      documentNo: null,
      manualNo: manual.manualNo,
      orderKey: manual.manualNo,
      nextAttemptAt: at,
      createdAt: at,
    };
    const messageId = pushMessageId(stamp, sub.clientId, 0);
    pushes.push({
      ...base,
      messageId,
      method: 'client',
      targetKey: `client:${sub.clientId}`,
      clientId: sub.clientId,
      business: 'processing-trade',
      fileName: manualDataName(messageId, stamp),
      body: manualDataXml(data, { messageId, clientId: sub.clientId, at: now }, pocket),
    });
    hooks.forEach((h, i) => {
      const id = pushMessageId(stamp, null, i + 1);
      const xml = manualDataXml(data, { messageId: id, clientId: '', at: now }, pocket);
      pushes.push({
        ...base,
        messageId: id,
        method: 'webhook',
        targetKey: `webhook:${h.id}`,
        clientId: null,
        business: '',
        fileName: `${id}.json`,
        body: manualWebhookBody('manual.stock', id, { manualNo: manual.manualNo, version: manual.version, part: k, parts: n, xml }, now),
      });
    });
  }
  await tx.pushes.insert(pushes);
  return pushes.length;
}
