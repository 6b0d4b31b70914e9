/** Client registry routes: 自动导入客户端申请, 查询客户端, 解除设备绑定, 停用客户端. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClientApplyBody } from '@osw/messages/forms';
import { z } from 'zod';
import { apiTransport, applyForClient, clientOf, disableClient, listClients, unbindClientDevice } from '../../core/clients/registry.js';
import { clientLiveStatus, CONNECTED_WITHIN_MS } from '../../core/clients/live-status.js';
import type { PlatformDeps } from '../../core/ports.js';
import type { ClientRow } from '../../core/store.js';
import { bearer, CardProof, errorResponses, ListParams, listOf, listQuery, actor as actorOf, requireSession } from './common.js';

export const ClientView = z
  .object({
    id: z.string().describe('= clientId'),
    clientId: z.string().describe('客户端ID: DXPESW + 10 digits'),
    enterpriseCode: z.string(),
    region: z.string().describe('关区'),
    version: z.string(),
    transport: z.enum(['https', 'rabbitmq']),
    environment: z.enum(['test', 'prod']),
    status: z.enum(['active', 'disabled']),
    device: z.object({ bound: z.boolean().describe('设备绑定'), boundAt: z.string().optional() }),
    createdAt: z.string(),
  })
  .describe('import client (导入客户端)');

const TransportSettings = z
  .object({
    endpoint: z.string(),
    user: z.string(),
    password: z.string().describe('shown once: the platform keeps only its hash'),
    sendQueue: z.string().nullable(),
    receiveQueue: z.string().nullable(),
    exchange: z.string().nullable(),
  })
  .describe('传输设置');

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

const LiveView = z
  .object({
    connected: z.boolean().nullable().describe(`在线: HTTPS clients seen on the exchange within ${CONNECTED_WITHIN_MS / 1000} s; RabbitMQ clients holding a broker connection; null when it cannot be told`),
    connectedBy: z.enum(['exchange', 'broker', 'unknown']),
    lastSeenAt: z.string().nullable().describe('the last exchange request (HTTPS clients), to within a few seconds'),
    backlog: z.number().int().describe('积压: deliveries waiting on the platform, not acknowledged'),
    suspended: z.boolean().describe('推送已暂停: the client’s push target is suspended after repeated failures'),
    suspendedAt: z.string().nullable(),
  })
  .describe('live status (客户端运行状态)');
const ClientWithLive = ClientView.extend({ live: LiveView });

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
          'RabbitMQ broker users are provisioned by the RabbitMQ transport (not yet); the registration itself works. IBM MQ is answered OSW_CLIENT_TRANSPORT_UNSUPPORTED.',
        body: ClientApplyBody,
        response: { 201: ClientView.extend({ transportSettings: TransportSettings }), ...errorResponses },
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
        summary: '查询客户端 — the enterprise\'s clients with their device binding and live status (connected, backlog, suspended)',
        querystring: ListParams.extend({ status: z.enum(['active', 'disabled']).optional(), clientId: z.string().optional() }),
        response: { 200: listOf(ClientWithLive), ...errorResponses },
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
    '/api/v1/clients/:clientId',
    { schema: { tags, security: bearer, summary: 'one client of the enterprise with its live status', params: ClientIdParam, response: { 200: ClientWithLive, ...errorResponses } } },
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
