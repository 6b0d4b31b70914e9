/** OpenAPI 3.1 generated from the routes' zod schemas, served at `/api/docs` (UI) and `/api/docs/json`. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export const API_DOCS_PREFIX = '/api/docs';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const zodTransform = createJsonSchemaTransform({ skipList: [] });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'open-single-window platform API',
        description:
          'REST API of the platform (中国国际贸易单一窗口 data exchange): sessions, import clients (导入客户端), the three subscription services, SMS codes, audit log. ' +
          'Errors are `{ "error": { "code", "message" } }` with stable `OSW_…` codes (docs/errors.md); messages follow `Accept-Language` (zh or en; both when absent). ' +
          'Lists answer `{ items, total }` with `page`, `pageSize`, `from`, `to` and per-list filters.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'token from POST /api/v1/session' } } },
      tags: [
        {
          name: 'exchange',
          description: "the import clients' HTTP exchange (docs/exchange-http.md); HTTP Basic with client id and secret",
        },
      ],
    },
    transform: (doc) => {
      // routes without zod schemas (the HTTP exchange) are listed as they are, under their tag
      if (doc.url.startsWith('/exchange/')) return { schema: { ...(doc.schema ?? {}), tags: ['exchange'] } as never, url: doc.url };
      return zodTransform(doc);
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: API_DOCS_PREFIX });
}
