/** The HTTP exchange for import clients: `/exchange/v1/…` (docs/exchange-http.md). */
import { OswError } from '@osw/messages';
import {
  BATCH_BODY_LIMIT,
  BATCH_MAX_MESSAGES,
  decodeFileNameHeader,
  EXCHANGE_HEADER,
  EXCHANGE_HTTP,
  InboxAckSchema,
  MessageBatchSchema,
  traceparentOf,
  type BatchMessage,
  type ReceivedOutcome,
} from '@osw/messages/exchange';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { importMessage, type CustomsPort } from '../core/exchange/accept.js';
import { importBatch, type BatchEntry } from '../core/exchange/import-batch.js';
import { ClientSeenRecorder } from '../core/clients/live-status.js';
import { ExchangeAuthenticator } from '../core/exchange/authenticate.js';
import { acknowledgeDeliveries, takeDeliveries } from '../core/exchange/outbound.js';
import type { PlatformDeps } from '../core/ports.js';
import type { ClientRow } from '../core/store.js';

const LONG_POLL_MAX_MS = 30_000;

export interface ExchangeRouteOptions {
  deps: PlatformDeps;
  customs: CustomsPort;
  /** the largest message a client may upload */
  maxMessageBytes: number;
}

export async function exchangeRoutes(app: FastifyInstance, opts: ExchangeRouteOptions): Promise<void> {
  const { deps, customs } = opts;
  const clients = new ExchangeAuthenticator(deps);
  const seen = new ClientSeenRecorder(deps);
  const authenticated = new WeakMap<FastifyRequest, ClientRow>();

  // every exchange route needs the client's id and secret, checked before the body is read: a
  // caller without them uploads nothing
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m) throw new OswError('OSW_AUTH_REQUIRED', 'the exchange needs HTTP Basic authentication with client id and secret');
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0 || decoded.includes('\0')) throw new OswError('OSW_AUTH_FAILED', 'unknown client or wrong secret');
    const client = await clients.withSecret(decoded.slice(0, i), decoded.slice(i + 1), req.headers[EXCHANGE_HEADER.device], req.ip);
    await seen.record(client.clientId);
    authenticated.set(req, client);
  });
  function exchangeClient(req: FastifyRequest): ClientRow {
    const client = authenticated.get(req);
    if (!client) throw new OswError('OSW_AUTH_REQUIRED', 'the exchange needs HTTP Basic authentication with client id and secret');
    return client;
  }

  // ---- HTTP exchange (import clients) ----
  app.post(EXCHANGE_HTTP.messages, { bodyLimit: opts.maxMessageBytes }, async (req) => {
    const client = exchangeClient(req);
    const messageId = String(req.headers[EXCHANGE_HEADER.messageId] ?? '');
    const business = String(req.headers[EXCHANGE_HEADER.business] ?? '');
    const fileName = decodeFileNameHeader(req.headers[EXCHANGE_HEADER.fileName]);
    if (fileName === null || fileName.includes('\0'))
      throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} must be percent-encoded UTF-8 without NUL characters`);
    if (!fileName || !business)
      throw new OswError('OSW_EXCHANGE_BAD_REQUEST', `${EXCHANGE_HEADER.fileName} and ${EXCHANGE_HEADER.business} headers are required`);
    if (!Buffer.isBuffer(req.body)) throw new OswError('OSW_EXCHANGE_BAD_REQUEST', 'send the message bytes as application/octet-stream');
    // the sender's trace context, read only with tracing on
    const traceparent = deps.tracing ? traceparentOf(req.headers[EXCHANGE_HEADER.traceparent]) : undefined;
    return importMessage(deps, customs, { client, messageId, fileName, business, body: req.body, traceparent });
  });

  // several messages in one request, imported in one transaction; each keeps its own answer. The
  // body limit holds before anything is parsed; each message then meets the single route's checks.
  app.post(EXCHANGE_HTTP.messagesBatch, { bodyLimit: BATCH_BODY_LIMIT }, async (req) => {
    const client = exchangeClient(req);
    const batch = MessageBatchSchema.safeParse(req.body);
    if (!batch.success)
      throw new OswError(
        'OSW_EXCHANGE_BAD_REQUEST',
        `not a message batch (application/json {messages: [{messageId, fileName, business, body}]}, 1–${BATCH_MAX_MESSAGES} messages): ${batch.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || 'body'} ${i.message}`)
          .join('; ')}`,
      );
    const entries = batch.data.messages.map((m) => batchEntry(client, m, opts.maxMessageBytes, !!deps.tracing));
    return { outcomes: await importBatch(deps, customs, entries) };
  });

  const inboxQuery = z.object({
    waitMs: z.coerce.number().int().min(0).max(LONG_POLL_MAX_MS).default(0),
    max: z.coerce.number().int().min(1).max(500).default(50),
  });
  app.get(EXCHANGE_HTTP.inbox, async (req) => {
    const client = exchangeClient(req);
    const q = inboxQuery.parse(req.query);
    let rows = await takeDeliveries(deps, client.clientId, q.max);
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
      rows = await takeDeliveries(deps, client.clientId, q.max);
    }
    return {
      messages: rows.map((r) => ({
        deliveryId: r.id,
        messageId: r.messageId,
        business: r.business,
        fileName: r.fileName,
        body: r.body,
        attempts: r.attempts,
        ...(r.resend ? { resend: r.resend } : {}),
        ...(r.traceparent ? { traceparent: r.traceparent } : {}),
      })),
    };
  });

  app.post(EXCHANGE_HTTP.inboxAck, async (req) => {
    const client = exchangeClient(req);
    const ack = InboxAckSchema.parse(req.body);
    // what the client did with each: the push log records it with the delivery
    const outcomes = new Map<number, ReceivedOutcome>();
    for (const outcome of ['written', 'dropped', 'rejected'] as const) for (const id of ack[outcome] ?? []) outcomes.set(id, outcome);
    const acked = await acknowledgeDeliveries(deps, client.clientId, ack.deliveryIds, outcomes);
    return { acked };
  });

  app.post(EXCHANGE_HTTP.ping, async (req) => {
    const client = exchangeClient(req);
    return { clientId: client.clientId, time: deps.clock.now().toISOString(), status: client.status };
  });

  app.get(EXCHANGE_HTTP.status, async (req) => {
    const client = exchangeClient(req);
    return { clientId: client.clientId, backlog: await deps.store.deliveries.countPending(client.clientId) };
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A message of a batch as the import takes it, or its refusal: the single route's checks, as fields. */
function batchEntry(client: ClientRow, m: BatchMessage, maxMessageBytes: number, traced: boolean): BatchEntry {
  const refuse = (code: 'OSW_EXCHANGE_BAD_REQUEST' | 'OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE', message: string) => ({
    messageId: m.messageId,
    refused: new OswError(code, message),
  });
  if (m.clientId !== undefined && m.clientId !== client.clientId)
    return refuse(
      'OSW_EXCHANGE_BAD_REQUEST',
      `the message names client ${m.clientId.slice(0, 64)} as its sender: a batch speaks for the client that authenticated (${client.clientId}) only`,
    );
  if (!m.fileName || !m.business) return refuse('OSW_EXCHANGE_BAD_REQUEST', 'fileName and business are required');
  if (m.fileName.includes('\0')) return refuse('OSW_EXCHANGE_BAD_REQUEST', 'fileName must not hold NUL characters');
  if (m.body.length % 4 !== 0 || !BASE64.test(m.body))
    return refuse('OSW_EXCHANGE_BAD_REQUEST', 'body must be the message bytes in base64');
  const body = Buffer.from(m.body, 'base64');
  if (body.length > maxMessageBytes)
    return refuse('OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE', `the message is larger than this platform's limit of ${maxMessageBytes} bytes`);
  // each message its own trace context, read only with tracing on
  const traceparent = traced && m.traceparent !== undefined ? traceparentOf(m.traceparent) : undefined;
  return { client, messageId: m.messageId, fileName: m.fileName, business: m.business, body, traceparent };
}
