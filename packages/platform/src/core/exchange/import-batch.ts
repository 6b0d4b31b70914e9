/**
 * A batch of messages from one authenticated client, imported in one store transaction (one commit
 * for the batch, not one per message). Each message keeps its own id, answer and failure: it runs
 * inside a savepoint, so a message that fails undoes only its own writes, and the answers are the
 * single import's (`importMessage`) — a repeated message id, in an earlier request or earlier in
 * the same batch, gets its first answer again.
 */
import { OswError } from '@osw/messages';
import type { ImportOutcome } from '@osw/messages/exchange';
import { answerOf, importOnce, type CustomsPort, type ImportDeps, type InboundMessage } from './accept.js';

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

/** Imports the entries in order, in one transaction; one outcome per entry, in the same order. */
export async function importBatch(deps: ImportDeps, customs: CustomsPort, entries: readonly BatchEntry[]): Promise<ImportOutcome[]> {
  if (entries.every(isRefused)) return entries.map((e) => refusal(e.messageId, e.refused));
  return deps.store.transaction(async (tx) => {
    const txDeps: ImportDeps = { ...deps, store: tx };
    const outcomes: ImportOutcome[] = [];
    for (const entry of entries)
      outcomes.push(isRefused(entry) ? refusal(entry.messageId, entry.refused) : await importOneOfBatch(txDeps, customs, entry));
    return outcomes;
  });
}

async function importOneOfBatch(deps: ImportDeps, customs: CustomsPort, msg: InboundMessage): Promise<ImportOutcome> {
  try {
    const answer = await deps.store.savepoint((sp) => importOnce({ ...deps, store: sp }, customs, msg));
    return { ok: true, ...answer };
  } catch (err) {
    if (err instanceof OswError) return refusal(msg.messageId, err);
    // its own writes are undone; another instance may have stored the same message id meanwhile
    const known = await deps.store.inbound.get(msg.client.clientId, msg.messageId);
    if (known) return { ok: true, ...answerOf(known, true) };
    // the others of the batch stay imported; this one is answered as the single route answers a 500, and sent again
    deps.logger.error(
      { clientId: msg.client.clientId, msgId: msg.messageId, err: (err as Error).message },
      'import of a batch message failed',
    );
    return refusal(msg.messageId, new OswError('OSW_INTERNAL', 'the import failed; send the message again'));
  }
}
