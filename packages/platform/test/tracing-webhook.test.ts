/** With tracing on, a webhook push carries its delivery span's W3C `traceparent`, so the subscriber's system can join the trace. */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTraceparent } from '@osw/messages/exchange';
import { FeedAppPush } from '../src/adapters/push/feed.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { openTracing } from '@osw/messages/otel';
import { PushEngine } from '../src/core/push/engine.js';
import { LOCAL_WEBHOOKS, pushWorld, type PushWorld } from './push-world.js';
import { webhookReceiver } from '../../../test/support/webhook-receiver.js';

let w: PushWorld;
let rx: Awaited<ReturnType<typeof webhookReceiver>> | undefined;
afterEach(async () => {
  await rx?.close();
  await w?.close();
});

describe('tracing of webhook pushes', () => {
  it('a webhook POST carries the traceparent of its osw.push.deliver span; without tracing it carries none', async () => {
    w = await pushWorld();
    rx = await webhookReceiver();
    const s = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
      clientId: w.owner.clientId,
      declarationData: true,
      receiptTypes: ['接单'],
      card: w.legal(w.owner),
    });
    const h = await w.call(w.owner, 'POST', '/api/v1/webhooks', {
      subscriptionKind: 'declaration',
      subscriptionId: s.body.id,
      url: rx.url,
    });
    expect(h.status).toBe(201);
    const exporter = new InMemorySpanExporter();
    const opened = openTracing({ serviceName: 'osw-platform', sampleRatio: 1 }, exporter)!;
    const channels = { sms: new OutboxSmsSender(w.deps), app: new FeedAppPush(w.deps), webhook: LOCAL_WEBHOOKS };
    const traced = new PushEngine({ ...w.deps, tracing: opened.tracing }, channels);

    await w.declare();
    await traced.runOnce();
    expect(rx.got).toHaveLength(1);
    const header = String(rx.got[0].headers.traceparent);
    const [deliver] = exporter.getFinishedSpans().filter((x) => x.name === 'osw.push.deliver');
    expect(parseTraceparent(header)).toEqual({
      traceId: deliver.spanContext().traceId,
      spanId: deliver.spanContext().spanId,
      sampled: true,
    });
    expect(deliver.attributes['osw.push.method']).toBe('webhook');
    expect(deliver.attributes['osw.push.outcome']).toBe('delivered');

    await w.declare();
    await new PushEngine(w.deps, channels).runOnce();
    expect(rx.got).toHaveLength(2);
    expect(rx.got[1].headers.traceparent).toBeUndefined();
    await opened.shutdown();
  });
});
