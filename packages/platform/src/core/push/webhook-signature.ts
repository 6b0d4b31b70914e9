/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">`, keyed with the base64 bytes after the `whsec_` prefix of the secret.
 */
import crypto from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** a receiver refuses timestamps further than this from its clock (replay protection) */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** the webhook-id of a test event (not a push: no push log row) */
export function newWebhookTestId(): string {
  return 'test_' + crypto.randomBytes(12).toString('hex');
}

export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + crypto.randomBytes(24).toString('base64');
}

function key(secret: string): Buffer {
  return Buffer.from(secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret, 'base64');
}

export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  return 'v1,' + crypto.createHmac('sha256', key(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

/** The three headers of one delivery. */
export function webhookHeaders(secret: string, id: string, now: Date, body: string): Record<string, string> {
  const ts = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': webhookSignature(secret, id, ts, body),
  };
}

/** What a receiver does at `now`: checks the timestamp window and any of the space-separated `v1,` signatures. */
export function verifyWebhook(secret: string, headers: Record<string, string | string[] | undefined>, body: string, now: Date): boolean {
  const h = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = h('webhook-id');
  const ts = Number(h('webhook-timestamp'));
  const sigs = (h('webhook-signature') ?? '').split(' ');
  if (!id || !Number.isInteger(ts)) return false;
  if (Math.abs(now.getTime() / 1000 - ts) > WEBHOOK_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(webhookSignature(secret, id, ts, body));
  return sigs.some((s) => {
    const b = Buffer.from(s);
    return b.length === expected.length && crypto.timingSafeEqual(b, expected);
  });
}
