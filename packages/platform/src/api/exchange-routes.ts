/** The HTTP exchange for import clients: `/exchange/v1/…` (docs/exchange-http.md). */
import { OswError } from '@osw/messages';
import { decodeFileNameHeader, DEVICE_PATTERN, EXCHANGE_HEADER, EXCHANGE_HTTP } from '@osw/messages/exchange';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { importMessage, type CustomsPort } from '../core/exchange/accept.js';
import { ClientSeenRecorder } from '../core/identity/client-status.js';
import { ClientAuthenticator } from '../core/identity/registry.js';
import type { PlatformDeps } from '../core/ports.js';
import type { ClientRow } from '../core/store.js';

const LONG_POLL_MAX_MS = 30_000;

/** 设备绑定: the first device a client connects from binds it; another device is refused until unbound. Shared by the HTTP and the RabbitMQ exchange. */
export async function checkClientDevice(deps: PlatformDeps, client: ClientRow, header: string | string[] | undefined): Promise<void> {
  const device = typeof header === 'string' ? header.trim() : '';
  if (device && !DEVICE_PATTERN.test(device)) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.device} must be a hex fingerprint`);
  const bound = client.deviceFingerprint;
  if (!bound) {
    if (device) {
      await deps.store.setClientDevice(client.clientId, device, deps.clock.now().toISOString());
      client.deviceFingerprint = device;
      deps.logger.info({ clientId: client.clientId }, 'client bound to its device');
    }
    return;
  }
  if (device !== bound)
    throw new OswError(
      'OSW_DEVICE_MISMATCH',
      `客户端${client.clientId}已绑定其他设备，请在控制台“客户端管理”中解除设备绑定后重试 (client ${client.clientId} is bound to another machine: unbind the device in the console, then retry)`,
    );
}

export async function exchangeRoutes(app: FastifyInstance, opts: { deps: PlatformDeps; customs: CustomsPort }): Promise<void> {
  const { deps, customs } = opts;
  const clients = new ClientAuthenticator(deps.store);
  const seen = new ClientSeenRecorder(deps);
  async function exchangeClient(req: FastifyRequest): Promise<ClientRow> {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m) throw new OswError('OSW_AUTH_REQUIRED', 'the exchange needs HTTP Basic authentication with client id and secret');
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const client = await clients.authenticate(decoded.slice(0, i), decoded.slice(i + 1));
    await checkClientDevice(deps, client, req.headers[EXCHANGE_HEADER.device]);
    await seen.record(client.clientId);
    return client;
  }

  // ---- HTTP exchange (import clients) ----
  app.post(EXCHANGE_HTTP.messages, async (req) => {
    const client = await exchangeClient(req);
    const messageId = String(req.headers[EXCHANGE_HEADER.messageId] ?? '');
    const business = String(req.headers[EXCHANGE_HEADER.business] ?? '');
    const fileName = decodeFileNameHeader(req.headers[EXCHANGE_HEADER.fileName]);
    if (fileName === null) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} must be percent-encoded UTF-8`);
    if (!fileName || !business) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} and ${EXCHANGE_HEADER.business} headers are required`);
    if (!Buffer.isBuffer(req.body)) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', 'send the message bytes as application/octet-stream');
    return importMessage(deps, customs, { client, messageId, fileName, business, body: req.body });
  });

  const inboxQuery = z.object({
    waitMs: z.coerce.number().int().min(0).max(LONG_POLL_MAX_MS).default(0),
    max: z.coerce.number().int().min(1).max(500).default(50),
  });
  app.get(EXCHANGE_HTTP.inbox, async (req) => {
    const client = await exchangeClient(req);
    const q = inboxQuery.parse(req.query);
    let rows = await deps.store.takeDeliveries(client.clientId, q.max);
    if (!rows.length && q.waitMs > 0) {
      const abort = new AbortController();
      const onClose = () => abort.abort();
      // the socket outlives the request on keep-alive connections: take the listener off again
      const socket = req.raw.socket;
      socket?.once('close', onClose);
      try {
        await deps.notifier.wait(client.clientId, q.waitMs, abort.signal);
      } finally {
        socket?.off('close', onClose);
      }
      rows = await deps.store.takeDeliveries(client.clientId, q.max);
    }
    return { messages: rows.map((r) => ({ deliveryId: r.id, messageId: r.messageId, business: r.business, fileName: r.fileName, body: r.body, attempts: r.attempts })) };
  });

  const ackBody = z.object({ deliveryIds: z.array(z.number().int().positive()).max(1000) });
  app.post(EXCHANGE_HTTP.inboxAck, async (req) => {
    const client = await exchangeClient(req);
    const { deliveryIds } = ackBody.parse(req.body);
    const acked = await deps.store.ackDeliveries(client.clientId, deliveryIds, deps.clock.now().toISOString());
    return { acked };
  });

  app.post(EXCHANGE_HTTP.ping, async (req) => {
    const client = await exchangeClient(req);
    return { clientId: client.clientId, time: deps.clock.now().toISOString(), status: client.status };
  });

  app.get(EXCHANGE_HTTP.status, async (req) => {
    const client = await exchangeClient(req);
    return { clientId: client.clientId, backlog: await deps.store.countPendingDeliveries(client.clientId) };
  });

}
