/** Pushes before they are written: drafts of one event, and the multi-row write of many events. */
import type { NewPush, PushSource, PushSubscriptionKind, Store, WebhookEndpointRow } from '../store.js';
import { nextFileStamp, pushMessageId } from '../exchange/outbound.js';

/** One push before its message id is fixed. */
export interface Draft {
  subscriptionKind: PushSubscriptionKind;
  subscriptionId: number;
  method: NewPush['method'];
  targetKey: string;
  clientId: string | null;
  enterpriseCode: string;
  /** builds business/file/body once the message id is known */
  make(messageId: string): { business: string; fileName: string; body: string };
}

/** One event and its pushes before they are written. */
export interface Raised {
  event: { kind: PushSource; documentKey: string; payload: Record<string, unknown> };
  drafts: Draft[];
  ctx: {
    now: Date;
    documentNo: string | null;
    manualNo: string | null;
    stamp?: string;
    /** the trace context of the work that raised it (tracing on): its pushes continue that trace */
    traceparent?: string | null;
  };
}

/** Writes events and their pushes with one multi-row insert each; returns how many pushes per event. */
export async function writeAll(tx: Store, raised: readonly Raised[]): Promise<number[]> {
  const eventIds = await tx.pushes.insertEvents(raised.map((r) => ({ ...r.event, createdAt: r.ctx.now.toISOString() })));
  const rows: NewPush[] = [];
  const counts: number[] = [];
  for (let k = 0; k < raised.length; k++) {
    const { event, drafts, ctx } = raised[k];
    if (!drafts.length) {
      counts.push(0);
      continue;
    }
    const at = ctx.now.toISOString();
    const stamp = ctx.stamp ?? (await nextFileStamp(tx, ctx.now));
    const seen = new Set<string>();
    const before = rows.length;
    drafts.forEach((d, i) => {
      if (seen.has(d.targetKey)) return;
      seen.add(d.targetKey);
      const messageId = pushMessageId(stamp, d.clientId, i);
      rows.push({
        messageId,
        eventId: eventIds[k],
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
        traceparent: ctx.traceparent ?? null,
      });
    });
    counts.push(rows.length - before);
  }
  if (rows.length) await tx.pushes.insert(rows);
  return counts;
}

/** Writes the event and its pushes; returns how many pushes. */
export async function write(tx: Store, event: Raised['event'], drafts: Draft[], ctx: Raised['ctx']): Promise<number> {
  return (await writeAll(tx, [{ event, drafts, ctx }]))[0];
}

export async function webhookDrafts(
  tx: Store,
  kind: PushSubscriptionKind,
  subs: readonly { id: number; enterpriseCode: string }[],
  body: (messageId: string) => string,
): Promise<Draft[]> {
  const hooks = await tx.webhooks.forSubscriptions(
    kind,
    subs.map((s) => s.id),
  );
  return hookDrafts(kind, hooks, body);
}

export function hookDrafts(kind: PushSubscriptionKind, hooks: readonly WebhookEndpointRow[], body: (messageId: string) => string): Draft[] {
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
