/** The HTTP exchange transport: POST messages, long-poll the client's receive queue, ack. */
import { receivedError } from '@osw/messages';
import type { ImportAnswer, IncomingMessage, OutgoingMessage, Transport } from '../../core/ports.js';
import { TransportError } from '../../core/ports.js';

export interface HttpTransportOptions {
  baseUrl: string;
  clientId: string;
  secret: string;
  sendTimeoutMs: number;
  /** device fingerprint sent with every call (设备绑定) */
  device?: string;
}

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
      if (this.opts.device) headers['x-osw-device'] = this.opts.device;
      res = await fetch(this.base + pathAndQuery, { ...init, signal, headers });
    } catch (cause) {
      const timedOut = timeout.aborted;
      throw new TransportError(timedOut ? 'OSW_TRANSPORT_TIMEOUT' : 'OSW_TRANSPORT_UNREACHABLE', timedOut ? `no answer from ${this.base} within ${init.timeoutMs} ms` : `cannot reach ${this.base}: ${(cause as Error).message}`, {
        retryable: true,
        timedOut,
        cause,
      });
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

  async send(msg: OutgoingMessage, signal?: AbortSignal): Promise<ImportAnswer> {
    const body = (await this.call('/exchange/v1/messages', {
      method: 'POST',
      timeoutMs: this.opts.sendTimeoutMs,
      signal,
      headers: {
        'content-type': 'application/octet-stream',
        'x-osw-message-id': msg.messageId,
        'x-osw-file-name': encodeURIComponent(msg.fileName),
        'x-osw-business': msg.business,
      },
      body: msg.body as unknown as BodyInit,
    })) as { accepted: boolean; responseXml: string; duplicate: boolean };
    return { accepted: body.accepted, responseXml: body.responseXml, duplicate: body.duplicate };
  }

  async receive(opts: { waitMs: number; max: number; signal?: AbortSignal }): Promise<IncomingMessage[]> {
    const body = (await this.call(`/exchange/v1/inbox?waitMs=${opts.waitMs}&max=${opts.max}`, {
      method: 'GET',
      timeoutMs: opts.waitMs + 15_000,
      signal: opts.signal,
    })) as { messages: IncomingMessage[] };
    return body.messages;
  }

  async ack(deliveryIds: readonly number[]): Promise<void> {
    if (!deliveryIds.length) return;
    await this.call('/exchange/v1/inbox/ack', {
      method: 'POST',
      timeoutMs: this.opts.sendTimeoutMs,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryIds }),
    });
  }

  async ping(): Promise<{ clientId: string; time: string }> {
    return (await this.call('/exchange/v1/ping', { method: 'POST', timeoutMs: this.opts.sendTimeoutMs })) as { clientId: string; time: string };
  }

  async backlog(): Promise<number> {
    return ((await this.call('/exchange/v1/status', { method: 'GET', timeoutMs: this.opts.sendTimeoutMs })) as { backlog: number }).backlog;
  }

  async close(): Promise<void> {}
}
