/**
 * A batch of messages, imported in one store transaction (one commit for the batch, not one per
 * message). Each message keeps its own id, answer and failure: a message that fails undoes only its
 * own writes (a savepoint, when it comes to that), and the answers are the
 * single import's (`importMessage`) — a repeated message id, in an earlier request or earlier in
 * the same batch, gets its first answer again.
 */
import { OswError } from '@osw/messages';
import type { ImportOutcome } from '@osw/messages/exchange';
import {
  acceptedAsSet,
  countImport,
  answerOf,
  declarationClientSeqNo,
  importOnce,
  importSpan,
  spanOutcome,
  inboundKey,
  inboundRefusal,
  readInbound,
  type CustomsPort,
  type ImportDeps,
  type InboundMessage,
  type ReadMessage,
} from './accept.js';
import { BatchWrites } from './batch-writes.js';
import { clientSeqNoKey, signatureAhead } from './check-declaration.js';
import type { AcceptedDeclaration } from '../push/matching.js';
import type { InboundRow } from './store.js';
import type { CardRow } from '../store.js';

/** A message of a batch the exchange refused before import (a header it cannot read, a body too large). */
export interface RefusedMessage {
  messageId: string;
  refused: OswError;
}

export type BatchEntry = InboundMessage | RefusedMessage;

function isRefused(e: BatchEntry): e is RefusedMessage {
  return 'refused' in e;
}

function refusal(messageId: string, err: OswError): ImportOutcome {
  return { ok: false, messageId, error: { code: err.code, message: err.message } };
}

/** An import of the fast path threw: the batch's transaction is rolled back and the batch imported again, carefully. */
class StepFailed extends Error {}

/**
 * Imports the entries in order, in one transaction; one outcome per entry, in the same order.
 * First without savepoints (the refusals an import throws are checked before; everything else it
 * answers): two statements less per message. Should an import throw all the same (the store failed,
 * another instance stored the same message id a moment ago), the transaction is rolled back and
 * the batch imported again with a savepoint per message, so that it fails alone.
 */
export async function importBatch(deps: ImportDeps, customs: CustomsPort, entries: readonly BatchEntry[]): Promise<ImportOutcome[]> {
  if (!deps.tracing) return importEntries(deps, customs, entries);
  // tracing on: a span per message, each a child of its own sender's trace context
  const tracing = deps.tracing;
  const spans = entries.map((e) => (isRefused(e) ? null : importSpan(tracing, e, entries.length)));
  try {
    const outcomes = await importEntries(deps, customs, entries);
    outcomes.forEach((o, k) => spans[k] && spanOutcome(spans[k], o));
    return outcomes;
  } catch (err) {
    for (const span of spans) span?.fail(err);
    throw err;
  } finally {
    for (const span of spans) span?.end();
  }
}

async function importEntries(deps: ImportDeps, customs: CustomsPort, entries: readonly BatchEntry[]): Promise<ImportOutcome[]> {
  const checked = entries.map((e): BatchEntry => {
    if (isRefused(e)) return e;
    const refused = inboundRefusal(e);
    return refused ? { messageId: e.messageId, refused } : e;
  });
  if (checked.every(isRefused))
    return counted(
      deps,
      checked.map((e) => refusal(e.messageId, e.refused)),
    );
  const cards = new Map<string, Promise<CardRow | undefined>>();
  const ahead: ImportDeps = { ...deps, cards, reads: await readAhead({ ...deps, cards }, checked) };
  try {
    return counted(deps, await importAll(ahead, customs, checked, false));
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    return counted(deps, await importAll(ahead, customs, checked, true));
  }
}

/** The batch's outcomes, counted once committed. */
function counted(deps: Pick<ImportDeps, 'metrics'>, outcomes: ImportOutcome[]): ImportOutcome[] {
  if (deps.metrics) for (const o of outcomes) countImport(deps.metrics, o);
  return outcomes;
}

/**
 * Reads (decodes, parses) the batch's messages and their IC cards before its transaction, and
 * starts each declaration's signature check on the thread pool: the checks run side by side with
 * the parsing of the next messages and with the transaction, which waits only for the answer it
 * needs next. (The cards are read here, outside the transaction, because an embedded store has one
 * connection: a read waiting behind the open transaction would never come.) A message whose
 * reading throws is read again when imported, where it fails as it would alone.
 */
async function readAhead(deps: ImportDeps, entries: readonly BatchEntry[]): Promise<Map<InboundMessage, Promise<ReadMessage>>> {
  const reads = new Map<InboundMessage, Promise<ReadMessage>>();
  const waits: Promise<unknown>[] = [];
  for (const e of entries) {
    if (isRefused(e)) continue;
    const read = readInbound(e.body).then(async (r): Promise<ReadMessage> => {
      if (r.rejected || !r.declaration) return r;
      return { ...r, signature: await signatureAhead(deps, r.declaration, r.xmlText) };
    });
    reads.set(e, read);
    waits.push(read.catch(() => undefined)); // the import awaits it; a failure is not left unhandled meanwhile
  }
  await Promise.all(waits);
  return reads;
}

/** The batch's message ids, stored or not, read with one statement per client. */
async function storedOf(tx: ImportDeps['store'], entries: readonly BatchEntry[]): Promise<Map<string, InboundRow | null>> {
  const byClient = new Map<string, string[]>();
  for (const e of entries) {
    if (isRefused(e)) continue;
    const ids = byClient.get(e.client.clientId);
    if (ids) ids.push(e.messageId);
    else byClient.set(e.client.clientId, [e.messageId]);
  }
  const known = new Map<string, InboundRow | null>();
  for (const [clientId, ids] of byClient) {
    for (const id of ids) known.set(inboundKey(clientId, id), null);
    for (const row of await tx.inbound.getMany(clientId, ids)) known.set(inboundKey(clientId, row.messageId), row);
  }
  return known;
}

/** The ClientSeqNos of the batch's declarations, taken or not, read with one statement per sender enterprise. */
async function takenOf(
  tx: ImportDeps['store'],
  reads: ImportDeps['reads'],
  entries: readonly BatchEntry[],
): Promise<Map<string, string | null>> {
  const byEnterprise = new Map<string, Set<string>>();
  for (const e of entries) {
    if (isRefused(e)) continue;
    const read = await reads?.get(e)?.catch(() => undefined);
    if (!read || read.rejected || !read.declaration) continue;
    const clientSeqNo = declarationClientSeqNo(read.declaration);
    if (!clientSeqNo) continue;
    const mine = byEnterprise.get(e.client.enterpriseCode) ?? new Set<string>();
    byEnterprise.set(e.client.enterpriseCode, mine.add(clientSeqNo));
  }
  const taken = new Map<string, string | null>();
  for (const [enterprise, clientSeqNos] of byEnterprise) {
    for (const c of clientSeqNos) taken.set(clientSeqNoKey(enterprise, c), null);
    for (const d of await tx.declarations.findByClientSeqNos(enterprise, [...clientSeqNos]))
      taken.set(clientSeqNoKey(enterprise, d.clientSeqNo), d.seqNo);
  }
  return taken;
}

/** How many of the batch's messages read as declarations: the most SeqNos its import may take. */
async function declarationsOf(reads: ImportDeps['reads'], entries: readonly BatchEntry[]): Promise<number> {
  let n = 0;
  for (const e of entries) {
    if (isRefused(e)) continue;
    const read = await reads?.get(e)?.catch(() => undefined);
    if (read && !read.rejected && read.declaration) n++;
  }
  return n;
}

function importAll(deps: ImportDeps, customs: CustomsPort, entries: readonly BatchEntry[], careful: boolean): Promise<ImportOutcome[]> {
  return deps.store.transaction(async (tx) => {
    let inbound: ImportDeps['inbound'];
    let clientSeqNos: ImportDeps['clientSeqNos'];
    if (!careful)
      try {
        inbound = await storedOf(tx, entries);
        clientSeqNos = await takenOf(tx, deps.reads, entries);
      } catch (err) {
        throw new StepFailed('reading the batch’s message ids failed', { cause: err });
      }
    const accepted: AcceptedDeclaration[] = [];
    // fast path: the rows are written as sets, and the SeqNos taken from one block, at the end
    const writes = careful ? undefined : new BatchWrites(tx, await declarationsOf(deps.reads, entries));
    const txDeps: ImportDeps = { ...deps, store: tx, inbound, clientSeqNos, accepted, writes };
    const outcomes: ImportOutcome[] = [];
    for (const entry of entries)
      if (isRefused(entry)) outcomes.push(refusal(entry.messageId, entry.refused));
      else if (careful) outcomes.push(await importOneOfBatch(txDeps, customs, entry));
      else
        try {
          outcomes.push({ ok: true, ...(await importOnce(txDeps, customs, entry)) });
        } catch (err) {
          throw new StepFailed('an import of the batch failed', { cause: err });
        }
    // the batch's accepted declarations, to customs and to their 申报数据 subscribers as a set, in the same transaction (outbox)
    try {
      if (writes && !(await writes.flush())) throw new StepFailed('a ClientSeqNo of the batch was taken meanwhile');
      await acceptedAsSet(tx, customs, accepted);
    } catch (err) {
      if (careful) throw err;
      throw new StepFailed('handing on the batch’s accepted declarations failed', { cause: err });
    }
    return outcomes;
  });
}

async function importOneOfBatch(deps: ImportDeps, customs: CustomsPort, msg: InboundMessage): Promise<ImportOutcome> {
  try {
    // its accepted declaration joins the batch's set only once its savepoint holds
    const mine: AcceptedDeclaration[] = [];
    const answer = await deps.store.savepoint((sp) => importOnce({ ...deps, store: sp, accepted: mine }, customs, msg));
    deps.accepted?.push(...mine);
    return { ok: true, ...answer };
  } catch (err) {
    if (err instanceof OswError) return refusal(msg.messageId, err);
    // its own writes are undone; another instance may have stored the same message id meanwhile
    const known = await deps.store.inbound.get(msg.client.clientId, msg.messageId).catch(() => undefined);
    if (known) return { ok: true, ...answerOf(known, true) };
    // the others of the batch stay imported; this one is answered as the single route answers a 500, and sent again
    deps.logger.error(
      { clientId: msg.client.clientId, msgId: msg.messageId, err: (err as Error).message },
      'import of a batch message failed',
    );
    return refusal(msg.messageId, new OswError('OSW_INTERNAL', 'the import failed; send the message again'));
  }
}
