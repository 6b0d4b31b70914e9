/** What every REST route shares: the operator's session, card proof, list queries, the error body. */
import { OswError } from '@osw/messages';
import { CardProof } from '@osw/messages/forms';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorBody, listOf } from '../../contract/index.js';
import type { Actor } from '../../core/audit/audit-log.js';
import { actorOf } from '../../core/identity/actor.js';
import { authenticateSession } from '../../core/identity/registry.js';
import type { PlatformDeps } from '../../core/ports.js';
import type { ListQuery } from '../../core/store.js';
import { isDay, startOfDay, endOfDay } from '../../core/subscriptions/validity.js';

export async function sessionActor(deps: PlatformDeps, req: FastifyRequest): Promise<Actor> {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new OswError('OSW_AUTH_REQUIRED', '请先登录 (log in first: POST /api/v1/session, then send Authorization: Bearer <token>)');
  const session = await authenticateSession(deps, m[1].trim());
  return actorOf(deps.store, session);
}

const actors = new WeakMap<FastifyRequest, Actor>();

/**
 * Every route of the plugin needs an operator session, checked on request — before the body is
 * validated, so that a caller without a session learns nothing but "log in first".
 */
export function requireSession(app: FastifyInstance, deps: PlatformDeps): void {
  app.addHook('onRequest', async (req) => {
    actors.set(req, await sessionActor(deps, req));
  });
}

/** The operator of a request that passed `requireSession`. */
export function actor(req: FastifyRequest): Actor {
  const a = actors.get(req);
  if (!a) throw new OswError('OSW_AUTH_REQUIRED', '请先登录 (log in first: POST /api/v1/session)');
  return a;
}

export const bearer = [{ bearer: [] }];

export { ErrorBody, listOf };

export const errorResponses = { '4xx': ErrorBody } as const;

/** 插入本企业的IC卡 — the shared form rule (`@osw/messages/forms`) */
export { CardProof };

const day = z.string().refine(isDay, 'a date of the form yyyy-MM-dd');

/** `page`, `pageSize` and the 订阅日期/创建日期 range `from`..`to` (China days, both inclusive). */
export const ListParams = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
  from: day.optional().describe('first day (yyyy-MM-dd, China time) of the creation date range'),
  to: day.optional().describe('last day (yyyy-MM-dd, China time) of the creation date range'),
});

export function listQuery(p: z.infer<typeof ListParams>): ListQuery {
  return {
    offset: (p.page - 1) * p.pageSize,
    limit: p.pageSize,
    createdFrom: p.from ? startOfDay(p.from) : undefined,
    createdBefore: p.to ? endOfDay(p.to) : undefined,
  };
}

export const IdParam = z.object({ id: z.coerce.number().int().positive() });
