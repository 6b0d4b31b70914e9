/** The HTTP exchange transport: POST messages, long-poll the client's receive queue, ack. */
import { EXCHANGE_HEADER, EXCHANGE_HTTP, ImportAnswerSchema, InboxMessageSchema, messageHeaders } from '@osw/messages/exchange';
import { receivedError } from '@osw/messages';
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
/** the fields of an InBox message the client files */
const InboxMessage = InboxMessageSchema.omit({ attempts: true });

export class HttpTransport implements Transport {
  private readonly auth: string;
  private readonly base: string;

  constructor(private readonly opts: HttpTransportOptions) {
    this.auth = 'Basic ' + Buffer.from(`${opts.clientId}:${opts.secret}`).toString('base64');
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  private async call(pathAndQuery: string, init: RequestInit & { timeoutMs: number; signal?: AbortSignal }): Promise<unknown> {
    const timeout = AbortSignal.timeout(init.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      const headers: Record<string, string> = { authorization: this.auth, ...(init.headers as Record<string, string>) };
      if (this.opts.device) headers[EXCHANGE_HEADER.device] = this.opts.device;
      res = await fetch(this.base + pathAndQuery, { ...init, signal, headers });
    } catch (cause) {
      const timedOut = timeout.aborted;
      throw new TransportError(
        timedOut ? 'OSW_TRANSPORT_TIMEOUT' : 'OSW_TRANSPORT_UNREACHABLE',
        timedOut ? `no answer from ${this.base} within ${init.timeoutMs} ms` : `cannot reach ${this.base}: ${(cause as Error).message}`,
        {
          retryable: true,
          timedOut,
          cause,
        },
      );
    }
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: { message: text.slice(0, 200) } };
    }
    if (!res.ok) {
      // an answer without a code of the error table (a proxy's error page) is OSW_REMOTE_ERROR
      const e = receivedError(body?.error, 'OSW_REMOTE_ERROR');
      const message = `${res.status} ${e.message ?? res.statusText}`;
      throw new TransportError(e.code, message, { retryable: res.status >= 500 || res.status === 429 });
    }
    return body;
  }

  sendBatch(msgs: readonly OutgoingMessage[], signal?: AbortSignal): Promise<SendResult[]> {
    return sendEach(this, msgs, signal);
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
      body: msg.body as unknown as BodyInit,
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
      if (m.success) return [m.data];
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

  async ack(deliveryIds: readonly number[]): Promise<void> {
    if (!deliveryIds.length) return;
    await this.call(EXCHANGE_HTTP.inboxAck, {
      method: 'POST',
      timeoutMs: this.opts.sendTimeoutMs,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryIds }),
    });
  }

  /** The HTTP exchange has no dead-letter queue: poison is acknowledged (the platform keeps the delivery row) and never written. */
  reject(deliveryIds: readonly number[]): Promise<void> {
    return this.ack(deliveryIds);
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

  async close(): Promise<void> {}
}
