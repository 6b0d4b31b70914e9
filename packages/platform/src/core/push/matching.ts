/**
 * Matching: a business event becomes pushes to every subscriber, in the transaction of the
 * business change (outbox). Subscribers are found through indexed lookups — by the declaration's
 * parties, by its 统一编号, by the manual — so the cost of one event does not grow with the number of
 * subscriptions. Pushes to the same client are merged (one file per client and event); a client
 * push to the declaration's sender is left out, because the sender gets the receipt as the
 * exchange's reply anyway.
 */
import { MODF_MARK, type ManualData, type ManualItem } from '@osw/messages';
import type {
  DeclarationRow,
  DeclarationSubscriptionRow,
  ManualChange,
  ManualItemRow,
  ManualRow,
  ManualSubscriptionRow,
  NewPush,
  PushRequestRow,
  PushSource,
  PushSubscriptionKind,
  ReceiptSubscriptionRow,
  Store,
} from '../store.js';
import { declarationDataName, manualDataName, nextFileStamp, pushMessageId } from '../exchange/outbound.js';
import {
  declarationWebhookBody,
  feedBody,
  manualDataXml,
  manualHeadFields,
  manualItem,
  manualWebhookBody,
  receiptText,
  receiptWebhookBody,
  type ReceiptFacts,
} from './payloads.js';

/** One push before its message id is fixed. */
interface Draft {
  subscriptionKind: PushSubscriptionKind;
  subscriptionId: number;
  method: NewPush['method'];
  targetKey: string;
  clientId: string | null;
  enterpriseCode: string;
  /** builds business/file/body once the message id is known */
  make(messageId: string): { business: string; fileName: string; body: string };
}

/** Writes the event and its pushes; returns how many pushes. */
async function write(
  tx: Store,
  event: { kind: PushSource; documentKey: string; payload: Record<string, unknown> },
  drafts: Draft[],
  ctx: { now: Date; documentNo: string | null; manualNo: string | null; stamp?: string },
): Promise<number> {
  const at = ctx.now.toISOString();
  const eventId = await tx.pushes.insertEvent({ ...event, createdAt: at });
  if (!drafts.length) return 0;
  const stamp = ctx.stamp ?? (await nextFileStamp(tx, ctx.now));
  const seen = new Set<string>();
  const rows: NewPush[] = [];
  drafts.forEach((d, i) => {
    if (seen.has(d.targetKey)) return;
    seen.add(d.targetKey);
    const messageId = pushMessageId(stamp, d.clientId, i);
    rows.push({
      messageId,
      eventId,
      source: event.kind,
      subscriptionKind: d.subscriptionKind,
      subscriptionId: d.subscriptionId,
      method: d.method,
      targetKey: d.targetKey,
      clientId: d.clientId,
      enterpriseCode: d.enterpriseCode,
      documentNo: ctx.documentNo,
      manualNo: ctx.manualNo,
      orderKey: ctx.documentNo ?? ctx.manualNo ?? event.documentKey,
      ...d.make(messageId),
      nextAttemptAt: at,
      createdAt: at,
    });
  });
  await tx.pushes.insert(rows);
  return rows.length;
}

async function webhookDrafts(
  tx: Store,
  kind: PushSubscriptionKind,
  subs: readonly { id: number; enterpriseCode: string }[],
  body: (messageId: string) => string,
): Promise<Draft[]> {
  const hooks = await tx.webhooks.forSubscriptions(
    kind,
    subs.map((s) => s.id),
  );
  return hooks.map((h) => ({
    subscriptionKind: kind,
    subscriptionId: h.subscriptionId,
    method: 'webhook' as const,
    targetKey: `webhook:${h.id}`,
    clientId: null,
    enterpriseCode: h.enterpriseCode,
    make: (messageId: string) => ({ business: '', fileName: `${messageId}.json`, body: body(messageId) }),
  }));
}

/** 申报数据: the 收发货人's declaration subscriptions with declaration data, when customs accepts the declaration. */
export async function raiseDeclarationData(tx: Store, d: DeclarationRow, now: Date): Promise<number> {
  const subs = (await tx.declarationSubscriptions.active(d.tradeCode, now.toISOString())).filter((s) => s.declarationData);
  const drafts: Draft[] = [];
  let stamp = '';
  for (const s of subs) {
    if (s.clientId === d.senderClientId) continue;
    drafts.push({
      subscriptionKind: 'declaration',
      subscriptionId: s.id,
      method: 'client',
      targetKey: `client:${s.clientId}`,
      clientId: s.clientId,
      enterpriseCode: s.enterpriseCode,
      make: () => ({ business: 'declaration', fileName: declarationDataName(d.seqNo, stamp), body: d.xml }),
    });
  }
  drafts.push(...(await webhookDrafts(tx, 'declaration', subs, (id) => declarationWebhookBody(id, d, now))));
  if (drafts.length) stamp = await nextFileStamp(tx, now);
  return write(tx, { kind: 'declaration-data', documentKey: d.seqNo, payload: { seqNo: d.seqNo, tradeCode: d.tradeCode } }, drafts, {
    now,
    documentNo: d.seqNo,
    manualNo: null,
    stamp: stamp || undefined,
  });
}

/** 录入人 codes of a declaration: the operators holding the cards it was signed and typed with. */
async function enteredBy(tx: Store, d: DeclarationRow): Promise<string[]> {
  const cards = [/<ICCode>\s*([^<\s]+)\s*<\/ICCode>/.exec(d.xml)?.[1], /<TypistNo>\s*([^<\s]+)\s*<\/TypistNo>/.exec(d.xml)?.[1]].filter(
    (c): c is string => !!c,
  );
  const codes = new Set<string>();
  for (const no of new Set(cards)) {
    const card = await tx.identity.getCard(no);
    const op = card?.holderAccount ? await tx.identity.getOperator(card.holderAccount) : undefined;
    if (op && op.enterpriseCode === card!.enterpriseCode) codes.add(op.operatorCode);
  }
  return [...codes];
}

/**
 * A receipt (DEC_RESULT): the 收发货人's declaration subscriptions that chose its type, and every
 * 报关状态订阅 covering the declaration (by document, by a party enterprise, by 录入人) — client,
 * SMS, app, WeChat — plus the webhooks attached to any of them.
 */
export async function raiseDeclarationReceipt(
  tx: Store,
  d: DeclarationRow,
  r: ReceiptFacts & { fileName: string; stamp: string },
): Promise<number> {
  const nowIso = r.at.toISOString();
  const declSubs: DeclarationSubscriptionRow[] = (await tx.declarationSubscriptions.active(d.tradeCode, nowIso)).filter((s) =>
    s.channels.includes(r.channel),
  );
  const parties = [...new Set([d.tradeCode, d.ownerCode, d.agentCode, d.senderEnterprise].filter(Boolean))];
  const receiptSubs: ReceiptSubscriptionRow[] = await tx.receiptSubscriptions.active({
    seqNo: d.seqNo,
    enterpriseCodes: parties,
    operatorCodes: await enteredBy(tx, d),
  });
  const text = receiptText(d, { channel: r.channel, entryId: r.entryId, at: r.at });
  const payload = { seqNo: d.seqNo, entryId: r.entryId, channel: r.channel, note: r.note, noticeDate: nowIso };
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
  drafts.push(...(await webhookDrafts(tx, 'declaration', declSubs, (id) => receiptWebhookBody(id, d, r))));
  drafts.push(...(await webhookDrafts(tx, 'receipt', receiptSubs, (id) => receiptWebhookBody(id, d, r))));
  return write(tx, { kind: 'declaration-receipt', documentKey: d.seqNo, payload }, drafts, {
    now: r.at,
    documentNo: d.seqNo,
    manualNo: null,
    stamp: r.stamp,
  });
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
