/** Composition root of the platform process: store, exchange, sandbox, API. */
import crypto from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { hidePassword } from '@osw/messages';
import { describeSmtp, SmtpAlertMailer } from './adapters/mail/smtp.js';
import { AlertEvaluator } from './core/alerts/alerts.js';
import { startPeriodic, type PeriodicRounds } from './core/periodic.js';
import { InProcessNotifier } from './adapters/memory-notifier.js';
import { HttpSmsGateway } from './adapters/sms/http-gateway.js';
import { OutboxSmsSender } from './adapters/sms/outbox.js';
import { AmqpExchange } from './adapters/amqp/exchange.js';
import { PostgresNotifier } from './adapters/postgres/notifier.js';
import { isPostgresUrl, openPostgresStore, redactPostgresUrl } from './adapters/postgres/open.js';
import { openSqliteStore, type OpenedStore } from './adapters/sqlite/open.js';
import { build } from './api/app.js';
import { systemClock, type Logger, type PlatformDeps } from './core/ports.js';
import { FeedAppPush } from './adapters/push/feed.js';
import { HttpWebhookPort, parseCidr } from './adapters/push/webhook-http.js';
import { PUSHES_DUE, PushEngine, startPushWorker, type PushWorker } from './core/push/engine.js';
import { CustomsSandbox } from './core/sandbox/customs.js';
import { loadScenario } from './adapters/sandbox/scenario-file.js';
import { startSandboxWorker, type SandboxWorker } from './core/sandbox/worker.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus.js';
import { openTracing, otlpEndpointOf, type SpanExporter } from '@osw/messages/otel';

export type { SpanExporter };

/** Alert mail's SMTP server; the password is a secret (never logged, `[REDACTED]` in config output). */
const SmtpConfigSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** TLS from the first byte (465); else STARTTLS when offered */
  secure: z.boolean().default(false),
  requireTls: z.boolean().default(false),
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  from: z.string().min(3),
  timeoutMs: z.number().int().min(100).default(10_000),
  allowSelfSigned: z.boolean().default(false),
});

const ALERTS_DEFAULTS = {
  enabled: true,
  tickMs: 60_000,
  offlineAfterMinutes: 30,
  subscriptionExpiryDays: [30, 7, 1],
  cardExpiryDays: [30, 7, 1],
  retentionDays: 90,
};

export const AlertsConfigSchema = z.object({
  /** evaluate alerts in this process (an `api` or `all` role) */
  enabled: z.boolean().default(true),
  /** one evaluation round every tickMs: each condition one query for every enterprise */
  tickMs: z.number().int().min(100).default(60_000),
  /** a client not seen (HTTP) or without a broker connection (RabbitMQ) this long is offline */
  offlineAfterMinutes: z.number().min(0.01).default(30),
  /** days before a subscription's end that are reminded of, each once */
  subscriptionExpiryDays: z.array(z.number().int().min(1).max(366)).min(1).default([30, 7, 1]),
  /** days before an IC card's expiry that are reminded of */
  cardExpiryDays: z.array(z.number().int().min(1).max(366)).min(1).default([30, 7, 1]),
  /** cleared alerts are dropped this many days after they cleared */
  retentionDays: z.number().int().min(1).default(90),
  /** without it the mail channel is not offered */
  smtp: SmtpConfigSchema.optional(),
});

/** The configuration as it may be shown or logged: secrets `[REDACTED]`. */
export function redactedPlatformConfig(config: z.output<typeof PlatformConfigSchema>): z.output<typeof PlatformConfigSchema> {
  const copy = structuredClone(config);
  if (copy.alerts.smtp?.password) copy.alerts.smtp.password = '[REDACTED]';
  if (copy.metricsToken) copy.metricsToken = '[REDACTED]';
  if (copy.sms.provider === 'http' && copy.sms.token) copy.sms.token = '[REDACTED]';
  if (copy.exchange !== 'http') copy.exchange = hidePassword(copy.exchange);
  if (copy.store) copy.store = hidePassword(copy.store);
  return copy;
}

/**
 * What one platform process does. `all` (the default): everything. `api`: the exchange (HTTP and
 * RabbitMQ), the REST API, the console and the push engine, but no sandbox worker: the declarations
 * it imports queue their sandbox jobs in the store. `sandbox`: only the sandbox worker (receipts,
 * manual approvals) on the shared store, with `GET /api/v1/health` and nothing else over HTTP.
 */
export const PLATFORM_ROLES = ['all', 'api', 'sandbox'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

/** The `tracing` section (the client's has the same fields): OTLP/HTTP base URL, service name, share of new traces recorded. */
function tracingSection(serviceName: string) {
  return z
    .object({
      /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318` (spans go to `/v1/traces` below it) */
      otlpEndpoint: z.url().optional(),
      serviceName: z.string().min(1).default(serviceName),
      /** share of new traces recorded, 0–1 (a trace a client started follows the client's decision) */
      sampleRatio: z.number().min(0).max(1).default(1),
    })
    .default({ serviceName, sampleRatio: 1 });
}

export const PlatformConfigSchema = z
  .object({
    role: z.enum(PLATFORM_ROLES).default('all'),
    /** SQLite database file (the embedded default); `store` names a PostgreSQL database instead */
    dbFile: z.string().min(1).optional(),
    /** where the data lives: `postgres://user@host:5432/db` (several instances may share it) or a SQLite file */
    store: z.string().min(1).optional(),
    postgres: z.object({ poolSize: z.number().int().min(2).max(200).default(10) }).default({ poolSize: 10 }),
    /**
     * the exchange of RabbitMQ clients: `http` (only the HTTP exchange, the default) or the platform's
     * own broker user `amqp(s)://user:password@host:5672/vhost`; the HTTP exchange serves HTTP clients either way
     */
    exchange: z
      .string()
      .default('http')
      .refine((v) => v === 'http' || /^amqps?:\/\/[^/]/.test(v), 'exchange is `http` or an amqp:// / amqps:// URL'),
    amqp: z
      .object({
        /** RabbitMQ management API, default `http://<user>:<password>@<host>:15672` */
        managementUrl: z.url().optional(),
        instanceName: z.string().optional(),
        deliveryLimit: z.number().int().min(1).max(1000).default(5),
        prefetch: z.number().int().min(1).max(10_000).default(200),
        sweepMs: z.number().int().min(50).default(1000),
        discoverMs: z.number().int().min(100).default(3000),
        declareVhost: z.boolean().default(true),
        caFile: z.string().optional(),
        /** the broker URL import clients connect to (their 传输设置), e.g. `amqps://mq.example.com:5671/osw`; default: `exchange` without the platform's login */
        clientUrl: z
          .string()
          .refine((v) => /^amqps?:\/\/[^/]/.test(v), 'amqp.clientUrl is an amqp:// or amqps:// URL')
          .refine(
            (v) => !/^amqps?:\/\/[^/@]*@/.test(v),
            'amqp.clientUrl carries no user or password (each client logs in as its own broker user)',
          )
          .optional(),
        /**
         * put before every client's broker user (`<prefix>U_SW…`): broker users are global, so each
         * deployment sharing a broker needs its own; set it before the first RabbitMQ client is registered
         */
        userPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{0,32}$/, 'amqp.userPrefix is up to 32 of A-Z a-z 0-9 _ . -')
          .default(''),
        /** reconnect backoff after a dropped connection or a broker restart */
        retryBaseMs: z.number().int().min(1).default(200),
        retryMaxMs: z.number().int().min(1).default(10_000),
      })
      .default({
        deliveryLimit: 5,
        prefetch: 200,
        sweepMs: 1000,
        discoverMs: 3000,
        declareVhost: true,
        userPrefix: '',
        retryBaseMs: 200,
        retryMaxMs: 10_000,
      }),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** time between two sandbox receipts of one declaration */
    sandboxPaceMs: z.number().int().min(0).default(2000),
    sandboxTickMs: z.number().int().min(10).default(100),
    /** sandbox scenario file (YAML or JSON): outcome rules and pace (docs/sandbox.md) */
    sandboxScenarioFile: z.string().min(1).optional(),
    /** a manual change request is approved by the sandbox this long after it was made */
    manualApprovalDelayMs: z.number().int().min(0).default(5000),
    /** the push engine (docs/push.md) */
    push: z
      .object({
        /** safety round for what no wake announced (the engine runs at once when pushes are committed) */
        tickMs: z.number().int().min(10).default(2000),
        retentionDays: z.number().int().min(1).default(90),
        stockRowsPerMessage: z.number().int().min(1).max(10_000).default(1000),
        retryScheduleMs: z.array(z.number().int().min(0)).min(1).default([10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000]),
        suspendAfterFailures: z.number().int().min(1).default(10),
        probeEveryMs: z.number().int().min(100).default(600_000),
        clientAckTimeoutMs: z.number().int().min(1000).default(3_600_000),
        clientMaxTakes: z.number().int().min(1).default(10),
        webhookTimeoutMs: z.number().int().min(100).default(10_000),
        /** how long a worker's claim on pushes lasts: a crashed instance's claimed pushes wait this long */
        leaseMs: z.number().int().min(1000).default(60_000),
        /**
         * private address ranges webhooks may reach (loopback, RFC 1918, link-local… are refused by default):
         * CIDR ranges such as `['10.0.0.0/8']`, or `true` for every address
         */
        webhookAllowPrivate: z
          .union([
            z.boolean(),
            z.array(
              z.string().refine((v) => {
                try {
                  parseCidr(v);
                  return true;
                } catch {
                  return false;
                }
              }, 'an address range such as 10.0.0.0/8 or fd00::/8'),
            ),
          ])
          .default(false),
      })
      .default({
        tickMs: 2000,
        retentionDays: 90,
        stockRowsPerMessage: 1000,
        retryScheduleMs: [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000],
        suspendAfterFailures: 10,
        probeEveryMs: 600_000,
        clientAckTimeoutMs: 3_600_000,
        clientMaxTakes: 10,
        webhookTimeoutMs: 10_000,
        leaseMs: 60_000,
        webhookAllowPrivate: false,
      }),
    webRoot: z.string().optional(),
    /**
     * the platform's secret key (32 random bytes, created mode 600 when the file does not exist): webhook
     * secrets are sealed with it at rest. Default: `secret.key` beside a SQLite file; with PostgreSQL
     * give every instance the same file, else webhook secrets are kept unsealed (and a warning logged)
     */
    secretKeyFile: z.string().min(1).optional(),
    /**
     * the reverse proxies whose `X-Forwarded-For` tells the caller's address (fastify's `trustProxy`:
     * `true`, an address or CIDR list): the limits on wrong passwords and secrets count per address
     */
    trustProxy: z.union([z.boolean(), z.string(), z.array(z.string())]).default(false),
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** the platform's public base URL (e.g. `https://sw.example.com`): the endpoint in new clients' transport settings; else each request's own */
    publicUrl: z.url().optional(),
    /**
     * `GET /metrics` (Prometheus text, docs/operations.md) answers a scraper that sends
     * `Authorization: Bearer <metricsToken>`; without a token the platform counts nothing and has no /metrics
     */
    metricsToken: z.string().min(16, 'metricsToken is at least 16 characters').optional(),
    /**
     * OpenTelemetry tracing (docs/operations.md), off unless `otlpEndpoint` is set here or in the standard
     * OTEL_EXPORTER_OTLP_ENDPOINT: spans of import, sandbox answers and pushes, joined to the clients' by
     * the exchange's `traceparent`
     */
    tracing: tracingSection('osw-platform'),
    /** SMS provider for verification codes: the embedded outbox (default), or an HTTP SMS gateway */
    sms: z
      .discriminatedUnion('provider', [
        z.object({ provider: z.literal('outbox') }),
        z.object({
          provider: z.literal('http'),
          url: z.url(),
          token: z.string().optional(),
          timeoutMs: z.number().int().positive().default(10_000),
        }),
      ])
      .default({ provider: 'outbox' }),
    /** alerts (告警, docs/operations.md): when they fire, and the SMTP server of alert mail */
    alerts: AlertsConfigSchema.default(ALERTS_DEFAULTS),
  })
  .refine((c) => c.dbFile || c.store, {
    message: 'the store is required: `store` (postgres:// URL or SQLite file) or `dbFile`',
    path: ['store'],
  });
export type PlatformConfig = z.input<typeof PlatformConfigSchema>;

/** Opens the configured store: PostgreSQL for a postgres:// URL, else the SQLite file. */
export async function openStore(config: z.output<typeof PlatformConfigSchema>, logger: Logger): Promise<OpenedStore> {
  const where = config.store ?? config.dbFile!;
  const keyFile = config.secretKeyFile ?? (isPostgresUrl(where) ? undefined : path.join(path.dirname(path.resolve(where)), 'secret.key'));
  const secretKey = keyFile ? await readOrCreateSecretKey(keyFile) : undefined;
  if (!secretKey) logger.warn({}, 'no secretKeyFile: webhook secrets are stored unsealed (docs/deploy.md)');
  let opened: OpenedStore;
  if (isPostgresUrl(where)) {
    logger.info({ store: redactPostgresUrl(where) }, 'store: PostgreSQL');
    opened = await openPostgresStore(where, { ...config.postgres, secretKey });
  } else opened = await openSqliteStore(where, { secretKey });
  const sealed = await opened.store.webhooks.sealStoredSecrets();
  if (sealed) logger.info({ sealed }, 'webhook secrets sealed with the secret key');
  return opened;
}

/** The platform's secret key: 32 bytes from the file, or a new random key written there (mode 600). */
export async function readOrCreateSecretKey(file: string): Promise<Buffer> {
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (existing) {
    const key = existing.length === 32 ? existing : Buffer.from(existing.toString('utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte secret key (raw, or base64)`);
    return key;
  }
  const key = crypto.randomBytes(32);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  // wx: two processes starting at once do not overwrite each other's key; the loser reads the winner's
  const written = await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' }).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false;
      throw err;
    },
  );
  return written ? key : readOrCreateSecretKey(file);
}

export interface RunningPlatform {
  role: PlatformRole;
  url: string;
  deps: PlatformDeps;
  app: FastifyInstance;
  sandboxWorker: SandboxWorker;
  sandbox: CustomsSandbox;
  pushEngine: PushEngine;
  pushWorker: PushWorker;
  /** alerts: `runNow()` evaluates a round at once (tests); null in the sandbox role or with `alerts.enabled: false` */
  alerts: { evaluator: AlertEvaluator; rounds: PeriodicRounds<unknown> | null } | null;
  /** the RabbitMQ exchange, when `exchange` is an amqp:// URL */
  amqp: AmqpExchange | null;
  close(): Promise<void>;
}

/** A worker that is not run in this process (its role leaves it to another). */
const idleSandboxWorker: SandboxWorker = { runDue: async () => 0, stop: async () => undefined };
const idlePushWorker: PushWorker = {
  runDue: async () => ({ requests: 0, delivered: 0, queued: 0, failed: 0, held: 0 }),
  stop: async () => undefined,
};

export interface StartPlatformOptions {
  /** tracing on with this exporter (tests: an in-memory one), whatever the configuration says */
  spanExporter?: SpanExporter;
}

export async function startPlatform(input: PlatformConfig, logger: Logger, opts: StartPlatformOptions = {}): Promise<RunningPlatform> {
  const config = PlatformConfigSchema.parse(input);
  const role = config.role;
  const scenario = config.sandboxScenarioFile ? await loadScenario(config.sandboxScenarioFile) : undefined;
  const opened = await openStore(config, logger);
  const local = new InProcessNotifier();
  // on PostgreSQL every process is told of deliveries queued in the others (the sandbox process, other instances)
  const where = config.store ?? config.dbFile!;
  const pgNotifier = isPostgresUrl(where)
    ? new PostgresNotifier(where, (channel, payload) => sql`select pg_notify(${channel}, ${payload})`.execute(opened.db), local, logger)
    : null;
  await pgNotifier?.start();
  const notifier = pgNotifier ?? local;
  // pushes committed here wake the push engines of every process (this one's as well)
  opened.store.pushes.onDue(() => notifier.notify(PUSHES_DUE));
  let amqpExchange: AmqpExchange | null = null;
  const metrics = config.metricsToken
    ? new PrometheusMetrics({
        store: opened.store,
        logger,
        deadLetters:
          config.exchange === 'http'
            ? undefined
            : { deadLetters: (limit) => amqpExchange?.deadLetterQueue.deadLetters(limit) ?? Promise.resolve([]) },
        pool: opened.pool,
        broker: config.exchange === 'http' ? undefined : () => amqpExchange?.connected ?? false,
      })
    : undefined;
  const otlpEndpoint = otlpEndpointOf(config.tracing.otlpEndpoint);
  const traced = openTracing({ ...config.tracing, otlpEndpoint }, opts.spanExporter);
  if (traced)
    logger.info(
      { otlpEndpoint: otlpEndpoint ? hidePassword(otlpEndpoint) : '(in process)', serviceName: config.tracing.serviceName },
      'tracing on',
    );
  const base = {
    store: opened.store,
    clock: systemClock,
    logger,
    notifier,
    ...(metrics ? { metrics } : {}),
    ...(traced ? { tracing: traced.tracing } : {}),
  };
  const sandbox = new CustomsSandbox({ paceMs: config.sandboxPaceMs, manualApprovalMs: config.manualApprovalDelayMs, scenario });
  // the sandbox process serves no client: it does not connect to RabbitMQ (the API instances forward its receipts)
  amqpExchange =
    config.exchange === 'http' || role === 'sandbox'
      ? null
      : new AmqpExchange({ ...base, customs: sandbox }, { url: config.exchange, ...config.amqp });
  const deps: PlatformDeps = {
    ...base,
    ...(amqpExchange ? { broker: amqpExchange.accounts, deadLetters: amqpExchange.deadLetterQueue } : {}),
  };
  if (amqpExchange)
    await amqpExchange.start().catch(async (err) => {
      await amqpExchange.stop().catch(() => undefined);
      await pgNotifier?.close();
      await opened.close();
      await traced?.shutdown().catch(() => undefined);
      throw err;
    });
  const sandboxWorker = role === 'api' ? idleSandboxWorker : startSandboxWorker(deps, sandbox, { tickMs: config.sandboxTickMs });
  const sms =
    config.sms.provider === 'http'
      ? new HttpSmsGateway({ url: config.sms.url, token: config.sms.token, timeoutMs: config.sms.timeoutMs, logger })
      : new OutboxSmsSender(deps);
  const { tickMs: pushTickMs, webhookAllowPrivate, ...pushPolicy } = config.push;
  const webhook = new HttpWebhookPort({ allowPrivate: webhookAllowPrivate });
  const pushEngine = new PushEngine(deps, { sms, app: new FeedAppPush(deps), webhook }, pushPolicy);
  const pushWorker =
    role === 'sandbox' ? idlePushWorker : startPushWorker(pushEngine, logger.child({ component: 'push' }), { tickMs: pushTickMs });
  const { smtp, tickMs: alertTickMs, enabled: alertsEnabled, ...alertPolicy } = config.alerts;
  const mailer = smtp ? new SmtpAlertMailer(smtp, logger.child({ component: 'alerts' })) : undefined;
  if (smtp) logger.info({ smtp: describeSmtp(smtp) }, 'alert mail over SMTP');
  const evaluator = new AlertEvaluator(
    { ...deps, logger: logger.child({ component: 'alerts' }) },
    { sms, webhook, mail: mailer },
    { ...alertPolicy, webhookTimeoutMs: pushPolicy.webhookTimeoutMs },
  );
  const alertRounds =
    role === 'sandbox' || !alertsEnabled
      ? null
      : startPeriodic(() => evaluator.runRound(), {
          tickMs: alertTickMs,
          logger: logger.child({ component: 'alerts' }),
          what: 'alert round',
        });
  const app =
    role === 'sandbox'
      ? await healthOnly()
      : await build({
          deps,
          customs: sandbox,
          webRoot: config.webRoot,
          maxMessageBytes: config.maxMessageBytes,
          publicUrl: config.publicUrl,
          sms,
          webhook,
          webhookTimeoutMs: pushPolicy.webhookTimeoutMs,
          trustProxy: config.trustProxy,
          metrics: metrics && config.metricsToken ? { source: metrics, token: config.metricsToken } : undefined,
          alerts: { evaluator, mail: !!mailer },
        });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await alertRounds?.stop();
    mailer?.close();
    await pushWorker.stop();
    await sandboxWorker.stop();
    await amqpExchange?.stop();
    await pgNotifier?.close();
    await opened.close();
    await traced?.shutdown().catch(() => undefined);
    throw err;
  }
  const url = address.replace('[::1]', '127.0.0.1');
  logger.info({ url, role }, 'platform listening');
  return {
    role,
    url,
    deps,
    app,
    sandboxWorker,
    sandbox,
    pushEngine,
    pushWorker,
    alerts: role === 'sandbox' ? null : { evaluator, rounds: alertRounds },
    amqp: amqpExchange,
    async close() {
      await alertRounds?.stop();
      mailer?.close();
      await pushWorker.stop();
      await sandboxWorker.stop();
      await amqpExchange?.stop();
      await app.close();
      await pgNotifier?.close();
      await opened.close();
      await traced?.shutdown().catch((err) => logger.warn({ err }, 'tracing: the last spans could not be exported'));
    },
  };
}

/** The HTTP face of the sandbox process: a health check for the orchestrator, nothing else. */
async function healthOnly(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/api/v1/health', async () => ({ status: 'ok' as const, role: 'sandbox' as const }));
  return app;
}
