/**
 * The import client's configuration: one zod schema; defaults < file (YAML or JSON) < environment.
 * Every problem is reported at once; secrets are redacted whenever the config is shown.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUSINESS_TYPES, CLIENT_ID_PATTERN, hidePassword, OswError } from '@osw/messages';
import { BATCH_MAX_MESSAGES } from '@osw/messages/exchange';
import YAML from 'yaml';
import { z } from 'zod';
import { DEFAULT_STATUS_PAGE_HOSTS, STATUS_PASSWORD_HASH_PATTERN } from './adapters/status/status-page.js';

const businessSchema = z.object({
  /** folder alias (BizID); the user may rename it */
  bizId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'BizID may hold letters, digits, _ . -')
    .optional(),
  /** the business's own root folder; default <impPath>/<bizId> */
  root: z.string().optional(),
  enabled: z.boolean().default(true),
  /** 同时最大任务数: sends (requests, or confirm windows over RabbitMQ) in flight at once */
  maxConcurrentTasks: z.number().int().min(1).max(64).default(1),
  /** the most files one send carries (one HTTP batch request, one confirm window); 1 sends file by file */
  sendBatchFiles: z.number().int().min(1).max(BATCH_MAX_MESSAGES).default(50),
  /**
   * check each file against the message rules and customs code tables before it is sent (what
   * `osw message validate` checks): one that fails goes to FailBox at once with C914 and every problem
   */
  validateBeforeSend: z.boolean().default(false),
});

const signerSchema = z
  .object({
    url: z.string().superRefine((u, ctx) => {
      if (!/^https:\/\/[^/?#]+\/?$/i.test(u) || !z.string().url().safeParse(u).success)
        ctx.addIssue({ code: 'custom', message: 'the signer url is https://host:port (the token travels only over TLS)' });
    }),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    /** the CA certificate (PEM) that signed the signer's TLS certificate: its own certificate when `osw signer init` made it */
    caFile: z.string().min(1).optional(),
    /** mutual TLS instead of a token: the client certificate and key (PEM, key 0600) from `osw signer add-client --make-client-cert` */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    cardNo: z.string().regex(/^\d{13}$/, 'a card number is 13 digits'),
    /** 卡密码, sent with each signature request; the signer counts wrong PINs */
    pin: z.string().optional(),
    /** one request waits this long for the signer's answer */
    timeoutMs: z.number().int().min(100).default(10_000),
    /** while the signer cannot be reached, a file waits and signing is tried again this long, then C915 */
    retryForMs: z.number().int().min(0).default(60_000),
  })
  .refine((s) => !!s.certFile === !!s.keyFile, { path: ['certFile'], message: 'mutual TLS takes both certFile and keyFile' })
  .refine((s) => [s.token, s.tokenFile, s.certFile].filter(Boolean).length === 1, {
    path: ['token'],
    message: 'give the signer token, tokenFile, or certFile and keyFile (mutual TLS): one of them',
  });

const knownTypes = BUSINESS_TYPES.map((b) => b.type) as [string, ...string[]];

/**
 * 传输方式: the client speaks HTTPS and RabbitMQ; the manual also names IBM MQ, which is refused by
 * name (OSW_CLIENT_TRANSPORT_UNSUPPORTED) before the card is opened or its PIN asked.
 */
export const CLIENT_TRANSPORTS = ['https', 'rabbitmq'] as const;
export type ClientTransportName = (typeof CLIENT_TRANSPORTS)[number];
const IBM_MQ_NAME = /^\s*(ibm[\s_-]*mq|websphere[\s_-]*mq|wmq|mq(series)?)\s*$/i;
const IBM_MQ_URL = /^\s*(ibmmq|ibm-mq|wmq|mq|jms):/i;
/** the refusal of IBM MQ, naming what is supported */
export const IBM_MQ_REFUSAL =
  '暂不支持IBM MQ传输方式，支持的传输方式为HTTPS和RabbitMQ (IBM MQ is not supported; the supported transports are https — an http:// or https:// platform url — and rabbitmq — an amqp:// or amqps:// platform url)';

/** Whether a transport name (`--transport`, `platform.transport`) or a platform URL means IBM MQ. */
export function meansIbmMq(value: string): boolean {
  return IBM_MQ_NAME.test(value) || IBM_MQ_URL.test(value);
}

/** The transport a platform URL selects. */
export function transportOfUrl(url: string): ClientTransportName {
  return /^amqps?:/i.test(url) ? 'rabbitmq' : 'https';
}

export const ClientConfigSchema = z.object({
  clientId: z.string().regex(CLIENT_ID_PATTERN, 'client id is DXPESW or DXPENT followed by 10 digits'),
  /** test or prod; one machine runs clients of one environment only */
  environment: z.enum(['test', 'prod']).default('test'),
  platform: z
    .object({
      /** the HTTP exchange (`http(s)://…`) or RabbitMQ (`amqp://host:5672/vhost`, `amqps://host:5671/vhost`) */
      url: z.string().superRefine((u, ctx) => {
        if (meansIbmMq(u)) ctx.addIssue({ code: 'custom', message: IBM_MQ_REFUSAL });
        else if (!z.string().url().safeParse(u).success || !/^(https?|amqps?):/i.test(u))
          ctx.addIssue({ code: 'custom', message: 'the platform url must be http://, https://, amqp:// or amqps://' });
      }),
      /**
       * 传输方式, optional: `https` or `rabbitmq`; the url's scheme decides when it is left out, and
       * must agree when it is given. IBM MQ (`ibmmq`) is refused.
       */
      transport: z
        .string()
        .superRefine((t, ctx) => {
          if (meansIbmMq(t)) ctx.addIssue({ code: 'custom', message: IBM_MQ_REFUSAL });
          else if (!(CLIENT_TRANSPORTS as readonly string[]).includes(t.trim().toLowerCase()))
            ctx.addIssue({ code: 'custom', message: `transport ${t} is not known: the supported transports are https and rabbitmq` });
        })
        .optional(),
      secret: z.string().min(1, 'the client secret issued by the platform is required'),
      /** RabbitMQ only: the broker user (传输设置 user), default `U_SW` + the client id's digits */
      brokerUser: z.string().min(1).optional(),
      /** RabbitMQ over TLS: the CA certificate (PEM) that signed the broker's certificate, if not a public CA */
      caFile: z.string().min(1).optional(),
    })
    .refine((p) => p.transport === undefined || p.transport.trim().toLowerCase() === transportOfUrl(p.url), {
      path: ['transport'],
      message: 'the transport does not match the platform url: https takes an http:// or https:// url, rabbitmq an amqp:// or amqps:// url',
    }),
  impPath: z.string().min(1),
  businesses: z.partialRecord(z.enum(knownTypes), businessSchema).default({}),
  /** where a push for a disabled or unknown business is written */
  defaultBusiness: z.enum(knownTypes).default('declaration'),
  /** 卡/加密机设置: the card file and the saved PIN (卡密码); or `signer` */
  card: z.object({ file: z.string().min(1), pin: z.string().optional() }).optional(),
  /**
   * 加密机: a card held by a network signer (`osw signer`) instead of a card file: its https url, the
   * client token it issued (`token`, or `tokenFile` holding it, 0600), the CA of its TLS certificate,
   * the card number and the card's PIN
   */
  signer: signerSchema.optional(),
  stableMs: z.number().int().min(0).default(1000),
  rescanMs: z.number().int().min(50).default(2000),
  maxFileBytes: z
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  /** one send waits this long for the platform's answer; the last try timing out gives C141 */
  sendTimeoutMs: z.number().int().min(100).default(60_000),
  /** while the platform cannot be reached, keep retrying this long, then C18 */
  sendRetryForMs: z
    .number()
    .int()
    .min(0)
    .default(5 * 60_000),
  retryBaseMs: z.number().int().min(1).default(500),
  retryMaxMs: z.number().int().min(1).default(30_000),
  receiveWaitMs: z.number().int().min(0).max(30_000).default(20_000),
  /** messages received, filed and acknowledged together (also the RabbitMQ prefetch) */
  receiveBatch: z.number().int().min(1).max(5000).default(500),
  /** 自动重发: FailBox files that failed in transport (C18, C141) go back to OutBox */
  autoResend: z
    .object({
      enabled: z.boolean().default(false),
      attempts: z.number().int().min(1).max(100).default(3),
      intervalMs: z
        .number()
        .int()
        .min(1000)
        .default(10 * 60_000),
    })
    .default({ enabled: false, attempts: 3, intervalMs: 10 * 60_000 }),
  /** SentBox date folders older than this are removed (0 keeps them forever) */
  sentBoxRetentionDays: z.number().int().min(0).default(30),
  /** when the daily SentBox cleanup runs, China time `HH:mm` (it also runs at start) */
  cleanupAt: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'cleanupAt is HH:mm')
    .default('03:00'),
  /** log folder: <logDir>/<yyyyMMdd>/SWLog-<yyyyMMdd>.log */
  logDir: z.string().optional(),
  /**
   * the daily log SWLog: `enabled` true writes it always (also beside the logger of a program that
   * embeds the client, as the demo does), false never; left out, it is written unless such a logger
   * is given. `format` text (one human-readable line per event) or json (pino's lines).
   */
  swLog: z
    .object({
      enabled: z.boolean().optional(),
      format: z.enum(['text', 'json']).default('text'),
    })
    .default({ format: 'text' }),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** the local status page (导入监控); port 0 picks a free port; enabled false turns it off */
  statusPage: z
    .object({
      enabled: z.boolean().default(true),
      /** the address it listens on */
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(17080),
      /** the names a request's Host header may give (DNS rebinding defence); the listening address is always allowed */
      allowedHosts: z
        .array(z.string().min(1))
        .min(1)
        .default([...DEFAULT_STATUS_PAGE_HOSTS]),
      /** the page's password, hashed (`osw client status-password` writes it): asked by HTTP Basic */
      passwordHash: z
        .string()
        .regex(STATUS_PASSWORD_HASH_PATTERN, 'passwordHash is scrypt$N$r$p$salt$hash (osw client status-password)')
        .optional(),
      /** the password itself: only from OSW_CLIENT_STATUS_PASSWORD (or a program), never the file */
      password: z.string().min(1).optional(),
    })
    .default({ enabled: true, host: '127.0.0.1', port: 17080, allowedHosts: [...DEFAULT_STATUS_PAGE_HOSTS] }),
  /** first signal: how long in-flight files may take to finish before the client stops anyway */
  shutdownGraceMs: z.number().int().min(0).default(10_000),
  /** replaces the machine facts in the device fingerprint (containers, tests); normally unset */
  deviceId: z.string().min(1).optional(),
  /** keep received message ids this many days to drop redeliveries */
  receivedRetentionDays: z.number().int().min(1).default(30),
  /**
   * OpenTelemetry tracing (docs/operations.md), off unless `otlpEndpoint` is set here or in the standard
   * OTEL_EXPORTER_OTLP_ENDPOINT: a span per file sent and per file written into an InBox; the trace
   * context goes to the platform in the exchange's `traceparent`
   */
  tracing: z
    .object({
      /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318` (spans go to `/v1/traces` below it) */
      otlpEndpoint: z.url().optional(),
      serviceName: z.string().min(1).default('osw-client'),
      /** share of the files sent whose journey is recorded, 0–1 */
      sampleRatio: z.number().min(0).max(1).default(1),
    })
    .default({ serviceName: 'osw-client', sampleRatio: 1 }),
});
export type ClientConfigInput = z.input<typeof ClientConfigSchema>;
export type ClientConfig = z.output<typeof ClientConfigSchema>;

export interface ResolvedBusiness {
  type: string;
  name: string;
  bizId: string;
  root: string;
  enabled: boolean;
  maxConcurrentTasks: number;
  sendBatchFiles: number;
  validateBeforeSend: boolean;
}

export function parseClientConfig(input: unknown, fileProblems: string[] = []): ClientConfig {
  const r = ClientConfigSchema.safeParse(input);
  const problems = [...fileProblems, ...(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`))];
  const given = (input ?? {}) as { card?: unknown; signer?: unknown };
  if (given.card && given.signer) problems.push('signer: 卡/加密机设置: give card (a card file) or signer (a network signer), not both');
  if (problems.length) {
    const all = problems.map((p) => `  - ${p}`).join('\n');
    // IBM MQ chosen as the transport has its own code (the platform answers it the same way); every problem is still listed
    const ibmMq = !r.success && r.error.issues.some((i) => i.message === IBM_MQ_REFUSAL);
    throw new OswError(
      ibmMq ? 'OSW_CLIENT_TRANSPORT_UNSUPPORTED' : 'OSW_CONFIG_INVALID',
      `the client configuration has ${problems.length} problem(s):\n${all}`,
    );
  }
  return r.data!;
}

/** Environment variables that override the file: secrets need not be written into it. */
export const CONFIG_ENV = {
  OSW_CLIENT_ID: ['clientId'],
  OSW_CLIENT_PLATFORM_URL: ['platform', 'url'],
  OSW_CLIENT_TRANSPORT: ['platform', 'transport'],
  OSW_CLIENT_SECRET: ['platform', 'secret'],
  OSW_CLIENT_IMP_PATH: ['impPath'],
  OSW_CLIENT_CARD_FILE: ['card', 'file'],
  OSW_CLIENT_CARD_PIN: ['card', 'pin'],
  OSW_CLIENT_SIGNER_TOKEN: ['signer', 'token'],
  OSW_CLIENT_SIGNER_PIN: ['signer', 'pin'],
  OSW_CLIENT_LOG_DIR: ['logDir'],
  OSW_CLIENT_STATUS_PORT: ['statusPage', 'port'],
  OSW_CLIENT_STATUS_PASSWORD: ['statusPage', 'password'],
  OTEL_EXPORTER_OTLP_ENDPOINT: ['tracing', 'otlpEndpoint'],
  OTEL_SERVICE_NAME: ['tracing', 'serviceName'],
} as const;

function setPath(obj: Record<string, any>, keys: readonly string[], value: unknown) {
  let cur = obj;
  for (const k of keys.slice(0, -1)) cur = cur[k] = typeof cur[k] === 'object' && cur[k] !== null ? cur[k] : {};
  cur[keys[keys.length - 1]] = value;
}

/**
 * Reads a config file (YAML or JSON), applies the environment, resolves relative paths against
 * the file's folder and validates. Throws OSW_CONFIG_INVALID with every problem.
 */
export function loadClientConfig(file: string, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  let raw: Record<string, any>;
  try {
    raw = (YAML.parse(readFileSync(file, 'utf8')) as Record<string, any>) ?? {};
  } catch (err) {
    throw new OswError('OSW_CONFIG_INVALID', `cannot read the client configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
  // a password in the file would be readable by whoever reads the file: the file keeps its hash
  const fileProblems =
    raw.statusPage && typeof raw.statusPage === 'object' && 'password' in raw.statusPage
      ? [
          'statusPage.password: not in the file; store statusPage.passwordHash (osw client status-password) or set OSW_CLIENT_STATUS_PASSWORD',
        ]
      : [];
  for (const [name, keys] of Object.entries(CONFIG_ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, keys, name === 'OSW_CLIENT_STATUS_PORT' ? Number(v) : v);
  }
  // the token from the environment takes the place of a token file
  if (env.OSW_CLIENT_SIGNER_TOKEN && raw.signer && typeof raw.signer === 'object') {
    delete raw.signer.tokenFile;
    delete raw.signer.certFile;
    delete raw.signer.keyFile;
  }
  const config = parseClientConfig(raw, fileProblems);
  const base = path.dirname(path.resolve(file));
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  config.impPath = abs(config.impPath);
  if (config.card) config.card.file = abs(config.card.file);
  if (config.platform.caFile) config.platform.caFile = abs(config.platform.caFile);
  if (config.signer?.caFile) config.signer.caFile = abs(config.signer.caFile);
  if (config.signer?.tokenFile) config.signer.tokenFile = abs(config.signer.tokenFile);
  if (config.signer?.certFile) config.signer.certFile = abs(config.signer.certFile);
  if (config.signer?.keyFile) config.signer.keyFile = abs(config.signer.keyFile);
  config.logDir = abs(config.logDir ?? 'logs');
  for (const b of Object.values(config.businesses)) if (b?.root) b.root = abs(b.root);
  return config;
}

/** Only the status page settings of a config file (for `osw client status|pause|resume`, which need no secrets). */
export function loadStatusPageSettings(file: string, env: NodeJS.ProcessEnv = process.env): ClientConfig['statusPage'] {
  let raw: Record<string, any>;
  try {
    raw = (YAML.parse(readFileSync(file, 'utf8')) as Record<string, any>) ?? {};
  } catch (err) {
    throw new OswError('OSW_CONFIG_INVALID', `cannot read the client configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
  const page = ClientConfigSchema.shape.statusPage.parse(raw.statusPage);
  if (env.OSW_CLIENT_STATUS_PORT) page.port = Number(env.OSW_CLIENT_STATUS_PORT);
  return page;
}

/** Every business of the manual, with the user's settings applied. */
export function resolveBusinesses(config: ClientConfig): ResolvedBusiness[] {
  return BUSINESS_TYPES.map((b) => {
    const own = config.businesses[b.type];
    const bizId = own?.bizId ?? b.defaultBizId;
    return {
      type: b.type,
      name: b.name,
      bizId,
      root: own?.root ?? path.join(config.impPath, bizId),
      enabled: own?.enabled ?? true,
      maxConcurrentTasks: own?.maxConcurrentTasks ?? 1,
      sendBatchFiles: own?.sendBatchFiles ?? 50,
      validateBeforeSend: own?.validateBeforeSend ?? false,
    };
  });
}

/** The config as safe to print or log. */
export function redactedConfig(config: ClientConfig): unknown {
  return {
    ...config,
    platform: { ...config.platform, url: hidePassword(config.platform.url, 'REDACTED'), secret: '[REDACTED]' },
    tracing: { ...config.tracing, otlpEndpoint: config.tracing.otlpEndpoint && hidePassword(config.tracing.otlpEndpoint, 'REDACTED') },
    card: config.card && { ...config.card, pin: config.card.pin ? '[REDACTED]' : undefined },
    signer: config.signer && {
      ...config.signer,
      token: config.signer.token ? '[REDACTED]' : undefined,
      pin: config.signer.pin ? '[REDACTED]' : undefined,
    },
    statusPage: {
      ...config.statusPage,
      password: config.statusPage.password ? '[REDACTED]' : undefined,
      passwordHash: config.statusPage.passwordHash ? '[REDACTED]' : undefined,
    },
  };
}
