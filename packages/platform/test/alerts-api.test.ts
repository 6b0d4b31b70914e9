/**
 * Alerts through the REST API with a test clock: expiry reminders 30/7/1 days before (once each,
 * again after the condition cleared), an offline client told on every channel (console, the SMS
 * outbox, a real mail to a local SMTP server, a signed webhook event), and each refusal of the settings.
 */
import pino from 'pino';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SmtpAlertMailer } from '../src/adapters/mail/smtp.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { AlertEvaluator, DEFAULT_ALERT_POLICY } from '../src/core/alerts/alerts.js';
import type { BrokerAccounts, DeadLetter, PlatformDeps } from '../src/core/ports.js';
import { verifyWebhook } from '../src/core/push/webhook-signature.js';
import { chinaDay } from '@osw/messages';
import { apiWorld, type ApiWorld } from './api-world.js';
import { LOCAL_WEBHOOKS } from './push-world.js';
import { webhookReceiver } from '../../../test/support/webhook-receiver.js';
import { mailText, smtpReceiver } from '../../../test/support/smtp-receiver.js';

const DAY = 24 * 3600_000;
const SMTP_PASSWORD = 'smtp-secret-do-not-log';

let w: ApiWorld;
let evaluator: AlertEvaluator;
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await w?.close();
});

/** The lines the platform logged, to look for secrets in. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

async function world(
  opts: {
    smtp?: Awaited<ReturnType<typeof smtpReceiver>>;
    logger?: PlatformDeps['logger'];
    deadLetters?: DeadLetter[];
    /** RabbitMQ connections per client, as the management API would count them */
    brokerConnections?: Map<string, number>;
  } = {},
) {
  w = await apiWorld({
    webhook: LOCAL_WEBHOOKS,
    alertsFor: (deps) => {
      const logger = opts.logger ?? deps.logger;
      const mail = opts.smtp
        ? new SmtpAlertMailer(
            {
              host: opts.smtp.host,
              port: opts.smtp.port,
              secure: false,
              requireTls: false,
              user: 'alerts',
              password: SMTP_PASSWORD,
              from: 'osw@example.com',
              timeoutMs: 5000,
              allowSelfSigned: false,
            },
            logger,
          )
        : undefined;
      if (mail) closers.push(() => mail.close());
      const deadLetters = opts.deadLetters;
      evaluator = new AlertEvaluator(
        {
          ...deps,
          logger,
          ...(deadLetters ? { deadLetters: { deadLetters: async () => [...deadLetters] } } : {}),
          ...(opts.brokerConnections ? { broker: fakeBroker(opts.brokerConnections) } : {}),
        },
        { sms: new OutboxSmsSender(deps), webhook: LOCAL_WEBHOOKS, mail },
        { ...DEFAULT_ALERT_POLICY, offlineAfterMinutes: 30 },
      );
      return { evaluator, mail: !!mail };
    },
  });
  return w;
}

/** put into the connections: the management API does not answer */
const BROKER_DOWN = '(down)';

function fakeBroker(connections: Map<string, number>): BrokerAccounts {
  return {
    provisionClient: async () => undefined,
    blockClient: async () => undefined,
    connectionCounts: async (ids) => {
      if (connections.has(BROKER_DOWN)) throw new Error('management API unreachable');
      return new Map(ids.map((id) => [id, connections.get(id) ?? 0]));
    },
  };
}

const day = (ms: number) => chinaDay(new Date(w.now().getTime() + ms));

describe('alerts', () => {
  it('reminds of a subscription 30, 7 and 1 days before its end, once each, and again after it was extended; keeps cleared ones 90 days', async () => {
    await world();
    const s = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      receiptTypes: ['放行'],
      validUntil: day(40 * DAY),
      card: w.legal(w.owner),
    });
    expect(s.status).toBe(201);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    const subjects = async () =>
      (await w.call(w.owner, 'GET', '/api/v1/alerts')).body.items.map((a: { subject: string; clearedAt: string | null }) => [
        a.subject,
        !!a.clearedAt,
      ]);

    w.advance(11 * DAY); // 29 days and a bit left
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 0 });
    // every later round while it stays within 30 days: nothing new
    w.advance(60_000);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    const list = await w.call(w.owner, 'GET', '/api/v1/alerts');
    expect(list.body).toMatchObject({ total: 1, unread: 1 });
    expect(list.body.items[0]).toMatchObject({
      kind: 'subscription_expiring',
      subject: `declaration:${s.body.id}@30`,
      detail: { subscriptionKind: 'declaration', subscriptionId: s.body.id, validUntil: s.body.validUntil, threshold: 30 },
      clearedAt: null,
      readAt: null,
    });
    expect(list.body.items[0].text.zh).toContain(`报关单数据订阅[${s.body.id}]将于${s.body.validUntil} 23:59:59到期`);
    // the other enterprise sees nothing of it
    expect((await w.call(w.broker, 'GET', '/api/v1/alerts')).body).toMatchObject({ total: 0, unread: 0 });

    w.advance(23 * DAY); // 6 days left: the 7-day reminder; the 30-day one is over
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 1 });
    w.advance(6 * DAY); // under a day left
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 1 });
    expect(await subjects()).toEqual([
      [`declaration:${s.body.id}@1`, false],
      [`declaration:${s.body.id}@7`, true],
      [`declaration:${s.body.id}@30`, true],
    ]);
    const current = await w.call(w.owner, 'GET', '/api/v1/alerts/current?kind=subscription_expiring');
    expect(current.body.items).toMatchObject([{ subject: `declaration:${s.body.id}@1`, detail: { daysLeft: 1 } }]);

    // extended by a year: the reminder clears; it comes back 30 days before the new end
    const extended = await w.call(w.owner, 'POST', `/api/v1/subscriptions/declaration/${s.body.id}/extend`, {
      validUntil: day(300 * DAY),
      card: w.legal(w.owner),
    });
    expect(extended.status).toBe(200);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 1 });
    w.advance(275 * DAY);
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 0 });
    expect((await subjects())[0]).toEqual([`declaration:${s.body.id}@30`, false]);
    // the three earlier reminders cleared more than 90 days ago: dropped (alerts.retentionDays)
    expect(await subjects()).toEqual([[`declaration:${s.body.id}@30`, false]]);
  });

  it('reminds of an IC card about to expire; a card without an expiry is never reminded of', async () => {
    await world();
    await w.opened.db
      .updateTable('cards')
      .set({ validUntil: new Date(w.now().getTime() + 20 * DAY).toISOString() })
      .where('cardNo', '=', w.owner.legalCard)
      .execute();
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 0 });
    w.advance(14 * DAY);
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 1 });
    const items = (await w.call(w.owner, 'GET', '/api/v1/alerts')).body.items;
    expect(items.map((a: { subject: string }) => a.subject)).toEqual([`${w.owner.legalCard}@7`, `${w.owner.legalCard}@30`]);
    expect(items[0].text.en).toContain(`IC card ${w.owner.legalCard} expires at`);
    expect(items[0].detail.daysLeft).toBe(6);
  });

  it('tells of an offline client once, on the console, by SMS, by a real mail and a signed webhook event; back online clears it and it may fire again', async () => {
    const smtp = await smtpReceiver({ user: 'alerts', password: SMTP_PASSWORD });
    closers.push(smtp.close);
    const rx = await webhookReceiver();
    closers.push(rx.close);
    const { logger, lines } = capturingLogger();
    await world({ smtp, logger });
    const sub = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      receiptTypes: ['放行'],
      card: w.legal(w.owner),
    });
    const hook = await w.call(w.owner, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'declaration',
      subscriptionId: sub.body.id,
      url: rx.url,
    });
    expect(hook.status).toBe(201);
    const saved = await w.call(w.owner, 'PUT', '/api/v1/alerts/settings/client_offline', {
      channels: ['console', 'sms', 'mail', 'webhook'],
      phones: ['13800138000'],
      emails: ['ops@example.com'],
      webhookIds: [hook.body.id],
    });
    expect(saved.status).toBe(200);
    await w.deps.store.clients.touchSeen(w.owner.clientId, w.now().toISOString(), w.now().toISOString());
    w.advance(29 * 60_000);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    w.advance(2 * 60_000);
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 0 });
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });

    const [alert] = (await w.call(w.owner, 'GET', '/api/v1/alerts')).body.items;
    expect(alert).toMatchObject({
      kind: 'client_offline',
      subject: w.owner.clientId,
      deliveries: { sms: 'sent', mail: 'sent', webhook: 'sent' },
    });
    // SMS: the embedded provider's outbox
    const sms = await w.call(w.owner, 'GET', '/api/v1/sms/outbox');
    expect(sms.body.items[0].text).toContain(`客户端${w.owner.clientId}已离线超过30分钟`);
    // mail: received by the SMTP server, logged in with the configured user
    expect(smtp.got).toHaveLength(1);
    expect(smtp.got[0]).toMatchObject({ from: 'osw@example.com', to: ['ops@example.com'], user: 'alerts' });
    expect(mailText(smtp.got[0].data)).toContain(`client ${w.owner.clientId} has been offline for more than 30 minutes`);
    // webhook: a signed alert.fired event the receiver verifies with the endpoint's secret
    expect(rx.got).toHaveLength(1);
    const event = JSON.parse(rx.got[0].body);
    expect(event).toMatchObject({
      type: 'alert.fired',
      messageId: `alert_${alert.id}`,
      data: { kind: 'client_offline', subject: w.owner.clientId },
    });
    expect(verifyWebhook(hook.body.secret, rx.got[0].headers, rx.got[0].body, w.now())).toBe(true);
    // the SMTP password never reaches the log
    expect(lines.join('')).not.toContain(SMTP_PASSWORD);
    expect(lines.join('')).toContain('alert mail handed to SMTP');

    // back: cleared; offline again for 30 minutes: a new occurrence, told again
    await w.deps.store.clients.touchSeen(w.owner.clientId, w.now().toISOString(), w.now().toISOString());
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 1 });
    w.advance(31 * 60_000);
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 0 });
    expect(smtp.got).toHaveLength(2);
    expect(rx.got).toHaveLength(2);

    // mark read: one, then all
    const list = (await w.call(w.owner, 'GET', '/api/v1/alerts')).body;
    expect(list.unread).toBe(2);
    expect((await w.call(w.owner, 'POST', '/api/v1/alerts/read', { ids: [list.items[0].id] })).body).toEqual({ changed: 1, unread: 1 });
    expect((await w.call(w.owner, 'GET', '/api/v1/alerts?unread=true')).body.items.map((a: { id: number }) => a.id)).toEqual([
      list.items[1].id,
    ]);
    // another enterprise cannot mark them
    expect((await w.call(w.broker, 'POST', '/api/v1/alerts/read', { ids: [list.items[1].id] })).body).toEqual({ changed: 0, unread: 0 });
    expect((await w.call(w.owner, 'POST', '/api/v1/alerts/read', { all: true })).body).toEqual({ changed: 1, unread: 0 });
  });

  it('reads each condition once per round however many clients there are, and fires for all of them at once', async () => {
    const deadLetters: DeadLetter[] = [];
    await world({ deadLetters });
    const seen = new Date(w.now().getTime() - 3600_000).toISOString();
    const many = Array.from({ length: 40 }, (_, i) => `DXPESW53009${String(i).padStart(5, '0')}`);
    for (const clientId of many)
      await w.deps.store.clients.insert({
        clientId,
        enterpriseCode: w.broker.code,
        region: '5300',
        version: '2.0',
        transport: 'http',
        environment: 'test',
        secretHash: 'x',
        status: 'active',
        deviceFingerprint: null,
        createdAt: seen,
        lastSeenAt: seen,
      });
    // one of the owner's clients suspended, one with dead letters
    await w.deps.store.pushes.upsertTarget({
      targetKey: `client:${w.owner.clientId}`,
      consecutiveFailures: 10,
      suspendedAt: w.now().toISOString(),
      probeAt: null,
      lastError: 'offline',
      updatedAt: w.now().toISOString(),
    });
    deadLetters.push(
      { clientId: w.owner.clientId, queue: `Q_Recv${w.owner.clientId}`, messageId: 'm1', fileName: null, reason: 'rejected', count: 1 },
      { clientId: w.owner.clientId, queue: `Q_Recv${w.owner.clientId}`, messageId: 'm2', fileName: null, reason: 'rejected', count: 1 },
      { clientId: 'DXPESW0000000000', queue: 'Q_RecvDXPESW0000000000', messageId: 'm3', fileName: null, reason: 'rejected', count: 1 },
    );
    const store = w.deps.store.alerts;
    const spies = (
      ['offlineCandidates', 'suspendedClients', 'expiringSubscriptions', 'expiringCards', 'clientOwners', 'open', 'settings'] as const
    ).map((m) => [m, vi.spyOn(store, m)] as const);
    expect(await evaluator.runRound()).toEqual({ fired: 42, cleared: 0 });
    for (const [m, spy] of spies) expect(spy, m).toHaveBeenCalledTimes(1);
    const owner = (await w.call(w.owner, 'GET', '/api/v1/alerts')).body.items;
    expect(owner.map((a: { kind: string; detail: Record<string, unknown> }) => [a.kind, a.detail.count ?? null]).sort()).toEqual([
      ['client_suspended', null],
      ['dead_letters', 2],
    ]);
    expect((await w.call(w.broker, 'GET', '/api/v1/alerts')).body.total).toBe(40);

    // the dead letters are gone and the client resumed: both clear
    deadLetters.splice(0);
    await w.deps.store.pushes.upsertTarget({
      targetKey: `client:${w.owner.clientId}`,
      consecutiveFailures: 0,
      suspendedAt: null,
      probeAt: null,
      lastError: null,
      updatedAt: w.now().toISOString(),
    });
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 2 });
  });

  it('judges a RabbitMQ client by its broker connections: offline after the period without one, back when it connects', async () => {
    const connections = new Map<string, number>();
    await world({ brokerConnections: connections });
    const clientId = 'DXPESW5300777777';
    await w.deps.store.clients.insert({
      clientId,
      enterpriseCode: w.owner.code,
      region: '5300',
      version: '2.0',
      transport: 'amqp',
      environment: 'test',
      secretHash: 'x',
      status: 'active',
      deviceFingerprint: null,
      createdAt: w.now().toISOString(),
    });
    connections.set(clientId, 1);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    connections.set(clientId, 0);
    // the first round without a connection starts the count
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    w.advance(29 * 60_000);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    w.advance(2 * 60_000);
    expect(await evaluator.runRound()).toEqual({ fired: 1, cleared: 0 });
    const [a] = (await w.call(w.owner, 'GET', '/api/v1/alerts')).body.items;
    expect(a).toMatchObject({ kind: 'client_offline', subject: clientId, detail: { lastSeenAt: null } });
    // the management API stops answering: nothing can be told, the alert stays open (no clear, no second firing)
    connections.set(BROKER_DOWN, 1);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    connections.delete(BROKER_DOWN);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 0 });
    connections.set(clientId, 2);
    expect(await evaluator.runRound()).toEqual({ fired: 0, cleared: 1 });
  });

  it('refuses settings the channels cannot reach, webhooks of another enterprise, and callers without a session', async () => {
    await world();
    const put = (body: unknown, party = w.owner, kind = 'client_offline') => w.call(party, 'PUT', `/api/v1/alerts/settings/${kind}`, body);
    const settings = await w.call(w.owner, 'GET', '/api/v1/alerts/settings');
    expect(settings.body).toMatchObject({ mailAvailable: false, offlineAfterMinutes: 30, subscriptionExpiryDays: [30, 7, 1] });
    expect(settings.body.items).toHaveLength(5);
    expect(settings.body.items[0]).toEqual({
      kind: 'client_offline',
      channels: ['console'],
      phones: [],
      emails: [],
      webhookIds: [],
      updatedAt: null,
    });

    const refusal = async (body: unknown, status: number, code: string, party = w.owner, kind?: string) => {
      const r = await put(body, party, kind);
      expect([r.status, r.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
    };
    await refusal({ channels: ['sms'] }, 400, 'OSW_ALERT_SETTING_INVALID');
    await refusal({ channels: ['sms'], phones: ['12345'] }, 400, 'OSW_ALERT_SETTING_INVALID');
    await refusal({ channels: ['console'], emails: ['not-an-address'] }, 400, 'OSW_ALERT_SETTING_INVALID');
    await refusal({ channels: ['mail'], emails: ['ops@example.com'] }, 400, 'OSW_ALERT_SETTING_INVALID'); // no alerts.smtp here
    await refusal({ channels: ['webhook'] }, 400, 'OSW_ALERT_SETTING_INVALID');
    await refusal({ channels: ['carrier-pigeon'] }, 400, 'OSW_VALIDATION');
    await refusal({ channels: ['console'] }, 400, 'OSW_VALIDATION', w.owner, 'weather');
    await refusal({ channels: ['console'] }, 401, 'OSW_AUTH_REQUIRED', null as never);
    expect((await w.call(null, 'GET', '/api/v1/alerts')).status).toBe(401);
    expect((await w.call(null, 'POST', '/api/v1/alerts/read', { all: true })).status).toBe(401);
    expect((await w.call(w.owner, 'POST', '/api/v1/alerts/read', {})).body.error.code).toBe('OSW_VALIDATION');

    // the broker's webhook is not the owner's to choose
    const sub = await w.call(w.broker, 'POST', '/api/v1/subscriptions/receipt', {
      pushMethod: 'client',
      mode: 'enterprise',
      clientId: w.broker.clientId,
      operatorCardNo: w.broker.operatorCard,
    });
    expect(sub.status).toBe(201);
    const hook = await w.call(w.broker, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'receipt',
      subscriptionId: sub.body.id,
      url: 'http://127.0.0.1:9/hook',
    });
    expect(hook.status).toBe(201);
    await refusal({ channels: ['webhook'], webhookIds: [hook.body.id] }, 404, 'OSW_NOT_FOUND');
    expect((await put({ channels: ['webhook'], webhookIds: [hook.body.id] }, w.broker)).status).toBe(200);

    const ok = await put({ channels: ['console', 'sms'], phones: ['13800138000'] });
    expect(ok.body).toMatchObject({ kind: 'client_offline', channels: ['console', 'sms'], phones: ['13800138000'] });
    const after = await w.call(w.owner, 'GET', '/api/v1/alerts/settings');
    expect(after.body.items[0]).toMatchObject({ channels: ['console', 'sms'], phones: ['13800138000'] });
    const audit = await w.call(w.owner, 'GET', '/api/v1/audit');
    expect(audit.body.items[0]).toMatchObject({ action: 'alert-setting.save', entityId: 'client_offline' });
  });
});
