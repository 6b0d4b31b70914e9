/** Ports the import client core takes as arguments; adapters implement them. */
import { OswError, type ErrorCode } from '@osw/messages';
import type { ImportAnswer as WireImportAnswer } from '@osw/messages/exchange';

export { systemClock, silentLogger, type Clock, type Logger, type Tracing, type TraceSpan } from '@osw/messages';

export interface OutgoingMessage {
  messageId: string;
  fileName: string;
  business: string;
  body: Uint8Array;
  /** with tracing on: the trace context of the file's send span, sent as the `traceparent` header (or batch field) */
  traceparent?: string;
}

/** What the client reads of the platform's import answer (the wire protocol: `@osw/messages/exchange`). */
export type ImportAnswer = Pick<WireImportAnswer, 'accepted' | 'responseXml' | 'duplicate'>;

export interface IncomingMessage {
  deliveryId: number;
  /** stable across redeliveries and resends */
  messageId: string;
  business: string;
  fileName: string;
  body: string;
  /**
   * a push a user resent (重发): its resend attempt (1, 2, …). Written again even though the message id
   * was written before, once per attempt; absent (0) for a first delivery.
   */
  resend?: number;
  /** set by the transport when it cannot read the message as sent (a header missing or not decodable, a body that is not UTF-8) */
  problem?: string;
  /** the trace context the platform queued it in (`traceparent`), when it sent a valid one */
  traceparent?: string;
}

/** What became of one message of a batch. */
export type SendResult = { ok: true; answer: ImportAnswer } | { ok: false; error: TransportError };

/** sendBatch for a transport that sends one message at a time: the messages side by side. */
export async function sendEach(
  transport: Pick<Transport, 'send'>,
  msgs: readonly OutgoingMessage[],
  signal?: AbortSignal,
): Promise<SendResult[]> {
  return Promise.all(
    msgs.map(async (msg): Promise<SendResult> => {
      try {
        return { ok: true, answer: await transport.send(msg, signal) };
      } catch (err) {
        if (err instanceof TransportError) return { ok: false, error: err };
        throw err;
      }
    }),
  );
}

/** The exchange seen from the client: HTTP now, RabbitMQ later, behind the same port. */
export interface Transport {
  send(msg: OutgoingMessage, signal?: AbortSignal): Promise<ImportAnswer>;
  /**
   * Sends several messages at once (one HTTP batch request, or publishes pipelined under one confirm
   * window) and answers one outcome per message, in order: its answer, or the TransportError of that
   * message alone. Rejects only when nothing could be sent.
   */
  sendBatch(msgs: readonly OutgoingMessage[], signal?: AbortSignal): Promise<SendResult[]>;
  receive(opts: { waitMs: number; max: number; signal?: AbortSignal }): Promise<IncomingMessage[]>;
  /**
   * Acknowledges deliveries the client is done with. `outcomes.dropped` names those of them it dropped
   * as redeliveries (it had written them); with `outcomes` given, the others were written. The
   * platform records it in the push log: HTTP in the acknowledgement, RabbitMQ in a report message.
   */
  ack(deliveryIds: readonly number[], outcomes?: { dropped: readonly number[] }): Promise<void>;
  /**
   * Gives up on messages the client cannot file (poison): RabbitMQ dead-letters them (`nack` without
   * requeue, to `osw.dead-letter`); HTTP, which has no dead-letter queue, acknowledges them — the
   * platform keeps the delivery. Either way they never come back and never hold up the queue.
   */
  reject(deliveryIds: readonly number[]): Promise<void>;
  /** 测试连接: the send path answers, and how much waits on the platform for this client */
  ping(): Promise<{ clientId: string; time: string }>;
  backlog(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A transport failure. `retryable` failures are tried again with backoff; the last one becomes a
 * `Failed_` receipt with C18 (send error) or C141 (timed out waiting for the platform).
 */
export class TransportError extends OswError {
  readonly retryable: boolean;
  readonly timedOut: boolean;
  constructor(code: ErrorCode, message: string, opts: { retryable: boolean; timedOut?: boolean; cause?: unknown }) {
    super(code, message, { cause: opts.cause });
    this.name = 'TransportError';
    this.retryable = opts.retryable;
    this.timedOut = opts.timedOut ?? false;
  }
}

/**
 * The IC card (a card file, or a card in a network signer): signs a declaration; throws
 * MessageRejected C134/C144/C909/C910 (C915: the network signer cannot be used). `signal` aborts a
 * signature that waits (on a signer being retried): it then rejects with another error, not
 * MessageRejected, and the file stays claimed.
 */
export interface CardSigner {
  signDeclaration(xml: string, now: Date, signal?: AbortSignal): Promise<string>;
}

/** One business's folders (ImpPath/<BizID>/…) and its private work folder. */
export interface BusinessFolders {
  readonly paths: { root: string; outBox: string; sentBox: string; failBox: string; inBox: string; work: string };
  ensure(): Promise<void>;
  /** names in OutBox to claim (no folders, no partial or temporary names; links and FIFOs too, to be refused), without stat */
  listOutBoxNames(): Promise<string[]>;
  /** size and mtime of an OutBox entry itself (a link is not followed); null for a folder or a name gone */
  statOutBox(name: string): Promise<{ size: number; mtimeMs: number } | null>;
  /**
   * Moves several OutBox entries into the work folder with one sync of each folder; per entry,
   * whether it was claimed (false: gone). `error`: the first unexpected failure, the rest claimed.
   */
  claimMany(items: readonly { name: string; workName: string }[]): Promise<{ claimed: boolean[]; error?: unknown }>;
  listWork(): Promise<string[]>;
  /** moves a claimed file back to OutBox under its original name (a number is added if that is taken) */
  unclaim(workName: string): Promise<void>;
  /** the bytes of a claimed regular file; MessageRejected C912 for a link, FIFO, device or socket, which is never read */
  readWork(workName: string): Promise<Buffer>;
  /** writes several files into InBox side by side, each atomically, with one fsync of the folder */
  writeInBoxMany(files: readonly { name: string; content: string | Uint8Array }[]): Promise<void>;
  /** writes bytes to synced temporary files in the work folder, side by side; their names, for fileManyToSent */
  writeWorkTemps(bodies: readonly Uint8Array[]): Promise<string[]>;
  /** removes temporary files of writeWorkTemps that will not be filed */
  removeWorkTemps(names: readonly string[]): Promise<void>;
  /**
   * Files several claimed files into SentBox/<day>/<archivedName>, one sync per folder; a file with
   * `temp` (from writeWorkTemps: its signed bytes) is filed with those bytes instead of the claimed ones.
   */
  fileManyToSent(items: readonly { workName: string; day: string; archivedName: string; temp?: string }[]): Promise<void>;
  /** moves several claimed files into FailBox/<day>/<archivedName>, one sync per folder */
  fileManyToFail(items: readonly { workName: string; day: string; archivedName: string }[]): Promise<void>;
}
