/** SMS verification codes (for 报关状态订阅 by SMS) and the embedded provider's outbox. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SmsOutboxView, VerificationCodeSentView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import { maskPhone, maskCodes, requestVerificationCode, type SmsSender } from '../../core/sms/verification-codes.js';
import { bearer, errorResponses, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

export async function smsRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps; sms: SmsSender; outbox: boolean }): Promise<void> {
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
  // the embedded provider's outbox is the sandbox's stand-in for a phone: with an SMS gateway there is no such route
  if (!opts.outbox) return;
  app.get(
    '/api/v1/sms/outbox',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'SMS the embedded provider (sandbox) wrote for your enterprise: phones and verification codes masked',
        description: 'Only with the embedded SMS provider (`sms.provider: outbox`); with an SMS gateway the route does not exist.',
        querystring: ListParams,
        response: { 200: listOf(SmsOutboxView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const r = await deps.store.sms.listOutbox(actor.enterpriseCode, listQuery(req.query));
      return {
        items: r.rows.map(({ enterpriseCode: _e, phone, text, ...rest }) => ({ ...rest, phone: maskPhone(phone), text: maskCodes(text) })),
        total: r.total,
      };
    },
  );
}
