/** 导入客户端: a client of the enterprise, its transport settings (传输设置) and its live status (运行状态). */
import { z } from 'zod';

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

export const TransportSettingsView = z
  .object({
    endpoint: z.string(),
    user: z.string(),
    password: z.string().describe('shown once: the platform keeps only its hash'),
    sendQueue: z.string().nullable(),
    receiveQueue: z.string().nullable(),
    exchange: z.string().nullable(),
  })
  .describe('传输设置');

/** A new client with its transport settings: the answer to 自动导入客户端申请. */
export const AppliedClientView = ClientView.extend({ transportSettings: TransportSettingsView });

export const ClientLiveView = z
  .object({
    // the 45 s is core/identity/client-status.ts's CONNECTED_WITHIN_MS (packages/platform/test/api-contract.test.ts keeps them equal)
    connected: z
      .boolean()
      .nullable()
      .describe(
        '在线: HTTPS clients seen on the exchange within 45 s; RabbitMQ clients holding a broker connection; null when it cannot be told',
      ),
    connectedBy: z.enum(['exchange', 'broker', 'unknown']),
    lastSeenAt: z.string().nullable().describe('the last exchange request (HTTPS clients), to within a few seconds'),
    backlog: z.number().int().describe('积压: deliveries waiting on the platform, not acknowledged'),
    suspended: z.boolean().describe('推送已暂停: the client’s push target is suspended after repeated failures'),
    suspendedAt: z.string().nullable(),
  })
  .describe('live status (客户端运行状态)');

/** A client as the lists show it: with its live status. */
export const ClientWithLiveView = ClientView.extend({ live: ClientLiveView });

export const DeliveryStatsView = z
  .object({
    hours: z.array(z.string()).describe('the start of each hour of the window, oldest first (ISO instants; the last is the current hour)'),
    clients: z.array(
      z.object({
        clientId: z.string(),
        delivered: z.array(z.number().int()).describe('client pushes delivered (下发成功) in each hour'),
        p50Ms: z
          .array(z.number().nullable())
          .describe('median delivery latency (made → acknowledged) in each hour, ms; null: none delivered'),
        p95Ms: z.array(z.number().nullable()).describe('95th percentile delivery latency in each hour, ms'),
        total: z.number().int(),
      }),
    ),
    truncated: z.boolean().describe('more deliveries than one answer counts (200,000)'),
  })
  .describe('per-client delivery and latency over the last hours');
