/**
 * Webhook push (beyond the original system): an HTTPS endpoint attached to one subscription gets
 * every push of that subscription as a signed JSON POST (Standard Webhooks). The secret is made by
 * the platform and shown when the endpoint is created. Endpoints on loopback, private, link-local
 * or reserved addresses are refused unless the platform allows them (`WebhookPort.checkTarget`).
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { notFound, problem } from '../problem.js';
import type { PlatformDeps } from '../ports.js';
import type { WebhookPort } from './ports.js';
import type { PushSubscriptionKind, WebhookEndpointRow } from '../store.js';
import { newWebhookSecret } from './webhook-signature.js';

type Deps = Pick<PlatformDeps, 'store' | 'clock'>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** HTTPS only; plain HTTP only to this machine (tests, a local receiver). */
export function checkWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw problem('OSW_PUSH_WEBHOOK_URL', `推送地址[${url}]不是有效的URL`, `webhook url ${url} is not a valid URL`);
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) return u.toString();
  throw problem(
    'OSW_PUSH_WEBHOOK_URL',
    `推送地址须为HTTPS地址：${url}`,
    `a webhook endpoint must be an https:// URL (http:// only for localhost): ${url}`,
  );
}

async function subscriptionOwner(deps: Deps, kind: PushSubscriptionKind, id: number): Promise<string | undefined> {
  const s =
    kind === 'declaration'
      ? await deps.store.declarationSubscriptions.get(id)
      : kind === 'receipt'
        ? await deps.store.receiptSubscriptions.get(id)
        : await deps.store.manualSubscriptions.get(id);
  return s?.enterpriseCode;
}

export async function createWebhook(
  deps: Deps & { webhook: Pick<WebhookPort, 'checkTarget'> },
  actor: Actor,
  req: { subscriptionKind: PushSubscriptionKind; subscriptionId: number; url: string },
): Promise<WebhookEndpointRow> {
  const url = checkWebhookUrl(req.url);
  if ((await subscriptionOwner(deps, req.subscriptionKind, req.subscriptionId)) !== actor.enterpriseCode)
    throw notFound('订阅', `${req.subscriptionKind} subscription`, req.subscriptionId);
  await deps.webhook.checkTarget(url);
  const at = deps.clock.now().toISOString();
  const row: Omit<WebhookEndpointRow, 'id'> = {
    enterpriseCode: actor.enterpriseCode,
    subscriptionKind: req.subscriptionKind,
    subscriptionId: req.subscriptionId,
    url,
    secret: newWebhookSecret(),
    createdAt: at,
    disabledAt: null,
  };
  return deps.store.transaction(async (tx) => {
    const id = await tx.webhooks.insert(row);
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'webhook.create',
      entity: 'webhook',
      entityId: String(id),
      before: null,
      after: { ...row, id, secret: '(hidden)' },
    });
    return { id, ...row };
  });
}

export async function disableWebhook(deps: Deps, actor: Actor, id: number): Promise<WebhookEndpointRow> {
  const w = await deps.store.webhooks.get(id);
  if (!w || w.enterpriseCode !== actor.enterpriseCode) throw notFound('推送地址', 'webhook', id);
  const at = deps.clock.now().toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.webhooks.disable(id, at);
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'webhook.disable',
      entity: 'webhook',
      entityId: String(id),
      before: { ...w, secret: '(hidden)' },
      after: { ...w, secret: '(hidden)', disabledAt: at },
    });
  });
  return { ...w, disabledAt: w.disabledAt ?? at };
}
