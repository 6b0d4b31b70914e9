/** Port types shared by the platform and the import client (types only: no I/O here). */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The subset of pino the cores use; child loggers carry clientId, msgId, file. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/** Attributes of a span: what the logs would name (`osw.client_id`, `osw.message_id`, `osw.file`…). */
export type SpanAttributes = Record<string, string | number | boolean>;

/** One span of a trace (OpenTelemetry behind the port). */
export interface TraceSpan {
  /** this span's W3C traceparent: the parent of the work it hands on (a header, a stored row) */
  readonly traceparent: string;
  set(attributes: SpanAttributes): void;
  /** marks the span failed, with why */
  fail(reason: unknown): void;
  end(): void;
}

/**
 * Tracing as the cores see it. Absent when tracing is off: the cores check that once per batch and
 * then make no span, carry no context and write none.
 */
export interface Tracing {
  /**
   * A span, child of `parent` (a traceparent from the wire or from a stored row) when that is a valid
   * traceparent, else the root of a new trace. `kind` as OpenTelemetry's (default internal).
   */
  start(
    name: string,
    opts?: { parent?: string | null; kind?: 'internal' | 'server' | 'client' | 'producer' | 'consumer'; attributes?: SpanAttributes },
  ): TraceSpan;
}
