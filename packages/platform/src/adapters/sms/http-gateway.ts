/**
 * An HTTP SMS gateway: `POST <url>` with JSON `{ phone, text }` (and `Authorization: Bearer <token>`
 * when a token is configured). Any 2xx answer counts as sent; anything else, or no answer within
 * `timeoutMs`, is an error. The text is never logged.
 */
import type { Logger } from '../../core/ports.js';
import { maskPhone, type SmsSender } from '../../core/sms/verification-codes.js';

export interface HttpSmsGatewayOptions {
  url: string;
  token?: string;
  timeoutMs?: number;
  logger: Logger;
  /** injectable for tests */
  fetch?: typeof fetch;
}

export class HttpSmsGateway implements SmsSender {
  readonly name = 'http';
  constructor(private readonly opts: HttpSmsGatewayOptions) {}

  async send(sms: { phone: string; text: string }): Promise<void> {
    const f = this.opts.fetch ?? fetch;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const res = await f(this.opts.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ phone: sms.phone, text: sms.text }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new Error(`SMS gateway answered HTTP ${res.status}`);
    this.opts.logger.info({ phone: maskPhone(sms.phone) }, 'SMS handed to the gateway');
  }
}
