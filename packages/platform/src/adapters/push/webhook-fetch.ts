/** Webhook POSTs with Node's fetch: no redirects followed, a timeout per attempt. */
import type { WebhookPort } from '../../core/push/ports.js';

export class FetchWebhookPort implements WebhookPort {
  constructor(private readonly f: typeof fetch = fetch) {}

  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number }> {
    const res = await this.f(url, {
      method: 'POST',
      headers: { ...headers, 'user-agent': 'open-single-window-push/1' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status };
  }
}
