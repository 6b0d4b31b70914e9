/**
 * The one road from the platform to a client's InBox. Whatever goes to a client — a receipt that a
 * business system (the customs sandbox, or a gateway to real customs in its place) issued for the
 * message's sender, or a subscriber's push — is named, given its DXP message id and queued here:
 *
 *   business system ── ReceiptIssued ──► issueReceipt ─┬─► the sender's delivery queue
 *                                                      └─► pushes to the subscribers (push/matching)
 *   push engine ── client pushes ──► queueClientPushes ──► the subscriber's delivery queue
 *   delivery queue ──► HTTP long poll (takeDeliveries/acknowledgeDeliveries)
 *                  └─► RabbitMQ receive queue (forwardDeliveries)
 *
 * InBox file names: `Receipt_<document>_<ts>.xml` for receipts (and manual data), `DecData_<统一编号>_<ts>.xml`
 * for declaration data; `<ts>` is a file stamp unique across processes (a store serial). A push a user
 * resent (重发) goes out as its next resend attempt under a new `<ts>`: the client writes it again
 * beside (not over) the file it wrote before, and drops a redelivery of an attempt it has written.
 */
import { dxpMessageId, fileStamp, receiptName, restampedName } from '@osw/messages';
import type { ReceivedOutcome } from '@osw/messages/exchange';
import type { Clock, PlatformDeps } from '../ports.js';
import { raiseDeclarationReceipts } from '../push/matching.js';
import type { DeclarationFacts } from '../declarations/store.js';
import type { DeliveryRow } from './store.js';
import type { PushRow } from '../push/store.js';
import type { Store } from '../store.js';

/** The DXP id the push engine sends from. */
export const PUSH_SENDER_ID = 'DXPEDCPUSH000001';

/** A new file stamp `yyyyMMddHHmmssSSS` + serial: unique across processes, orders a client's files. */
export async function nextFileStamp(tx: Store, now: Date): Promise<string> {
  return fileStamp(now, await tx.serials.next('fileStamp'));
}

/** Client pushes: DXP form, sender + receiving client + stamp. Others: sender + `N` + stamp + index. */
export function pushMessageId(stamp: string, clientId: string | null, index: number): string {
  return clientId ? dxpMessageId(PUSH_SENDER_ID, clientId, stamp) : `${PUSH_SENDER_ID}N${stamp}${String(index).padStart(3, '0')}`;
}

/** 申报数据 file name in the subscriber's InBox: `DecData_<统一编号>_<ts>.xml` (the DecMessage as declared). */
export function declarationDataName(seqNo: string, stamp: string): string {
  return `DecData_${seqNo}_${stamp}.xml`;
}

/** Manual data (OSWEMS01/02) file name: `Receipt_<message id>_<ts>.xml`, as Package receipts are named. */
export function manualDataName(messageId: string, stamp: string): string {
  return receiptName(messageId, stamp);
}

/**
 * A receipt a business system issued for the sender of a message: a DEC_RESULT, a manifest
 * response, a 金关二期 receipt. The event says what and for whom; naming and queueing are ours.
 */
export interface ReceiptIssued {
  /** the client that sent the message the receipt answers */
  clientId: string;
  business: string;
  /** the DXP id of the issuing system (customs' declaration system, manifest system, …) */
  issuerId: string;
  /** what the file is named after: the document (统一编号, manifest MessageID), or the receipt's own message id */
  namedAfter: { document: string } | 'message-id';
  /** the receipt's content, once its message id is known (some receipts carry it inside) */
  body(ids: { messageId: string; stamp: string }): string;
  at: Date;
  /** a declaration's receipt also goes to the declaration's subscribers */
  declaration?: { row: DeclarationFacts; channel: string; note: string; entryId: string };
  /** the trace context of the work that issued it (tracing on): its delivery and pushes continue that trace */
  traceparent?: string | null;
}

/** What issuing a receipt did: the client to wake, the file, and how many pushes went to subscribers. */
export interface IssuedReceipt {
  clientId: string;
  fileName: string;
  messageId: string;
  body: string;
  pushes: number;
}

/** Queues a receipt for its sender and, for a declaration, pushes it to the subscribers: in the caller's transaction. */
export async function issueReceipt(tx: Store, e: ReceiptIssued): Promise<IssuedReceipt> {
  return (await issueReceipts(tx, [e]))[0];
}

/**
 * Receipts issued as a set, in the caller's transaction: their file stamps from one serial range (in
 * the given order, so a later receipt of a document has a later stamp), one insert into the delivery
 * queues, and the declarations' receipts matched to their subscribers at once.
 */
export async function issueReceipts(tx: Store, events: readonly ReceiptIssued[]): Promise<IssuedReceipt[]> {
  if (!events.length) return [];
  const first = await tx.serials.nextMany('fileStamp', events.length);
  const issued = events.map((e, i) => {
    const stamp = fileStamp(e.at, first + i);
    const messageId = dxpMessageId(e.issuerId, e.clientId, stamp);
    const body = e.body({ messageId, stamp });
    const fileName = receiptName(e.namedAfter === 'message-id' ? messageId : e.namedAfter.document, stamp);
    return { e, stamp, out: { clientId: e.clientId, fileName, messageId, body, pushes: 0 } as IssuedReceipt };
  });
  await tx.deliveries.enqueue(
    issued.map(({ e, out }) => ({
      clientId: out.clientId,
      messageId: out.messageId,
      business: e.business,
      fileName: out.fileName,
      body: out.body,
      createdAt: e.at.toISOString(),
      traceparent: e.traceparent ?? null,
    })),
  );
  const declared = issued.filter((x) => x.e.declaration);
  const pushes = await raiseDeclarationReceipts(
    tx,
    declared.map(({ e, stamp, out }) => ({
      declaration: e.declaration!.row,
      channel: e.declaration!.channel,
      note: e.declaration!.note,
      entryId: e.declaration!.entryId,
      xml: out.body,
      at: e.at,
      fileName: out.fileName,
      stamp,
      traceparent: e.traceparent,
    })),
  );
  declared.forEach((x, k) => (x.out.pushes = pushes[k]));
  return issued.map((x) => x.out);
}

/**
 * Hands client pushes to their clients' delivery queues. A resent push goes back in line under its
 * message id as its resend attempt, named with a new file stamp (one serial range for the resends of
 * the set; first deliveries take no serial).
 */
export async function queueClientPushes(
  tx: Store,
  pushes: readonly Pick<PushRow, 'id' | 'clientId' | 'messageId' | 'business' | 'fileName' | 'body' | 'resendCount' | 'traceparent'>[],
  at: string,
): Promise<number[]> {
  const resends = pushes.filter((p) => p.resendCount > 0).length;
  const now = new Date(at);
  let serial = resends ? await tx.serials.nextMany('fileStamp', resends) : 0;
  // the body stays in the push log only: the delivery refers to its push
  return tx.deliveries.enqueue(
    pushes.map((p) => ({
      pushId: p.id,
      clientId: p.clientId!,
      messageId: p.messageId,
      business: p.business,
      fileName: p.resendCount > 0 ? restampedName(p.fileName, fileStamp(now, serial++)) : p.fileName,
      body: p.body ?? '',
      createdAt: at,
      resend: p.resendCount,
      traceparent: p.traceparent ?? null,
    })),
  );
}

type Deps = { store: Store; clock: Clock };

/** A client fetches its queue: a batch of unacknowledged deliveries; each fetch of a push is an attempt in the push log. */
export function takeDeliveries(deps: Deps, clientId: string, max: number): Promise<DeliveryRow[]> {
  return deps.store.transaction(async (tx) => {
    const rows = await tx.deliveries.take(clientId, max);
    if (rows.length)
      await tx.pushes.countClientTakes(
        clientId,
        rows.map((r) => r.messageId),
        deps.clock.now().toISOString(),
      );
    return rows;
  });
}

/**
 * A client acknowledges what it is done with; the pushes among them are delivered (下发成功), and
 * the push log records what the client said it did with each (`outcomes` by delivery id: written,
 * dropped as a redelivery, rejected). Returns how many were acknowledged now.
 */
export async function acknowledgeDeliveries(
  deps: Deps & Pick<PlatformDeps, 'metrics'>,
  clientId: string,
  ids: readonly number[],
  outcomes?: ReadonlyMap<number, ReceivedOutcome>,
): Promise<number> {
  if (!ids.length) return 0;
  const now = deps.clock.now();
  const acked = await deps.store.transaction(async (tx) => {
    const rows = await tx.deliveries.ack(clientId, ids, now.toISOString());
    await tx.pushes.deliveredToClient(
      clientId,
      rows.map((d) => ({ messageId: d.messageId, resend: d.resend, outcome: outcomes?.get(d.id) })),
      now.toISOString(),
    );
    return rows;
  });
  countDelivered(deps, acked, now);
  return acked.length;
}

/** Deliveries that reached their client (after the commit that says so), with how long each waited since it was queued. */
function countDelivered(deps: Pick<PlatformDeps, 'metrics'>, rows: readonly { createdAt: string }[], now: Date): void {
  for (const r of rows) deps.metrics?.push('client', 'delivered', now.getTime() - Date.parse(r.createdAt));
}

/**
 * Forwards one batch of a client's queue through something slow (the broker, with its confirms):
 * claim, `publish`, acknowledge once `publish` resolves. A crash or a failed publish leaves the
 * batch queued; it goes out again with the same message ids, and the client drops what it has.
 * Returns how many were forwarded.
 */
export async function forwardDeliveries(
  deps: Deps & Pick<PlatformDeps, 'metrics'>,
  clientId: string,
  max: number,
  publish: (rows: DeliveryRow[]) => Promise<void>,
): Promise<number> {
  const forwarded = await deps.store.claiming(async (tx) => {
    const rows = await takeDeliveries({ store: tx, clock: deps.clock }, clientId, max);
    if (!rows.length) return [];
    await publish(rows);
    await acknowledgeDeliveries(
      { store: tx, clock: deps.clock },
      clientId,
      rows.map((r) => r.id),
    );
    return rows;
  });
  countDelivered(deps, forwarded, deps.clock.now());
  return forwarded.length;
}
