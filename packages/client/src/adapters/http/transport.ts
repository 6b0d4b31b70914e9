/**
 * The HTTP exchange transport: POST messages (several per request when the platform has the batch
 * route), long-poll the client's receive queue, ack. Connections are kept alive and reused
 * (`node:http` Agent), with one timer per request.
 */
import http from 'node:http';
import https from 'node:https';
import {
  BATCH_MAX_BYTES,
  BATCH_MAX_MESSAGES,
  BatchAnswerSchema,
  EXCHANGE_HEADER,
  EXCHANGE_HTTP,
  ImportAnswerSchema,
  InboxMessageSchema,
  messageHeaders,
  traceparentOf,
  type ImportOutcome,
  type InboxAck,
} from '@osw/messages/exchange';
import { httpStatusOf, receivedError } from '@osw/messages';
import type { ImportAnswer, IncomingMessage, OutgoingMessage, SendResult, Transport } from '../../core/ports.js';
import { sendEach, TransportError } from '../../core/ports.js';

export interface HttpTransportOptions {
  baseUrl: string;
  clientId: string;
  secret: string;
  sendTimeoutMs: number;
  /** device fingerprint sent with every call (设备绑定) */
  device?: string;
}

/** the fields of the import answer the client acts on */
const ClientAnswer = ImportAnswerSchema.pick({ accepted: true, responseXml: true, duplicate: true });
/** the fields of an InBox message the client files (its traceparent is read on its own: a bad one never makes the message poison) */
const InboxMessage = InboxMessageSchema.omit({ attempts: true, traceparent: true });

interface CallInit {
  method: 'GET' | 'POST';
  timeoutMs: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/** Whether a refusal is tried again: as for a whole request, by the HTTP status its code stands for. */
function retryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * Messages in batches of at most BATCH_MAX_MESSAGES and BATCH_MAX_BYTES of file bytes, in order;
 * a message larger than a batch may carry travels alone (`alone`).
 */
export function batchesOf(msgs: readonly OutgoingMessage[]): { alone: boolean; indexes: number[] }[] {
  const out: { alone: boolean; indexes: number[] }[] = [];
  let cur: number[] = [];
  let bytes = 0;
  const flush = () => {
    if (cur.length) out.push({ alone: false, indexes: cur });
    cur = [];
    bytes = 0;
  };
  msgs.forEach((m, i) => {
    if (m.body.length > BATCH_MAX_BYTES) {
      flush();
      return void out.push({ alone: true, indexes: [i] });
    }
    if (cur.length === BATCH_MAX_MESSAGES || bytes + m.body.length > BATCH_MAX_BYTES) flush();
    cur.push(i);
    bytes += m.body.length;
  });
  flush();
  return out;
}

export class HttpTransport implements Transport {
  private readonly auth: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  /** the platform answered 404 on the batch route: it is older than it, so messages go one per request */
  private batchRouteMissing = false;

  constructor(private readonly opts: HttpTransportOptions) {
    this.auth = 'Basic ' + Buffer.from(`${opts.clientId}:${opts.secret}`).toString('base64');
    this.base = new URL(opts.baseUrl.replace(/\/+$/, ''));
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** whether sendBatch sends batches (false once the platform turned out not to have the route) */
  get batching(): boolean {
    return !this.batchRouteMissing;
  }

  private async call(pathAndQuery: string, init: CallInit): Promise<unknown> {
    const res = await this.request(pathAndQuery, init);
    return this.body(res);
  }

  /** the answer's JSON, or the TransportError of an error status */
  private body(res: { status: number; text: string }): unknown {
    let body: any;
    try {
      body = res.text ? JSON.parse(res.text) : {};
    } catch {
      body = { error: { message: res.text.slice(0, 200) } };
    }
    if (res.status < 200 || res.status >= 300) {
      // an answer without a code of the error table (a proxy's error page) is OSW_REMOTE_ERROR
      const e = receivedError(body?.error, 'OSW_REMOTE_ERROR');
      const message = `${res.status} ${e.message ?? http.STATUS_CODES[res.status] ?? ''}`;
      throw new TransportError(e.code, message, { retryable: retryableStatus(res.status) });
    }
    return body;
  }

  private async request(pathAndQuery: string, init: CallInit): Promise<{ status: number; text: string }> {
    try {
      return await this.requestOnce(pathAndQuery, init);
    } catch (err) {
      // a kept-alive connection the platform closed just as it was reused: the request never
      // arrived, so it is sent once more on a new connection (sends are idempotent by message id)
      if ((err as { reusedSocket?: boolean }).reusedSocket && !init.signal?.aborted) return this.requestOnce(pathAndQuery, init);
      throw err;
    }
  }

  private requestOnce(pathAndQuery: string, init: CallInit): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { authorization: this.auth, ...init.headers };
    if (this.opts.device) headers[EXCHANGE_HEADER.device] = this.opts.device;
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const lib = this.base.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let timedOut = false;
      let settled = false;
      const req = lib.request(this.base, { method: init.method, path: basePath + pathAndQuery, headers, agent: this.agent });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('timed out'));
      }, init.timeoutMs);
      const onAbort = () => req.destroy(new Error('aborted'));
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const fail = (cause: unknown) =>
        finish(() => {
          const err = new TransportError(
            timedOut ? 'OSW_TRANSPORT_TIMEOUT' : 'OSW_TRANSPORT_UNREACHABLE',
            timedOut
              ? `no answer from ${this.base.origin} within ${init.timeoutMs} ms`
              : `cannot reach ${this.base.origin}: ${(cause as Error)?.message ?? cause}`,
            { retryable: true, timedOut, cause },
          );
          const code = (cause as NodeJS.ErrnoException)?.code;
          if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) Object.assign(err, { reusedSocket: true });
          reject(err);
        });
      req.on('error', fail);
      if (init.signal?.aborted) {
        fail(new Error('aborted'));
        return void req.destroy();
      }
      init.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('the connection closed during the answer')));
        res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })));
      });
      req.end(init.body);
    });
  }

  async sendBatch(msgs: readonly OutgoingMessage[], signal?: AbortSignal): Promise<SendResult[]> {
    // one message goes on the single route: no base64, and any platform version takes it
    if (msgs.length === 1) return sendEach(this, msgs, signal);
    const results: SendResult[] = new Array(msgs.length);
    for (const group of batchesOf(msgs)) {
      const part = group.indexes.map((i) => msgs[i]);
      const answers = group.alone || this.batchRouteMissing ? await sendEach(this, part, signal) : await this.postBatch(part, signal);
      group.indexes.forEach((i, k) => (results[i] = answers[k]));
    }
    return results;
  }

  /** One request for the messages; a platform without the route gets them one by one (and is remembered). */
  private async postBatch(msgs: readonly OutgoingMessage[], signal?: AbortSignal): Promise<SendResult[]> {
    const payload = JSON.stringify({
      messages: msgs.map((m) => ({
        messageId: m.messageId,
        fileName: m.fileName,
        business: m.business,
        body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('base64'),
        // with tracing off undefined, which JSON leaves out
        traceparent: m.traceparent,
      })),
    });
    let res: { status: number; text: string };
    try {
      res = await this.request(EXCHANGE_HTTP.messagesBatch, {
        method: 'POST',
        timeoutMs: this.opts.sendTimeoutMs,
        signal,
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
    } catch (err) {
      if (err instanceof TransportError) return msgs.map(() => ({ ok: false, error: err }));
      throw err;
    }
    if (res.status === 404 || res.status === 405) {
      this.batchRouteMissing = true;
      return sendEach(this, msgs, signal);
    }
    // a proxy in front of the platform with a smaller body limit: these go one by one, each as large as the single route takes
    if (res.status === 413 && msgs.length > 1) return sendEach(this, msgs, signal);
    let body: unknown;
    try {
      body = this.body(res);
    } catch (err) {
      if (err instanceof TransportError) return msgs.map(() => ({ ok: false, error: err }));
      throw err;
    }
    const answer = BatchAnswerSchema.safeParse(body);
    if (!answer.success || answer.data.outcomes.length !== msgs.length) {
      const error = new TransportError(
        'OSW_TRANSPORT_BAD_ANSWER',
        `the platform's answer is not one outcome per message: ${answer.success ? `${answer.data.outcomes.length} for ${msgs.length}` : answer.error.message}`,
        { retryable: true },
      );
      return msgs.map(() => ({ ok: false, error }));
    }
    return answer.data.outcomes.map((o, k) => this.result(o, msgs[k].messageId));
  }

  private result(o: ImportOutcome, messageId: string): SendResult {
    if (o.messageId !== messageId)
      return {
        ok: false,
        error: new TransportError('OSW_TRANSPORT_BAD_ANSWER', `the platform answered ${o.messageId} in the place of ${messageId}`, {
          retryable: true,
        }),
      };
    if (o.ok) return { ok: true, answer: { accepted: o.accepted, responseXml: o.responseXml, duplicate: o.duplicate } };
    const e = receivedError(o.error, 'OSW_REMOTE_ERROR');
    const status = httpStatusOf(e.code);
    return { ok: false, error: new TransportError(e.code, `${status} ${e.message ?? ''}`, { retryable: retryableStatus(status) }) };
  }

  async send(msg: OutgoingMessage, signal?: AbortSignal): Promise<ImportAnswer> {
    const body = await this.call(EXCHANGE_HTTP.messages, {
      method: 'POST',
      timeoutMs: this.opts.sendTimeoutMs,
      signal,
      headers: {
        'content-type': 'application/octet-stream',
        [EXCHANGE_HEADER.messageId]: msg.messageId,
        ...messageHeaders(msg),
      },
      body: msg.body,
    });
    const answer = ClientAnswer.safeParse(body);
    if (!answer.success)
      throw new TransportError('OSW_TRANSPORT_BAD_ANSWER', `the platform's answer is not an import answer: ${answer.error.message}`, {
        retryable: true,
      });
    return answer.data;
  }

  async receive(opts: { waitMs: number; max: number; signal?: AbortSignal }): Promise<IncomingMessage[]> {
    const body = (await this.call(`${EXCHANGE_HTTP.inbox}?waitMs=${opts.waitMs}&max=${opts.max}`, {
      method: 'GET',
      timeoutMs: opts.waitMs + 15_000,
      signal: opts.signal,
    })) as { messages?: unknown };
    if (!Array.isArray(body.messages))
      throw new TransportError('OSW_TRANSPORT_BAD_ANSWER', "the platform's InBox answer holds no messages list", { retryable: true });
    return body.messages.flatMap((raw): IncomingMessage[] => {
      const m = InboxMessage.safeParse(raw);
      if (m.success) {
        const carried = traceparentOf((raw as { traceparent?: unknown }).traceparent);
        return [carried ? { ...m.data, traceparent: carried } : m.data];
      }
      // without its delivery id a message can be neither acknowledged nor rejected: the platform hands it out again
      const deliveryId = (raw as { deliveryId?: unknown } | null)?.deliveryId;
      if (!Number.isInteger(deliveryId)) return [];
      const r = raw as Record<string, unknown>;
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      return [
        {
          deliveryId: deliveryId as number,
          messageId: text(r.messageId),
          business: text(r.business),
          fileName: text(r.fileName),
          body: text(r.body),
          problem: `not an InBox message: ${m.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
        },
      ];
    });
  }

  /** Acknowledges deliveries, saying what was done with each (written or dropped) when the Receiver says. */
  async ack(deliveryIds: readonly number[], outcomes?: { dropped: readonly number[] }): Promise<void> {
    if (!outcomes) return this.postAck({ deliveryIds: [...deliveryIds] });
    const dropped = new Set(outcomes.dropped);
    return this.postAck({
      deliveryIds: [...deliveryIds],
      written: deliveryIds.filter((id) => !dropped.has(id)),
      dropped: deliveryIds.filter((id) => dropped.has(id)),
    });
  }

  /**
   * The HTTP exchange has no dead-letter queue: poison is acknowledged as rejected (the platform keeps
   * the delivery row) and never written.
   */
  reject(deliveryIds: readonly number[]): Promise<void> {
    return this.postAck({ deliveryIds: [...deliveryIds], rejected: [...deliveryIds] });
  }

  private async postAck(ack: InboxAck): Promise<void> {
    if (!ack.deliveryIds.length) return;
    await this.call(EXCHANGE_HTTP.inboxAck, {
      method: 'POST',
      timeoutMs: this.opts.sendTimeoutMs,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ack),
    });
  }

  async ping(): Promise<{ clientId: string; time: string }> {
    return (await this.call(EXCHANGE_HTTP.ping, { method: 'POST', timeoutMs: this.opts.sendTimeoutMs })) as {
      clientId: string;
      time: string;
    };
  }

  async backlog(): Promise<number> {
    return ((await this.call(EXCHANGE_HTTP.status, { method: 'GET', timeoutMs: this.opts.sendTimeoutMs })) as { backlog: number }).backlog;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
