/** SMS verification codes (for 报关状态订阅 by SMS) and the embedded provider's outbox. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SmsOutboxView, VerificationCodeSentView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import { requestVerificationCode, type SmsSender } from '../../core/sms/verification-codes.js';
import { bearer, errorResponses, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

export async function smsRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps; sms: SmsSender }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps, sms } = opts;
  requireSession(app, deps);
  const tags = ['sms'];
  app.post(
    '/api/v1/sms/verification-codes',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'send a 6-digit verification code to a phone (valid 5 minutes; once a minute, five an hour per phone)',
        body: z.object({ phone: z.string().min(1).max(20) }),
        response: { 201: VerificationCodeSentView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      return reply.status(201).send(await requestVerificationCode({ ...deps, sms }, actor, req.body.phone));
    },
  );
  app.get(
    '/api/v1/sms/outbox',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'SMS the embedded provider wrote for your enterprise (empty with an SMS gateway)',
        querystring: ListParams,
        response: { 200: listOf(SmsOutboxView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const r = await deps.store.sms.listOutbox(actor.enterpriseCode, listQuery(req.query));
      return { items: r.rows.map(({ enterpriseCode: _e, ...rest }) => rest), total: r.total };
    },
  );
}
