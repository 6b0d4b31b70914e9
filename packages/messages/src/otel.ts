/**
 * The Tracing port on OpenTelemetry: spans of a tracer provider of this process's own (no global
 * registration, so a platform and clients in one process — the demo — each have theirs), sampled
 * by ratio (a child follows its parent's decision), exported over OTLP/HTTP in batches. The trace
 * context travels as a W3C traceparent (the exchange's header), read and written without a
 * propagator. Off unless an OTLP endpoint is configured (or a test gives an exporter).
 *
 * One adapter for the platform and the client (`@osw/messages/otel`); the package's index does not
 * export it, so what imports `@osw/messages` alone loads no OpenTelemetry and does no I/O.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { formatTraceparent, parseTraceparent } from './exchange.js';
import type { SpanAttributes, TraceSpan, Tracing } from './ports.js';

export type { SpanExporter };

export interface TracingSettings {
  /** OTLP/HTTP base URL (`http://collector:4318`); spans go to `<base>/v1/traces` (a URL ending in /v1/traces is taken as it is) */
  otlpEndpoint?: string;
  serviceName: string;
  /** share of new traces recorded, 0–1 */
  sampleRatio: number;
}

export interface OpenedTracing {
  tracing: Tracing;
  /** exports what is left and stops */
  shutdown(): Promise<void>;
}

const KINDS = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
} as const;

/** The OTLP endpoint: the configured one, else the standard OTEL_EXPORTER_OTLP_ENDPOINT; undefined means tracing is off. */
export function otlpEndpointOf(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return configured || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

function tracesUrl(endpoint: string): string {
  return /\/v1\/traces\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Tracing when it is configured (an endpoint, or `exporter` — tests give an in-memory one, whose spans
 * are exported as each ends); null when it is off.
 */
export function openTracing(settings: TracingSettings, exporter?: SpanExporter): OpenedTracing | null {
  if (!settings.otlpEndpoint && !exporter) return null;
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(settings.otlpEndpoint!) }));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('open-single-window');
  const tracing: Tracing = {
    start(name, opts = {}) {
      const parent = parseTraceparent(opts.parent);
      const ctx = parent
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: true,
          })
        : ROOT_CONTEXT;
      const span = tracer.startSpan(name, { kind: KINDS[opts.kind ?? 'internal'], attributes: opts.attributes }, ctx);
      return wrap(span);
    },
  };
  return { tracing, shutdown: () => provider.shutdown() };
}

function wrap(span: Span): TraceSpan {
  const c = span.spanContext();
  return {
    traceparent: formatTraceparent({ traceId: c.traceId, spanId: c.spanId, sampled: (c.traceFlags & TraceFlags.SAMPLED) !== 0 }),
    set(attributes: SpanAttributes) {
      span.setAttributes(attributes);
    },
    fail(reason: unknown) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason instanceof Error ? reason.message : String(reason) });
    },
    end() {
      span.end();
    },
  };
}
