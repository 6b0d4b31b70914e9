/**
 * The client's HTTP transport against a real platform: batches go in one request and come back
 * with one outcome per message, connections are kept alive, and a platform without the batch
 * route (an older one, behind a counting proxy here) gets the messages one per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BATCH_MAX_BYTES, BATCH_MAX_MESSAGES, EXCHANGE_HTTP } from '@osw/messages/exchange';
import { tempDir } from '../../../test/helpers.js';
import { batchesOf, HttpTransport } from '../src/adapters/http/transport.js';
import type { OutgoingMessage } from '../src/core/ports.js';
import { startPlatform, type RunningPlatform } from '../../platform/src/main.js';
import { createEnterprise } from '../../platform/src/core/identity/registry.js';
import { registerClient } from '../../platform/src/core/clients/registry.js';

/** A proxy in front of the platform that counts requests and connections, and can hide the batch route. */
async function countingProxy(target: string, opts: { withoutBatchRoute: boolean; batchLimitBytes?: number }) {
  const seen = { requests: [] as string[], connections: 0 };
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    seen.requests.push(req.url ?? '');
    if (opts.withoutBatchRoute && req.url === EXCHANGE_HTTP.messagesBatch) {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 'OSW_NOT_FOUND', message: 'Route POST:/exchange/v1/messages/batch not found' } }));
    }
    if (
      opts.batchLimitBytes !== undefined &&
      req.url === EXCHANGE_HTTP.messagesBatch &&
      Number(req.headers['content-length']) > opts.batchLimitBytes
    ) {
      req.resume();
      res.writeHead(413, { 'content-type': 'text/html' });
      return res.end('<html><body>413 Request Entity Too Large</body></html>');
    }
    const up = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const msg = (messageId: string, body = '<NotAKnownMessage/>', fileName = `${messageId}.xml`): OutgoingMessage => ({
  messageId,
  fileName,
  business: 'declaration',
  body: Buffer.from(body),
});

describe('client HTTP transport against the platform', () => {
  const tmp = tempDir('osw-http-client-');
  let platform: RunningPlatform;
  let c: { clientId: string; secret: string };
  let n = 0;
  const id = () => `${c.clientId}H${String(++n).padStart(12, '0')}`;

  beforeAll(async () => {
    platform = await startPlatform({ dbFile: `${tmp.dir}/p.db`, port: 0 }, pino({ level: 'silent' }));
    await createEnterprise(platform.deps, { customsCode: '4403980001', uscc: '91440300MA5G0B1X2K', name: '报关行', region: '5300' });
    c = await registerClient(platform.deps, { enterpriseCode: '4403980001', region: '5300', transport: 'http', environment: 'test' });
  });
  afterAll(async () => {
    await platform?.close();
    tmp.cleanup();
  });

  test('sendBatch sends the messages in one request on one kept-alive connection, and answers each in order', async () => {
    const proxy = await countingProxy(platform.url, { withoutBatchRoute: false });
    const t = new HttpTransport({ baseUrl: proxy.url, clientId: c.clientId, secret: c.secret, sendTimeoutMs: 10_000 });
    try {
      const [a, b] = [id(), id()];
      const results = await t.sendBatch([msg(a), msg('short'), msg(b), msg(a)]);
      expect(proxy.seen.requests).toEqual([EXCHANGE_HTTP.messagesBatch]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true, true]);
      expect(results[0]).toMatchObject({ ok: true, answer: { accepted: false, duplicate: false } });
      expect(results[0].ok && results[0].answer.responseXml).toContain('C903');
      // a refusal is that message's alone, with the platform's code, not retried (a 400 code)
      expect(results[1]).toMatchObject({ ok: false, error: { code: 'OSW_EXCHANGE_BAD_MESSAGE_ID', retryable: false } });
      expect(results[3]).toMatchObject({ ok: true, answer: { duplicate: true } });
      // the next calls reuse the connection
      await t.sendBatch([msg(id())]);
      await t.send(msg(id()));
      await t.backlog();
      expect(proxy.seen.requests).toHaveLength(4);
      expect(proxy.seen.connections).toBe(1);
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  test('a platform without the batch route: the messages go one per request, and the client remembers it', async () => {
    const proxy = await countingProxy(platform.url, { withoutBatchRoute: true });
    const t = new HttpTransport({ baseUrl: proxy.url, clientId: c.clientId, secret: c.secret, sendTimeoutMs: 10_000 });
    try {
      const first = await t.sendBatch([msg(id()), msg(id()), msg('short')]);
      expect(first.map((r) => r.ok)).toEqual([true, true, false]);
      expect(first[2]).toMatchObject({ ok: false, error: { code: 'OSW_EXCHANGE_BAD_MESSAGE_ID', retryable: false } });
      expect(t.batching).toBe(false);
      const again = await t.sendBatch([msg(id()), msg(id())]);
      expect(again.every((r) => r.ok)).toBe(true);
      expect(proxy.seen.requests.filter((u) => u === EXCHANGE_HTTP.messagesBatch)).toHaveLength(1);
      expect(proxy.seen.requests.filter((u) => u === EXCHANGE_HTTP.messages)).toHaveLength(5);
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  test('a proxy that refuses the batch as too large: its messages go one by one, and the next batch is tried again', async () => {
    const proxy = await countingProxy(platform.url, { withoutBatchRoute: false, batchLimitBytes: 100 });
    const t = new HttpTransport({ baseUrl: proxy.url, clientId: c.clientId, secret: c.secret, sendTimeoutMs: 10_000 });
    try {
      const results = await t.sendBatch([msg(id()), msg(id())]);
      expect(results.every((r) => r.ok)).toBe(true);
      expect(t.batching).toBe(true);
      expect(proxy.seen.requests).toEqual([EXCHANGE_HTTP.messagesBatch, EXCHANGE_HTTP.messages, EXCHANGE_HTTP.messages]);
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  test('a send aborted before it starts fails as retryable and sends nothing', async () => {
    const proxy = await countingProxy(platform.url, { withoutBatchRoute: false });
    const t = new HttpTransport({ baseUrl: proxy.url, clientId: c.clientId, secret: c.secret, sendTimeoutMs: 10_000 });
    try {
      const abort = new AbortController();
      abort.abort();
      const results = await t.sendBatch([msg(id()), msg(id())], abort.signal);
      expect(results).toMatchObject([
        { ok: false, error: { retryable: true } },
        { ok: false, error: { retryable: true } },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(proxy.seen.requests).toEqual([]);
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  test('an unreachable platform fails every message of the batch as retryable', async () => {
    const t = new HttpTransport({ baseUrl: 'http://127.0.0.1:1', clientId: c.clientId, secret: c.secret, sendTimeoutMs: 2_000 });
    const results = await t.sendBatch([msg(id()), msg(id())]);
    expect(results).toMatchObject([
      { ok: false, error: { code: 'OSW_TRANSPORT_UNREACHABLE', retryable: true } },
      { ok: false, error: { code: 'OSW_TRANSPORT_UNREACHABLE', retryable: true } },
    ]);
    await t.close();
  });
});

describe('HTTP batches', () => {
  const sized = (bytes: number) => ({ messageId: 'm', fileName: 'f', business: 'b', body: new Uint8Array(bytes) });

  test(`hold at most ${BATCH_MAX_MESSAGES} messages and ${BATCH_MAX_BYTES} bytes, in order; a larger message travels alone`, () => {
    const many = Array.from({ length: BATCH_MAX_MESSAGES + 1 }, () => sized(10));
    expect(batchesOf(many).map((g) => g.indexes.length)).toEqual([BATCH_MAX_MESSAGES, 1]);
    const big = [sized(BATCH_MAX_BYTES / 2), sized(BATCH_MAX_BYTES / 2), sized(1), sized(BATCH_MAX_BYTES + 1), sized(1)];
    expect(batchesOf(big)).toEqual([
      { alone: false, indexes: [0, 1] },
      { alone: false, indexes: [2] },
      { alone: true, indexes: [3] },
      { alone: false, indexes: [4] },
    ]);
  });
});
