/** Client registry routes: 自动导入客户端申请, 查询客户端, 解除设备绑定, 停用客户端. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClientApplyBody } from '@osw/messages/forms';
import { z } from 'zod';
import { AppliedClientView, ClientView, ClientWithLiveView, DeliveryStatsView } from '../../contract/index.js';
import { deliveryStats } from '../../core/clients/delivery-stats.js';
import { apiTransport, applyForClient, clientOf, disableClient, listClients, unbindClientDevice } from '../../core/clients/registry.js';
import { clientLiveStatus } from '../../core/clients/live-status.js';
import type { PlatformDeps } from '../../core/ports.js';
import type { ClientRow } from '../../core/store.js';
import { bearer, CardProof, errorResponses, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

export function clientView(c: ClientRow): z.infer<typeof ClientView> {
  return {
    id: c.clientId,
    clientId: c.clientId,
    enterpriseCode: c.enterpriseCode,
    region: c.region,
    version: c.version,
    transport: apiTransport(c),
    environment: c.environment,
    status: c.status,
    device: c.deviceFingerprint ? { bound: true, ...(c.deviceBoundAt ? { boundAt: c.deviceBoundAt } : {}) } : { bound: false },
    createdAt: c.createdAt,
  };
}

const ClientIdParam = z.object({ clientId: z.string().min(1).max(32) });
const CardBody = z.object({ card: CardProof });

export async function clientRoutes(appRoot: FastifyInstance, opts: { deps: PlatformDeps; publicUrl?: string }): Promise<void> {
  const app = appRoot.withTypeProvider<ZodTypeProvider>();
  const { deps } = opts;
  requireSession(app, deps);
  const baseUrl = (req: FastifyRequest) => opts.publicUrl ?? `${req.protocol}://${req.host}`;
  const tags = ['clients'];

  app.post(
    '/api/v1/clients',
    {
      schema: {
        tags,
        security: bearer,
        summary: '自动导入客户端申请 — apply for an import client (needs the 法人卡)',
        description:
          'Issues the client id (DXPESW + 关区 + serial) and its transport settings (传输设置). The password is shown once. ' +
          'A RabbitMQ client gets its broker user (the password as its password) and queues at once when the platform runs the RabbitMQ exchange. IBM MQ is answered OSW_CLIENT_TRANSPORT_UNSUPPORTED.',
        body: ClientApplyBody,
        response: { 201: AppliedClientView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { client, transportSettings } = await applyForClient(deps, actor, req.body, baseUrl(req));
      return reply.status(201).send({ ...clientView(client), transportSettings });
    },
  );

  app.get(
    '/api/v1/clients',
    {
      schema: {
        tags,
        security: bearer,
        summary: "查询客户端 — the enterprise's clients with their device binding and live status (connected, backlog, suspended)",
        querystring: ListParams.extend({ status: z.enum(['active', 'disabled']).optional(), clientId: z.string().optional() }),
        response: { 200: listOf(ClientWithLiveView), ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const r = await listClients(deps.store, actor, { ...listQuery(req.query), status: req.query.status, clientId: req.query.clientId });
      const live = await clientLiveStatus(deps, r.rows);
      return { items: r.rows.map((c) => ({ ...clientView(c), live: live.get(c.clientId)! })), total: r.total };
    },
  );

  app.get(
    '/api/v1/clients/delivery-stats',
    {
      schema: {
        tags: ['clients'],
        security: bearer,
        summary:
          'per client of the enterprise: pushes delivered per hour and delivery latency (p50/p95) over the last `hours` (default 24)',
        querystring: z.object({ hours: z.coerce.number().int().min(1).max(168).default(24) }),
        response: { 200: DeliveryStatsView, ...errorResponses },
      },
    },
    async (req) => deliveryStats(deps.store, actorOf(req).enterpriseCode, deps.clock.now(), req.query.hours),
  );

  app.get(
    '/api/v1/clients/:clientId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'one client of the enterprise with its live status',
        params: ClientIdParam,
        response: { 200: ClientWithLiveView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const c = await clientOf(deps.store, actor.enterpriseCode, req.params.clientId);
      return { ...clientView(c), live: (await clientLiveStatus(deps, [c])).get(c.clientId)! };
    },
  );

  app.post(
    '/api/v1/clients/:clientId/unbind-device',
    {
      schema: {
        tags,
        security: bearer,
        summary: '解除设备绑定 — unbind the device (法人卡 or 操作员卡); the next device the client connects from binds it',
        params: ClientIdParam,
        body: CardBody,
        response: { 200: ClientView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return clientView(await unbindClientDevice(deps, actor, req.params.clientId, req.body.card));
    },
  );

  app.post(
    '/api/v1/clients/:clientId/disable',
    {
      schema: {
        tags,
        security: bearer,
        summary: '停用客户端 — disable a client (needs the 法人卡); the exchange refuses it from then on',
        params: ClientIdParam,
        body: CardBody,
        response: { 200: ClientView, ...errorResponses },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return clientView(await disableClient(deps, actor, req.params.clientId, req.body.card));
    },
  );
}
