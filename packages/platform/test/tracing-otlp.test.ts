/**
 * The OpenTelemetry adapter against a real OTLP/HTTP receiver (a local server in the place of a
 * collector): spans reach `<endpoint>/v1/traces`, a child keeps its parent's trace, and nothing is
 * opened at all without an endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTraceparent } from '@osw/messages/exchange';
import { openTracing, otlpEndpointOf } from '@osw/messages/otel';

interface Got {
  path: string;
  body: string;
}

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function otlpReceiver(): Promise<{ url: string; got: Got[] }> {
  const got: Got[] = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, got };
}

describe('tracing over OTLP/HTTP', () => {
  it('exports the spans to <endpoint>/v1/traces with the service name; a child continues the parent’s trace', async () => {
    const rx = await otlpReceiver();
    const opened = openTracing({ otlpEndpoint: rx.url, serviceName: 'osw-platform-test', sampleRatio: 1 })!;
    const parent = opened.tracing.start('osw.client.send', { kind: 'producer', attributes: { 'osw.file': 'a.xml' } });
    const child = opened.tracing.start('osw.exchange.import', { parent: parent.traceparent, kind: 'consumer' });
    expect(parseTraceparent(child.traceparent)!.traceId).toBe(parseTraceparent(parent.traceparent)!.traceId);
    child.end();
    parent.end();
    await opened.shutdown();
    expect(rx.got.map((g) => g.path)).toEqual(['/v1/traces']);
    const body = rx.got[0].body;
    for (const text of [
      'osw-platform-test',
      'osw.client.send',
      'osw.exchange.import',
      'a.xml',
      parseTraceparent(parent.traceparent)!.traceId,
    ])
      expect(body).toContain(text);
  });

  it('a traceparent that is not one starts a new trace; a sampled-out parent is not recorded', async () => {
    const rx = await otlpReceiver();
    const opened = openTracing({ otlpEndpoint: `${rx.url}/v1/traces`, serviceName: 'osw-platform-test', sampleRatio: 1 })!;
    const fresh = opened.tracing.start('osw.exchange.import', { parent: 'not-a-traceparent' });
    expect(parseTraceparent(fresh.traceparent)).not.toBeNull();
    const notSampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const quiet = opened.tracing.start('osw.exchange.import', { parent: notSampled });
    expect(quiet.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    quiet.end();
    fresh.end();
    await opened.shutdown();
    const body = rx.got.map((g) => g.body).join('\n');
    expect(body).not.toContain('0af7651916cd43dd8448eb211c80319c');
    expect(body).toContain(parseTraceparent(fresh.traceparent)!.traceId);
  });

  it('is off without an endpoint: nothing is opened; OTEL_EXPORTER_OTLP_ENDPOINT stands in for the configuration', () => {
    expect(openTracing({ serviceName: 'osw-platform', sampleRatio: 1 })).toBeNull();
    expect(otlpEndpointOf(undefined, {})).toBeUndefined();
    expect(otlpEndpointOf(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' })).toBe('http://otel:4318');
    expect(otlpEndpointOf('http://mine:4318', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' })).toBe('http://mine:4318');
  });
});
