/** 用户管理: the enterprise's operators and their IC cards, for the enterprise's administrators. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OperatorView, OperatorWithPasswordView } from '../../contract/index.js';
import type { PlatformDeps } from '../../core/ports.js';
import {
  bindOperatorCard,
  createEnterpriseOperator,
  getOperatorView,
  listOperators,
  resetOperatorPassword,
  setOperatorRole,
  setOperatorStatus,
} from '../../core/identity/users.js';
import { bearer, CardProof, errorResponses, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

const AccountParam = z.object({ account: z.string().min(1).max(64) });
const CardBody = z.object({ card: CardProof });
const Password = z.string().min(8, 'a password needs at least 8 characters').max(128);
const ADMIN_ONLY = 'For administrators of the enterprise (role admin): anyone else gets 403 OSW_ADMIN_REQUIRED. ';
const NOT_YOURS = "Another enterprise's operator answers 404 OSW_NOT_FOUND. ";
const tags = ['users'];

/** The schema of a change to one operator of your enterprise: for administrators, with the 法人卡 in the body. */
function operatorChange<B extends z.ZodType, V extends z.ZodType>(summary: string, needs: string, body: B, view: V) {
  return {
    schema: {
      tags,
      security: bearer,
      summary,
      description: ADMIN_ONLY + NOT_YOURS + needs,
      params: AccountParam,
      body,
      response: { 200: view, ...errorResponses },
    },
  };
}

export async function operatorRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);

  app.get(
    '/api/v1/operators',
    {
      schema: {
        tags,
        security: bearer,
        summary: "用户管理 — the enterprise's operators, their role, status and bound cards; oldest first",
        description: ADMIN_ONLY,
        querystring: ListParams.pick({ page: true, pageSize: true }),
        response: { 200: listOf(OperatorView), ...errorResponses },
      },
    },
    async (req) => {
      const r = await listOperators(deps.store, actorOf(req), listQuery(req.query));
      return { items: r.rows, total: r.total };
    },
  );

  app.post(
    '/api/v1/operators',
    {
      schema: {
        tags,
        security: bearer,
        summary: '新增操作员 — create an operator of your enterprise (needs the 法人卡)',
        description:
          ADMIN_ONLY +
          'Without `password` the platform makes one and answers it once; either way it is stored hashed (scrypt). ' +
          'An account that exists (in any enterprise) answers 409 OSW_OPERATOR_EXISTS.',
        body: z.object({
          account: z
            .string()
            .regex(/^[A-Za-z0-9_.-]{3,64}$/, 'an account has 3 to 64 letters, digits, _ . or -')
            .describe('login name'),
          name: z.string().trim().min(1).max(64),
          operatorCode: z.string().trim().min(1).max(32).describe('录入人 code, e.g. QH0032'),
          role: z.enum(['admin', 'operator']).default('operator'),
          password: Password.optional(),
          card: CardProof,
        }),
        response: { 201: OperatorWithPasswordView, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createEnterpriseOperator(deps, actorOf(req), req.body)),
  );

  app.get(
    '/api/v1/operators/:account',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'one operator of your enterprise',
        description: ADMIN_ONLY + NOT_YOURS,
        params: AccountParam,
        response: { 200: OperatorView, ...errorResponses },
      },
    },
    async (req) => getOperatorView(deps.store, actorOf(req), req.params.account),
  );

  app.post(
    '/api/v1/operators/:account/reset-password',
    operatorChange(
      '重置密码 — a new password (set by you, or made by the platform and answered once); the operator is logged out',
      'Needs the 法人卡.',
      z.object({ password: Password.optional(), card: CardProof }),
      OperatorWithPasswordView,
    ),
    async (req) => resetOperatorPassword(deps, actorOf(req), req.params.account, req.body),
  );

  app.post(
    '/api/v1/operators/:account/role',
    operatorChange(
      '变更角色 — the operator becomes an administrator (admin) or an operator (operator); it holds from its next request',
      'Needs the 法人卡. The role it has already: answered as it is, nothing audited. ' +
        "Making yourself an operator while you are the enterprise's last active administrator: 409 OSW_OPERATOR_LAST_ADMIN.",
      z.object({ role: z.enum(['admin', 'operator']), card: CardProof }),
      OperatorView,
    ),
    async (req) => setOperatorRole(deps, actorOf(req), req.params.account, req.body.role, req.body.card),
  );

  for (const [what, status, summary] of [
    ['disable', 'disabled', '停用 — the operator cannot log in; its sessions end at once'],
    ['enable', 'active', '启用 — the operator may log in again'],
  ] as const)
    app.post(
      `/api/v1/operators/:account/${what}`,
      operatorChange(
        summary,
        'Needs the 法人卡.' + (what === 'disable' ? ' Your own account: 409 OSW_OPERATOR_SELF.' : ''),
        CardBody,
        OperatorView,
      ),
      async (req) => setOperatorStatus(deps, actorOf(req), req.params.account, status, req.body.card),
    );

  for (const [what, bind, summary] of [
    ['bind-card', true, '绑定IC卡 — bind one of the enterprise’s 操作员卡 to the operator'],
    ['unbind-card', false, '解除绑定 — the card is bound to nobody'],
  ] as const)
    app.post(
      `/api/v1/operators/:account/${what}`,
      operatorChange(
        summary,
        'Needs the 法人卡 (`card`). ' + (bind ? 'A card another operator holds: 409 OSW_CARD_BOUND; a 法人卡: 403 OSW_CARD_KIND.' : ''),
        z.object({ cardNo: z.string().regex(/^\d{13}$/, 'a card number has 13 digits'), card: CardProof }),
        OperatorView,
      ),
      async (req) => bindOperatorCard(deps, actorOf(req), req.params.account, req.body.cardNo, bind, req.body.card),
    );
}
