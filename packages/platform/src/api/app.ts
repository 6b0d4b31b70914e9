/**
 * The platform's HTTP face: the HTTP exchange for import clients (`/exchange/v1`), the REST API
 * (`/api/v1`) and the web console (`/`). `build()` never listens; main.ts does.
 */
import crypto from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { WebhookPort } from '../core/push/ports.js';
import type { CustomsPort } from '../core/exchange/accept.js';
import type { PlatformDeps } from '../core/ports.js';
import { OswError } from '@osw/messages';
import { answer, errorHandler } from './errors.js';
import type { SmsSender } from '../core/sms/verification-codes.js';
import { exchangeRoutes } from './exchange-routes.js';
import { registerOpenApi } from './openapi.js';
import { restRoutes, type RestOptions } from './rest-routes.js';

export interface AppOptions {
  deps: PlatformDeps;
  customs: CustomsPort;
  /** folder holding the built web console (index.html) */
  webRoot?: string;
  /** largest message accepted by the exchange */
  maxMessageBytes?: number;
  logger?: boolean | object;
  /** the platform's public base URL, for the transport settings of new clients; else each request's own */
  publicUrl?: string;
  /** SMS provider for verification codes (the embedded outbox, or an SMS gateway) */
  sms: SmsSender;
  /** slows brute force on passwords: a failed login is answered after failures × this (default 100 ms) */
  failedLoginDelayMs?: number;
  /**
   * which proxies to believe about the caller's address (`X-Forwarded-For`), as fastify's
   * `trustProxy`: behind a reverse proxy the limits on wrong passwords count per real address
   */
  trustProxy?: boolean | string | string[];
  /** checks webhook URLs at registration (the addresses webhooks may reach), sends test events */
  webhook: WebhookPort;
  /** how long a test event waits for the endpoint (push.webhookTimeoutMs) */
  webhookTimeoutMs?: number;
  /** whether the SMS outbox may be listed (`GET /api/v1/sms/outbox`): only with the embedded provider */
  smsOutbox?: boolean;
  /** `GET /metrics` for a scraper sending `Authorization: Bearer <token>`; absent: no such route */
  metrics?: { source: { text(): Promise<{ body: string; contentType: string }> }; token: string };
  /** alerts (告警): the evaluator and whether mail is available; absent: no alert routes */
  alerts?: RestOptions['alerts'];
}

/**
 * JSON bodies of the REST API and of the exchange's acknowledgements; routes that need more or less
 * say so (a login 16 KiB, a manual change 1 MiB, an exchange message `maxMessageBytes`)
 */
export const JSON_BODY_LIMIT = 64 * 1024;

/**
 * The headers every answer carries, the console's pages and the API's alike: no framing (clickjacking),
 * no content-type sniffing, no referrer to other sites, and a content security policy that lets only
 * the console's own scripts run.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** NUL characters in a URL (`%00`) or in any string of a JSON body: refused, on every engine alike */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > 64 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\0') || hasNul(v, depth + 1));
}

function refuseNul(what: string): Error {
  return new OswError('OSW_VALIDATION', `请求参数有误：${what}含有NUL字符 (invalid request: ${what} contains a NUL character)`, {
    details: { zh: `请求参数有误：${what}含有NUL字符`, en: `invalid request: ${what} contains a NUL character` },
  });
}

function securityHeaders(_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
  done(null, payload);
}

export async function build(opts: AppOptions): Promise<FastifyInstance> {
  const { deps, customs } = opts;
  const maxMessageBytes = opts.maxMessageBytes ?? 64 * 1024 * 1024;
  const app = Fastify({
    logger: opts.logger ?? false,
    // small by default; the exchange's message upload alone takes up to maxMessageBytes (exchange-routes.ts)
    bodyLimit: JSON_BODY_LIMIT,
    trustProxy: opts.trustProxy ?? false,
    // long-polling receivers must not hold a shutdown
    forceCloseConnections: true,
    // errors the router raises before any route runs (an over-long parameter, a bad URL) get our shape too
    frameworkErrors: (error, req, reply) => void errorHandler(error, req, reply),
  });
  app.setErrorHandler(errorHandler);
  // the route's bodyLimit applies: a REST route reads no more of these than of JSON
  for (const type of ['application/octet-stream', 'application/zip', 'application/xml', 'text/xml'])
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onSend', securityHeaders);
  app.addHook('onRequest', async (req) => {
    if (/%00/i.test(req.url) || req.url.includes('\0')) throw refuseNul('URL');
  });
  app.addHook('preValidation', async (req) => {
    if (hasNul(req.body)) throw refuseNul('body');
  });

  await registerOpenApi(app);
  await app.register(exchangeRoutes, { deps, customs, maxMessageBytes });
  await app.register(restRoutes, {
    deps,
    publicUrl: opts.publicUrl,
    sms: opts.sms,
    failedLoginDelayMs: opts.failedLoginDelayMs,
    webhook: opts.webhook,
    webhookTimeoutMs: opts.webhookTimeoutMs,
    smsOutbox: opts.smsOutbox ?? opts.sms.name === 'outbox',
    alerts: opts.alerts,
  });

  if (opts.metrics) {
    const { source, token } = opts.metrics;
    app.get('/metrics', async (req, reply) => {
      if (!bearerMatches(req.headers.authorization, token))
        return answer(reply, 'OSW_AUTH_REQUIRED', '/metrics needs the scraper token: Authorization: Bearer <metricsToken>');
      const { body, contentType } = await source.text();
      return reply.type(contentType).header('cache-control', 'no-store').send(body);
    });
  }

  // ---- web console: the built SPA's files; any other page path gets index.html (client-side routes) ----
  const webRoot = opts.webRoot ? path.resolve(opts.webRoot) : undefined;
  app.setNotFoundHandler(async (req, reply) => {
    const urlPath = req.url.split('?')[0];
    const isApi = /^\/(api|exchange)(\/|$)/.test(urlPath);
    if (webRoot && !isApi && (req.method === 'GET' || req.method === 'HEAD')) {
      const file = await staticFile(webRoot, urlPath);
      if (file) {
        reply.type(file.type).header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        return reply.send(file.body);
      }
    }
    return answer(reply, 'OSW_NOT_FOUND', `no route ${req.method} ${req.url}`);
  });
  return app;
}

/** Whether an Authorization header carries the bearer token (compared in constant time). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (!given) return false;
  const digest = (v: string) => crypto.createHash('sha256').update(v).digest();
  return crypto.timingSafeEqual(digest(given), digest(token));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The file of the console for a URL path: the file itself when it exists inside `root`, else
 * index.html for a page path (no extension), else nothing. Hashed assets are cached for good.
 */
async function staticFile(root: string, urlPath: string): Promise<{ body: Buffer; type: string; immutable: boolean } | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const target = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (target !== root && !target.startsWith(root + path.sep)) return null;
  const isFile = await stat(target).then(
    (s) => s.isFile(),
    () => false,
  );
  if (isFile) {
    const ext = path.extname(target).toLowerCase();
    return { body: await readFile(target), type: CONTENT_TYPES[ext] ?? 'application/octet-stream', immutable: rel.startsWith('/assets/') };
  }
  if (path.extname(rel)) return null;
  const index = path.join(root, 'index.html');
  const body = await readFile(index).catch(() => null);
  return body ? { body, type: CONTENT_TYPES['.html'], immutable: false } : null;
}
