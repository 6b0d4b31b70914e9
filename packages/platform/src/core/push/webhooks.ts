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
import { WEBHOOK_UNREACHABLE } from './engine.js';
import { newWebhookSecret, newWebhookTestId, webhookHeaders } from './webhook-signature.js';

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
  const w = await ownWebhook(deps, actor, id);
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

/** The caller's own endpoint, or 404 (another enterprise's id is answered as if it did not exist). */
async function ownWebhook(deps: Deps, actor: Actor, id: number): Promise<WebhookEndpointRow> {
  const w = await deps.store.webhooks.get(id);
  if (!w || w.enterpriseCode !== actor.enterpriseCode) throw notFound('推送地址', 'webhook', id);
  return w;
}

/** Pushes to a disabled endpoint again; its URL is checked again against the addresses webhooks may reach. */
export async function enableWebhook(
  deps: Deps & { webhook: Pick<WebhookPort, 'checkTarget'> },
  actor: Actor,
  id: number,
): Promise<WebhookEndpointRow> {
  const w = await ownWebhook(deps, actor, id);
  if (!w.disabledAt) return w;
  await deps.webhook.checkTarget(w.url);
  const at = deps.clock.now().toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.webhooks.enable(id);
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'webhook.enable',
      entity: 'webhook',
      entityId: String(id),
      before: { ...w, secret: '(hidden)' },
      after: { ...w, secret: '(hidden)', disabledAt: null },
    });
  });
  return { ...w, disabledAt: null };
}

/** A new signing secret, returned once; the old one signs nothing from now on. */
export async function rotateWebhookSecret(deps: Deps, actor: Actor, id: number): Promise<WebhookEndpointRow> {
  const w = await ownWebhook(deps, actor, id);
  const secret = newWebhookSecret();
  const at = deps.clock.now().toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.webhooks.setSecret(id, secret);
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'webhook.rotate-secret',
      entity: 'webhook',
      entityId: String(id),
      before: { secret: `(hidden …${w.secret.slice(-4)})` },
      after: { secret: `(hidden …${secret.slice(-4)})` },
    });
  });
  return { ...w, secret };
}

/** What one test event met at the endpoint. */
export interface WebhookTestResult {
  messageId: string;
  /** a 2xx answer */
  delivered: boolean;
  /** the HTTP status, null when there was no answer */
  status: number | null;
  durationMs: number;
  /** `webhook answered HTTP <status>` or `webhook endpoint not reachable`; null when delivered */
  error: string | null;
}

export const WEBHOOK_TEST_EVENT = 'webhook.test';

/**
 * Sends a signed `webhook.test` event to the endpoint now (enabled or not), through the same
 * address checks as every push: the URL is checked first (`400 OSW_PUSH_WEBHOOK_URL`), then the
 * POST connects only to the addresses it checked. Not a push: it is not retried and not in the
 * push log; the audit log keeps it.
 */
export async function sendWebhookTestEvent(
  deps: Deps & { webhook: WebhookPort; logger: PlatformDeps['logger'] },
  actor: Actor,
  id: number,
  timeoutMs: number,
): Promise<WebhookTestResult> {
  const w = await ownWebhook(deps, actor, id);
  await deps.webhook.checkTarget(w.url);
  const now = deps.clock.now();
  const messageId = newWebhookTestId();
  const body = JSON.stringify({
    type: WEBHOOK_TEST_EVENT,
    messageId,
    timestamp: now.toISOString(),
    data: { webhookId: w.id, subscriptionKind: w.subscriptionKind, subscriptionId: w.subscriptionId, account: actor.account },
  });
  const started = Date.now();
  let result: WebhookTestResult;
  try {
    const res = await deps.webhook.post(w.url, webhookHeaders(w.secret, messageId, now, body), body, timeoutMs);
    const ok = res.status >= 200 && res.status <= 299;
    result = {
      messageId,
      delivered: ok,
      status: res.status,
      durationMs: Date.now() - started,
      error: ok ? null : `webhook answered HTTP ${res.status}`,
    };
  } catch (err) {
    // as in the push log: what the network said stays in the platform's log
    deps.logger.info({ target: `webhook:${w.id}`, msgId: messageId, err }, 'webhook test POST failed');
    result = { messageId, delivered: false, status: null, durationMs: Date.now() - started, error: WEBHOOK_UNREACHABLE };
  }
  await recordAudit(deps.store, actor, now.toISOString(), {
    cardNo: null,
    action: 'webhook.test',
    entity: 'webhook',
    entityId: String(id),
    before: null,
    after: { ...result },
  });
  return result;
}
