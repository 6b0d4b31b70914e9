/** The REST API for operators: `/api/v1/…`. Every call but login is authorised to one enterprise. */
import { OswError } from '@osw/messages';
import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { LoginBody } from '@osw/messages/forms';
import { z } from 'zod';
import { DeclarationDetailView, DeclarationView, HealthView, SessionView } from '../contract/index.js';
import { login } from '../core/identity/registry.js';
import type { PlatformDeps } from '../core/ports.js';
import type { SmsSender } from '../core/sms/verification-codes.js';
import { auditRoutes } from './routes/audit.js';
import { clientRoutes } from './routes/clients.js';
import { bearer, errorResponses, ListParams, listOf, sessionActor } from './routes/common.js';
import { smsRoutes } from './routes/sms.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { feedRoutes } from './routes/feed.js';
import { pushRoutes } from './routes/pushes.js';
import { sandboxRoutes } from './routes/sandbox.js';
import { deadLetterRoutes } from './routes/dead-letters.js';

export interface RestOptions {
  deps: PlatformDeps;
  /** the platform's public base URL (`https://sw.example.com`); derived from each request when absent */
  publicUrl?: string;
  /** the SMS provider (the embedded outbox, or an SMS gateway) */
  sms: SmsSender;
  /** a failed login is answered after failures × this (capped at 2 s): brute force is slowed, then locked */
  failedLoginDelayMs?: number;
}

const FAILED_LOGIN_DELAY_CAP_MS = 2000;

export async function restRoutes(appRoot: FastifyInstance, opts: RestOptions): Promise<void> {
  const { deps } = opts;
  appRoot.setValidatorCompiler(validatorCompiler);
  appRoot.setSerializerCompiler(serializerCompiler);
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const delayMs = opts.failedLoginDelayMs ?? 100;

  // ---- REST API (operators) ----
  app.get('/api/v1/health', { schema: { tags: ['session'], summary: 'liveness', response: { 200: HealthView } } }, async () => ({
    status: 'ok' as const,
  }));

  app.post(
    '/api/v1/session',
    {
      schema: {
        tags: ['session'],
        summary: 'log in: answers a bearer token for Authorization: Bearer <token>',
        description: 'Each wrong password slows the next answer; five lock the account for 15 minutes (OSW_AUTH_LOCKED).',
        body: LoginBody,
        response: { 200: SessionView, ...errorResponses },
      },
    },
    async (req) => {
      const { account, password } = req.body;
      try {
        const { token, session } = await login(deps, account, password);
        return { token, account: session.account, enterpriseCode: session.enterpriseCode, expiresAt: session.expiresAt };
      } catch (err) {
        const failures = err instanceof OswError ? Number(err.details?.failures ?? 0) : 0;
        if (failures > 0 && delayMs > 0) await new Promise((r) => setTimeout(r, Math.min(FAILED_LOGIN_DELAY_CAP_MS, failures * delayMs)));
        throw err;
      }
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
  await app.register(smsRoutes, { deps, sms: opts.sms });
  await app.register(auditRoutes, { deps });
  for (const routes of [pushRoutes, feedRoutes, sandboxRoutes]) await app.register(routes, { deps });
  await app.register(deadLetterRoutes, { deps });
}
