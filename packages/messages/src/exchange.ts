/**
 * The exchange's wire protocol, written once for both sides: the import client and the platform
 * import this module, over HTTP (`/exchange/v1/…`) and over RabbitMQ alike.
 *
 * - a message travels with its **message id** (HTTP header, or the AMQP message id), its **file
 *   name** (percent-encoded UTF-8) and its **business**; the client's **device fingerprint** binds
 *   it to one machine (设备绑定); a delivery the platform sends again because a user asked for it
 *   (重发) carries its **resend attempt** ({@link EXCHANGE_HEADER.resend});
 * - the client says what it did with each delivery (written, dropped as a redelivery, rejected):
 *   in its HTTP acknowledgement ({@link InboxAckSchema}), on RabbitMQ in a report message on its
 *   send exchange ({@link RECEIVED_REPORT_TYPE});
 * - the platform answers an import with an {@link ImportAnswer};
 * - on RabbitMQ each client has its broker user, send exchange and two queues ({@link brokerNames});
 * - with tracing on, a message and a delivery carry the W3C trace context of the work that sent them
 *   ({@link EXCHANGE_HEADER.traceparent}), so one file's journey is one trace (docs/operations.md).
 *
 * docs/exchange-http.md and docs/scale-out.md describe the protocol for people.
 */
import { z } from 'zod';

/** Message headers (HTTP request headers, AMQP message headers). */
export const EXCHANGE_HEADER = {
  /** HTTP only: AMQP carries it as the message's `messageId` property */
  messageId: 'x-osw-message-id',
  fileName: 'x-osw-file-name',
  business: 'x-osw-business',
  device: 'x-osw-device',
  /**
   * deliveries to a client only: the resend attempt (1, 2, …) of a push a user resent (重发). The
   * client writes such a delivery again even though it has the message id, once per attempt; a
   * delivery without it (or an attempt it has written) is a redelivery and is dropped.
   */
  resend: 'x-osw-resend',
  /**
   * W3C Trace Context (`00-<trace id>-<span id>-<flags>`): the span that sent the message or the
   * delivery. Only with tracing on; a receiver ignores a value that is not a traceparent.
   */
  traceparent: 'traceparent',
} as const;

/** The HTTP exchange's routes, below the client's endpoint `<platform>/exchange/v1`. */
export const EXCHANGE_HTTP = {
  base: '/exchange/v1',
  messages: '/exchange/v1/messages',
  inbox: '/exchange/v1/inbox',
  inboxAck: '/exchange/v1/inbox/ack',
  /** several messages in one request (`MessageBatchSchema`), each with its own id and outcome */
  messagesBatch: '/exchange/v1/messages/batch',
  ping: '/exchange/v1/ping',
  status: '/exchange/v1/status',
} as const;

/** Message ids: 8–128 characters of `A-Z a-z 0-9 _ . -`, unique per sending client. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_.-]{8,128}$/;

export function isMessageId(id: string): boolean {
  return MESSAGE_ID_PATTERN.test(id);
}

/** A device fingerprint: 16–128 lowercase hex digits. */
export const DEVICE_PATTERN = /^[0-9a-f]{16,128}$/;

/** File names travel percent-encoded (UTF-8), so Chinese names pass any header. */
export function encodeFileNameHeader(fileName: string): string {
  return encodeURIComponent(fileName);
}

/** The file name of a header; `null` when it is not valid percent-encoded UTF-8. */
export function decodeFileNameHeader(value: unknown): string | null {
  try {
    return decodeURIComponent(String(value ?? ''));
  } catch {
    return null;
  }
}

/** The longest file name the exchange carries, in UTF-8 bytes (the common file systems' limit). */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * Why a file name cannot travel on the exchange, or null when it can. A file name is a plain name
 * of 1–255 UTF-8 bytes: not `.` or `..`, no `/` or `\\` (not a path), no control characters (a
 * newline, a tab, NUL…) and no broken Unicode (a lone surrogate cannot be percent-encoded).
 */
export function fileNameProblem(name: string): string | null {
  if (name === '') return 'the file name is empty';
  if (name === '.' || name === '..') return `the file name is "${name}"`;
  if (/[/\\]/.test(name)) return 'the file name holds a path separator (/ or \\)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'the file name holds control characters (a newline, a tab…)';
  if (/\p{Cs}/u.test(name)) return 'the file name is not valid Unicode (a lone surrogate)';
  if (new TextEncoder().encode(name).length > MAX_FILE_NAME_BYTES) return `the file name is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  return null;
}

/** The headers that go with a message, as a plain record (the message id goes separately on AMQP). */
export function messageHeaders(m: {
  fileName: string;
  business: string;
  device?: string;
  resend?: number;
  traceparent?: string | null;
}): Record<string, string> {
  const h: Record<string, string> = {
    [EXCHANGE_HEADER.fileName]: encodeFileNameHeader(m.fileName),
    [EXCHANGE_HEADER.business]: m.business,
  };
  if (m.device) h[EXCHANGE_HEADER.device] = m.device;
  if (m.resend) h[EXCHANGE_HEADER.resend] = String(m.resend);
  if (m.traceparent) h[EXCHANGE_HEADER.traceparent] = m.traceparent;
  return h;
}

/** A W3C traceparent: version 00, a trace id and a span id (not all zeros), the trace flags. */
export const TRACEPARENT_PATTERN = /^00-(?!0{32})([0-9a-f]{32})-(?!0{16})([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace context of a traceparent header value; null when it is absent or not a traceparent. */
export function parseTraceparent(value: unknown): { traceId: string; spanId: string; sampled: boolean } | null {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) return null;
  const m = TRACEPARENT_PATTERN.exec(String(value).trim());
  return m ? { traceId: m[1], spanId: m[2], sampled: (parseInt(m[3], 16) & 1) === 1 } : null;
}

/** The traceparent of a header value as it may be carried on: the value itself, or undefined when it is not a traceparent. */
export function traceparentOf(value: unknown): string | undefined {
  return parseTraceparent(value) ? String(value).trim() : undefined;
}

export function formatTraceparent(c: { traceId: string; spanId: string; sampled: boolean }): string {
  return `00-${c.traceId}-${c.spanId}-${c.sampled ? '01' : '00'}`;
}

/** The resend attempt of a header value: a positive integer, 0 when absent; null when it is something else. */
export function decodeResendHeader(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : /^[1-9]\d{0,8}$/.test(String(value)) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The platform's answer to one imported message. */
export const ImportAnswerSchema = z.object({
  messageId: z.string(),
  accepted: z.boolean().describe('false: the platform refused it; the response says why'),
  duplicate: z.boolean().describe('the message id was imported before: this is the stored answer'),
  family: z.string().describe('message family: declaration, manifest, sas, ceb, unknown…'),
  documentKey: z.string().nullable().describe('统一编号 or the document id the platform gave'),
  responseXml: z.string().describe('the import response file: DecImportResponse, CommonResponeMessage, PlatImpRet or a failure <Root>'),
});
export type ImportAnswer = z.infer<typeof ImportAnswerSchema>;

/** An exchange error (HTTP error body, AMQP refusal). */
export const ExchangeErrorSchema = z.object({ code: z.string(), message: z.string() });

/**
 * What became of one message: its import answer, or the exchange's refusal (bad headers, a disabled
 * client…). RabbitMQ's reply-to carries one; an HTTP batch answers one per message.
 */
export const ImportOutcomeSchema = z.discriminatedUnion('ok', [
  ImportAnswerSchema.extend({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), messageId: z.string(), error: ExchangeErrorSchema }),
]);
export type ImportOutcome = z.infer<typeof ImportOutcomeSchema>;

/** The most messages one HTTP batch may carry. */
export const BATCH_MAX_MESSAGES = 200;

/**
 * The most message bytes (before base64) one HTTP batch carries. A client fills a batch up to
 * {@link BATCH_MAX_MESSAGES} messages or this many bytes, whichever comes first; a message larger
 * than this travels alone on the single route (`messages`, up to the platform's message limit).
 */
export const BATCH_MAX_BYTES = 8 * 1024 * 1024;

/** The largest batch request the platform reads: the batch's bytes as base64, and 2 KiB of JSON fields per message. */
export const BATCH_BODY_LIMIT = Math.ceil(BATCH_MAX_BYTES / 3) * 4 + BATCH_MAX_MESSAGES * 2048;

/** One message of an HTTP batch: what a single upload carries in headers and body, as fields. */
export const BatchMessageSchema = z.object({
  messageId: z.string(),
  fileName: z.string(),
  business: z.string(),
  /** the message bytes, base64 */
  body: z.string(),
  /** optional: when given it must be the client that authenticated (a message speaks for its sender only) */
  clientId: z.string().optional(),
  /**
   * optional, with tracing on: the message's own trace context, as {@link EXCHANGE_HEADER.traceparent}.
   * A value that is not a traceparent is ignored, never a reason to refuse the message or the batch.
   */
  traceparent: z.unknown().optional(),
});
export type BatchMessage = z.infer<typeof BatchMessageSchema>;

/** `POST /exchange/v1/messages/batch` (application/json): messages of one client, answered in order. */
export const MessageBatchSchema = z.object({ messages: z.array(BatchMessageSchema).min(1).max(BATCH_MAX_MESSAGES) });
export type MessageBatch = z.infer<typeof MessageBatchSchema>;

/** The answer to a batch: one outcome per message, in the order sent. */
export const BatchAnswerSchema = z.object({ outcomes: z.array(ImportOutcomeSchema) });
export type BatchAnswer = z.infer<typeof BatchAnswerSchema>;

/** A message the platform delivers to a client's InBox (HTTP `GET /exchange/v1/inbox`). */
export const InboxMessageSchema = z.object({
  deliveryId: z.number().int(),
  /** stable across redeliveries and resends */
  messageId: z.string(),
  business: z.string(),
  fileName: z.string(),
  body: z.string(),
  attempts: z.number().int(),
  /** the resend attempt (重发) this delivery is, as {@link EXCHANGE_HEADER.resend}; absent for a first delivery */
  resend: z.number().int().positive().optional(),
  /** with tracing on: the trace context of the work that queued it, as {@link EXCHANGE_HEADER.traceparent} (ignored when it is not one) */
  traceparent: z.string().optional(),
});
export type InboxMessage = z.infer<typeof InboxMessageSchema>;

/**
 * What the client did with a delivery: `written` into its InBox, `dropped` as a redelivery of
 * something it had written (the message id, or this resend attempt), `rejected` as unfit to file.
 */
export const ReceivedOutcomeSchema = z.enum(['written', 'dropped', 'rejected']);
export type ReceivedOutcome = z.infer<typeof ReceivedOutcomeSchema>;

/** The most deliveries one acknowledgement or report names. */
export const ACK_MAX_DELIVERIES = 1000;

const deliveryIds = z.array(z.number().int().positive()).max(ACK_MAX_DELIVERIES);

/**
 * `POST /exchange/v1/inbox/ack`: the deliveries the client is done with. `written`, `dropped` and
 * `rejected` say what it did with each of them (the push log records it); a delivery in none of
 * them (a client older than the lists) is acknowledged without a word of what became of it.
 */
export const InboxAckSchema = z.object({
  deliveryIds,
  written: deliveryIds.optional(),
  dropped: deliveryIds.optional(),
  rejected: deliveryIds.optional(),
});
export type InboxAck = z.infer<typeof InboxAckSchema>;

/**
 * RabbitMQ: the AMQP `type` of a report a client publishes to its send exchange after settling
 * deliveries of its receive queue: a {@link ReceivedReportSchema} body (JSON), no reply-to, never
 * imported. The broker's acks say nothing to the platform; this does.
 */
export const RECEIVED_REPORT_TYPE = 'osw.received-report';

export const ReceivedReportSchema = z.object({
  received: z
    .array(
      z.object({
        messageId: z.string().max(128),
        /** the delivery's resend attempt, 0 for a first delivery */
        resend: z.number().int().min(0),
        outcome: ReceivedOutcomeSchema,
      }),
    )
    .max(ACK_MAX_DELIVERIES),
});
export type ReceivedReport = z.infer<typeof ReceivedReportSchema>;

// ---- RabbitMQ names ----

export const SEND_QUEUE_PREFIX = 'Q_Send';
export const RECEIVE_QUEUE_PREFIX = 'Q_Recv';
export const SEND_EXCHANGE_PREFIX = 'E_';
export const DEAD_LETTER_EXCHANGE = 'osw.dead-letter';
export const DEAD_LETTER_QUEUE = 'osw.dead-letter';
/** RabbitMQ's direct reply-to: import answers come back on it, with no queue or permission of its own */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/**
 * Broker names of a client, as its transport settings (传输设置) show them: user `U_SW<digits>`,
 * exchange `E_<id>`, queues `Q_Send<id>`/`Q_Recv<id>`.
 */
export function brokerNames(clientId: string) {
  const digits = clientId.replace(/^DXPE(SW|NT)/, '');
  return {
    user: `U_SW${digits}`,
    exchange: `${SEND_EXCHANGE_PREFIX}${clientId}`,
    sendQueue: `${SEND_QUEUE_PREFIX}${clientId}`,
    receiveQueue: `${RECEIVE_QUEUE_PREFIX}${clientId}`,
  };
}

/** The client a send or receive queue belongs to; null for any other queue. */
export function clientOfQueue(queue: string | null | undefined): string | null {
  const m = /^Q_(Send|Recv)(.+)$/.exec(queue ?? '');
  return m ? m[2] : null;
}

/** What `coalesceAmqpWrites` needs of an amqplib connection (`ChannelModel`): its socket. */
interface AmqpConnectionLike {
  connection?: { stream?: { write: (...args: never[]) => boolean; cork(): void; uncork(): void } };
}

/**
 * Makes the frames an amqplib connection writes in one turn of the event loop leave in one write
 * (`writev`) instead of one system call each: amqplib writes every publish, answer and ack on its
 * own, and with `noDelay` each would be a TCP segment of its own that the broker reads on its own.
 * The socket is corked at the first write of a turn and uncorked right after the turn, so nothing
 * waits longer than the code that wrote it.
 */
export function coalesceAmqpWrites(conn: unknown): void {
  const stream = (conn as AmqpConnectionLike | null | undefined)?.connection?.stream;
  if (!stream || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return;
  const write = stream.write.bind(stream);
  let corked = false;
  const uncork = () => {
    corked = false;
    stream.uncork();
  };
  stream.write = ((...args: never[]) => {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as typeof stream.write;
}
