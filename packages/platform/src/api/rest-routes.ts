/** The REST API for operators: `/api/v1/…`. Every call but login is authorised to one enterprise. */
import { OswError } from '@osw/messages';
import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { LoginBody } from '@osw/messages/forms';
import { z } from 'zod';
import { DeclarationDetailView, DeclarationView, HealthView, LoggedOutView, SessionView } from '../contract/index.js';
import { FailedAttempts } from '../core/identity/attempts.js';
import { login, revokeSession } from '../core/identity/registry.js';
import type { WebhookPort } from '../core/push/ports.js';
import type { PlatformDeps } from '../core/ports.js';
import type { SmsSender } from '../core/sms/verification-codes.js';
import { auditRoutes } from './routes/audit.js';
import { cardRoutes } from './routes/cards.js';
import { clientRoutes } from './routes/clients.js';
import { bearer, errorResponses, ListParams, listOf, sessionActor } from './routes/common.js';
import { smsRoutes } from './routes/sms.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { feedRoutes } from './routes/feed.js';
import { pushRoutes } from './routes/pushes.js';
import { operatorRoutes } from './routes/operators.js';
import { regionChangeRoutes } from './routes/region-changes.js';
import { sandboxRoutes } from './routes/sandbox.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { alertRoutes } from './routes/alerts.js';
import type { AlertEvaluator } from '../core/alerts/alerts.js';
import { eventRoutes } from './routes/events.js';

export interface RestOptions {
  deps: PlatformDeps;
  /** the platform's public base URL (`https://sw.example.com`); derived from each request when absent */
  publicUrl?: string;
  /** the SMS provider (the embedded outbox, or an SMS gateway) */
  sms: SmsSender;
  /** a failed login is answered after failures × this (capped at 2 s): brute force is slowed, then refused per address */
  failedLoginDelayMs?: number;
  /** checks webhook URLs at registration, sends test events */
  webhook: WebhookPort;
  /** how long a test event waits for the endpoint (push.webhookTimeoutMs) */
  webhookTimeoutMs?: number;
  /** whether `GET /api/v1/sms/outbox` exists; default: with the embedded SMS provider only */
  smsOutbox?: boolean;
  /** alerts: the evaluator (conditions holding now) and whether mail is available; absent: no alert routes */
  alerts?: { evaluator: AlertEvaluator; mail: boolean };
}

/** what a login may send: `POST /api/v1/session` reads no more (413 before parsing) */
const SESSION_BODY_LIMIT = 16 * 1024;

const FAILED_LOGIN_DELAY_CAP_MS = 2000;

export async function restRoutes(appRoot: FastifyInstance, opts: RestOptions): Promise<void> {
  const { deps } = opts;
  appRoot.setValidatorCompiler(validatorCompiler);
  appRoot.setSerializerCompiler(serializerCompiler);
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const delayMs = opts.failedLoginDelayMs ?? 100;
  // wrong passwords per (account, address) and per address, in this process
  const attempts = new FailedAttempts(deps.clock);

  // ---- REST API (operators) ----
  app.get('/api/v1/health', { schema: { tags: ['session'], summary: 'liveness', response: { 200: HealthView } } }, async () => ({
    status: 'ok' as const,
  }));

  app.post(
    '/api/v1/session',
    {
      bodyLimit: SESSION_BODY_LIMIT,
      schema: {
        tags: ['session'],
        summary: 'log in: answers a bearer token for Authorization: Bearer <token>',
        description:
          'A wrong password or an unknown account: 401 OSW_AUTH_FAILED, the same answer for both, slower after each failure. ' +
          'Five failures for one account from one address within 15 minutes, or thirty from one address: 429 OSW_AUTH_RATE_LIMITED with Retry-After, for that address only.',
        body: LoginBody,
        response: { 200: SessionView, ...errorResponses },
      },
    },
    async (req) => {
      const { account, password } = req.body;
      try {
        const { token, session, role } = await login(deps, account, password, { address: req.ip, attempts });
        return { token, account: session.account, enterpriseCode: session.enterpriseCode, expiresAt: session.expiresAt, role };
      } catch (err) {
        const failures = err instanceof OswError ? Number(err.details?.failures ?? 0) : 0;
        if (failures > 0 && delayMs > 0) await new Promise((r) => setTimeout(r, Math.min(FAILED_LOGIN_DELAY_CAP_MS, failures * delayMs)));
        throw err;
      }
    },
  );

  app.delete(
    '/api/v1/session',
    {
      schema: {
        tags: ['session'],
        security: bearer,
        summary: 'log out: the token is revoked and refused from now on',
        response: { 204: LoggedOutView, ...errorResponses },
      },
    },
    async (req, reply) => {
      await sessionActor(deps, req);
      const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')![1].trim();
      await revokeSession(deps, token);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/declarations',
    {
      schema: {
        tags: ['declarations'],
        security: bearer,
        summary: 'declarations your enterprise sent or is named in (收发货人/消费使用单位), newest first',
        querystring: ListParams.pick({ page: true, pageSize: true }),
        response: { 200: listOf(DeclarationView), ...errorResponses },
      },
    },
    async (req) => {
      const s = await sessionActor(deps, req);
      const { page, pageSize } = req.query;
      const rows = await deps.store.declarations.listFor(s.enterpriseCode, 10_000);
      return { items: rows.slice((page - 1) * pageSize, page * pageSize).map(({ xml: _xml, ...rest }) => rest), total: rows.length };
    },
  );

  app.get(
    '/api/v1/declarations/:seqNo',
    {
      schema: {
        tags: ['declarations'],
        security: bearer,
        summary: 'one declaration with its receipts',
        params: z.object({ seqNo: z.string().max(32) }),
        response: { 200: DeclarationDetailView, ...errorResponses },
      },
    },
    async (req) => {
      const s = await sessionActor(deps, req);
      const d = await deps.store.declarations.get(req.params.seqNo);
      const visible = d && [d.senderEnterprise, d.tradeCode, d.ownerCode].includes(s.enterpriseCode);
      if (!d || !visible) throw new OswError('OSW_NOT_FOUND', `declaration ${req.params.seqNo} not found`);
      const receipts = await deps.store.declarations.listReceipts(d.seqNo);
      return { ...d, receipts };
    },
  );

  await app.register(clientRoutes, { deps, publicUrl: opts.publicUrl });
  await app.register(subscriptionRoutes, { deps });
  await app.register(smsRoutes, { deps, sms: opts.sms, outbox: opts.smsOutbox ?? opts.sms.name === 'outbox' });
  await app.register(auditRoutes, { deps });
  await app.register(cardRoutes, { deps });
  await app.register(pushRoutes, { deps, webhook: opts.webhook, webhookTimeoutMs: opts.webhookTimeoutMs });
  for (const routes of [feedRoutes, sandboxRoutes]) await app.register(routes, { deps });
  await app.register(deadLetterRoutes, { deps });
  await app.register(operatorRoutes, { deps });
  await app.register(regionChangeRoutes, { deps });
  if (opts.alerts) await app.register(alertRoutes, { deps, ...opts.alerts });
  await app.register(eventRoutes, { deps });
}
