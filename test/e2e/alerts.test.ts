/**
 * Alerts end to end in the demo: the importer chooses console, mail and webhook for "client
 * offline"; its import client is stopped; the platform's periodic round tells of it once — a
 * console notification, a real mail received by a local SMTP server (smtp-server), a signed webhook
 * event — while the broker's client, still running, is not alerted on.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../packages/platform/src/core/push/webhook-signature.js';
import { startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { tempDir, waitFor } from '../helpers.js';
import { mailText, smtpReceiver } from '../support/smtp-receiver.js';
import { webhookReceiver } from '../support/webhook-receiver.js';

const SMTP_PASSWORD = 'e2e-smtp-password-never-logged';

describe('alerts in the demo', () => {
  let t: ReturnType<typeof tempDir>;
  let demo: RunningDemo;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  let rx: Awaited<ReturnType<typeof webhookReceiver>>;
  const logged: string[] = [];

  beforeAll(async () => {
    t = tempDir('osw-alerts-');
    smtp = await smtpReceiver({ user: 'osw-alerts', password: SMTP_PASSWORD });
    rx = await webhookReceiver();
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logged.push(String(chunk));
        cb();
      },
    });
    demo = await startDemo({
      home: t.dir,
      port: 0,
      paceMs: 0,
      logger: pino({ level: 'info' }, sink),
      stableMs: 100,
      rescanMs: 100,
      webhookAllowPrivate: ['127.0.0.1/32'],
      alerts: {
        tickMs: 500,
        // an HTTP client long-polls for up to 30 s between two requests: 45 s without one is offline
        offlineAfterMinutes: 0.75,
        smtp: { host: smtp.host, port: smtp.port, user: 'osw-alerts', password: SMTP_PASSWORD, from: 'alerts@osw.example' },
      },
    });
  });
  afterAll(async () => {
    await demo?.close();
    await smtp?.close();
    await rx?.close();
    t?.cleanup();
  });

  it('a stopped client is told once: console notification, a real mail and a signed webhook event', async () => {
    const base = `${demo.platform.url}/api/v1`;
    const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const acct = demo.contract.accounts.find((a) => a.enterpriseCode === owner.enterpriseCode)!;
    const legal = demo.contract.cards.find((k) => k.enterpriseCode === owner.enterpriseCode && k.kind === 'legal')!;
    const login = await (
      await fetch(`${base}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account: acct.account, password: acct.password }),
      })
    ).json();
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${login.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await res.json();
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const sub = await api('POST', '/subscriptions/declaration', {
      clientId: owner.clientId,
      declarationData: true,
      receiptTypes: ['放行'],
      card: { cardNo: legal.cardNo, pin: legal.pin },
    });
    const hook = await api('POST', '/webhooks', { subscriptionKind: 'declaration', subscriptionId: sub.id, url: rx.url });
    const settings = await api('GET', '/alerts/settings');
    expect(settings.mailAvailable).toBe(true);
    await api('PUT', '/alerts/settings/client_offline', {
      channels: ['console', 'mail', 'webhook'],
      emails: ['ops@importer.example'],
      webhookIds: [hook.id],
    });
    // both clients have talked to the platform
    await waitFor(async () => {
      const clients = await api('GET', '/clients');
      return clients.items.every((c: { live: { lastSeenAt: string | null } }) => c.live.lastSeenAt) || null;
    }, 'both clients seen');

    const ownerClient = demo.clients.find((c) => c.clientId === owner.clientId)!;
    await ownerClient.stop();
    const stoppedAt = Date.now();

    const list = await waitFor(
      async () => {
        const r = await api('GET', '/alerts');
        return r.items.some((a: { kind: string }) => a.kind === 'client_offline') ? r : null;
      },
      'the console notification',
      120_000,
    );
    expect(Date.now() - stoppedAt).toBeGreaterThan(10_000);
    const alert = list.items.find((a: { kind: string }) => a.kind === 'client_offline');
    expect(alert).toMatchObject({ subject: owner.clientId, detail: { clientId: owner.clientId }, readAt: null, clearedAt: null });
    expect(alert.text.zh).toContain(`客户端${owner.clientId}已离线超过0.75分钟`);
    expect(list.unread).toBeGreaterThanOrEqual(1);

    await waitFor(() => smtp.got.length >= 1 && rx.got.length >= 1, 'the mail and the webhook event', 30_000);
    expect(smtp.got[0]).toMatchObject({ from: 'alerts@osw.example', to: ['ops@importer.example'], user: 'osw-alerts' });
    expect(mailText(smtp.got[0].data)).toContain(`client ${owner.clientId} has been offline`);
    const event = JSON.parse(rx.got[0].body);
    expect(event).toMatchObject({ type: 'alert.fired', data: { kind: 'client_offline', subject: owner.clientId } });
    expect(verifyWebhook(hook.secret, rx.got[0].headers, rx.got[0].body, new Date())).toBe(true);

    // a few more rounds: told once only; the broker's running client is not offline
    await new Promise((r) => setTimeout(r, 2000));
    expect(smtp.got).toHaveLength(1);
    expect(rx.got).toHaveLength(1);
    const all = (await api('GET', '/alerts')).items.filter((a: { kind: string }) => a.kind === 'client_offline');
    expect(all).toHaveLength(1);
    const brokerAcct = demo.contract.accounts.find((a) => a.enterpriseCode === broker.enterpriseCode)!;
    const brokerLogin = await (
      await fetch(`${base}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account: brokerAcct.account, password: brokerAcct.password }),
      })
    ).json();
    const brokerAlerts = await (await fetch(`${base}/alerts`, { headers: { authorization: `Bearer ${brokerLogin.token}` } })).json();
    expect(brokerAlerts.items.filter((a: { kind: string }) => a.kind === 'client_offline')).toEqual([]);

    // marked read in the console's list
    expect(await api('POST', '/alerts/read', { ids: [alert.id] })).toMatchObject({ changed: 1 });
    // the SMTP password appears nowhere in the platform's log
    expect(logged.join('')).toContain('alert mail handed to SMTP');
    expect(logged.join('')).not.toContain(SMTP_PASSWORD);
  }, 180_000);
});
