/**
 * The platform's HTTP face: the HTTP exchange for import clients (`/exchange/v1`), the REST API
 * (`/api/v1`) and the web console (`/`). `build()` never listens; main.ts does.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CustomsPort } from '../core/exchange/accept.js';
import type { PlatformDeps } from '../core/ports.js';
import { answer, errorHandler } from './errors.js';
import type { SmsSender } from '../core/sms/verification-codes.js';
import { exchangeRoutes } from './exchange-routes.js';
import { registerOpenApi } from './openapi.js';
import { restRoutes } from './rest-routes.js';

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
}

export async function build(opts: AppOptions): Promise<FastifyInstance> {
  const { deps, customs } = opts;
  const maxMessageBytes = opts.maxMessageBytes ?? 64 * 1024 * 1024;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: maxMessageBytes,
    // long-polling receivers must not hold a shutdown
    forceCloseConnections: true,
    // errors the router raises before any route runs (an over-long parameter, a bad URL) get our shape too
    frameworkErrors: (error, req, reply) => void errorHandler(error, req, reply),
  });
  app.setErrorHandler(errorHandler);
  for (const type of ['application/octet-stream', 'application/zip', 'application/xml', 'text/xml'])
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxMessageBytes }, (_req, body, done) => done(null, body));

  await registerOpenApi(app);
  await app.register(exchangeRoutes, { deps, customs });
  await app.register(restRoutes, { deps, publicUrl: opts.publicUrl, sms: opts.sms, failedLoginDelayMs: opts.failedLoginDelayMs });

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
