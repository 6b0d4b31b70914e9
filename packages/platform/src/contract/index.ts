/**
 * The REST API's contract: the zod schemas of every answer of `/api/v1` (the views). The routes
 * answer with exactly these (fastify-type-provider-zod checks and documents them at /api/docs), and
 * the web console takes its types from them (`import type … from '@osw/platform/contract'`).
 *
 * zod and `@osw/messages/forms` only — no fastify, no store, no Node APIs — so a browser bundle may
 * import it. Request bodies are the `…Body` schemas of `@osw/messages/forms`. How a stored row
 * becomes a view (the mapping functions) stays with the routes.
 */
export * from './common.js';
export * from './session.js';
export * from './clients.js';
export * from './subscriptions.js';
export * from './sms.js';
export * from './declarations.js';
export * from './pushes.js';
export * from './sandbox.js';
export * from './audit.js';
export * from './cards.js';
export * from './dead-letters.js';
export * from './users.js';
export * from './alerts.js';
export * from './events.js';
