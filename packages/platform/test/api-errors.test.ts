import Fastify, { errorCodes, type FastifyInstance } from 'fastify';
import { ERROR_CODES, FAIL_CODES, FAIL_CODE_STATUS, isFailCode, isOswCode, MessageRejected, OswError, type OswCode } from '@osw/messages';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorHandler, frameworkCode } from '../src/api/errors.js';
import { createEnterprise, issueCard } from '../src/core/identity/registry.js';
import type { Store } from '../src/core/store.js';
import { apiWorld, type ApiWorld } from './api-world.js';

const clock = { now: () => new Date('2026-11-21T02:00:00.000Z') };
/** a store that has handed out every card number of the range */
const exhausted = { serials: { next: async () => 1_000_000 } } as unknown as Store;

describe('API error statuses come from the error table', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler(errorHandler);
    app.get<{ Params: { code: string } }>('/throw/:code', async (req) => {
      const { code } = req.params;
      if (isFailCode(code)) throw new MessageRejected(code, `${code} raised`);
      if (isOswCode(code)) throw new OswError(code, `${code} raised`);
      throw new Error('not a code of the table');
    });
    app.post<{ Body: { customsCode: string; uscc: string; name: string; region: string } }>('/enterprises', async (req) => {
      await createEnterprise({ store: {} as Store, clock }, req.body);
      return {};
    });
    app.post<{ Body: { pin: string } }>('/cards', async (req) => {
      await issueCard({ store: exhausted, clock }, { enterpriseCode: '4403980001', kind: 'legal', pin: req.body.pin });
      return {};
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it.each(Object.entries(ERROR_CODES))('%s is answered with its status from the table', async (code, entry) => {
    const r = await app.inject({ method: 'GET', url: `/throw/${code}` });
    expect(r.statusCode).toBe(entry.status);
    expect(r.json().error.code).toBe(code);
  });

  it.each(Object.keys(FAIL_CODES))('failCode %s is answered 400', async (code) => {
    const r = await app.inject({ method: 'GET', url: `/throw/${code}` });
    expect(r.statusCode).toBe(FAIL_CODE_STATUS);
    expect(r.json().error.code).toBe(code);
  });

  it('an enterprise with bad data is answered 400 OSW_ENTERPRISE_INVALID', async () => {
    const r = await app.inject({ method: 'POST', url: '/enterprises', payload: { customsCode: 'x', uscc: 'y', name: '', region: '53' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('OSW_ENTERPRISE_INVALID');
  });

  it('a card PIN that is not 6 to 8 digits is answered 400 OSW_CARD_PIN_INVALID', async () => {
    const r = await app.inject({ method: 'POST', url: '/cards', payload: { pin: '12' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('OSW_CARD_PIN_INVALID');
  });

  it('a card asked for once the card numbers are used up is answered 409 OSW_CARD_NUMBERS_EXHAUSTED', async () => {
    const r = await app.inject({ method: 'POST', url: '/cards', payload: { pin: '12345678' } });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('OSW_CARD_NUMBERS_EXHAUSTED');
  });

  it('an error that is not ours is answered 500 OSW_INTERNAL', async () => {
    const r = await app.inject({ method: 'GET', url: '/throw/nothing' });
    expect(r.statusCode).toBe(500);
    expect(r.json().error.code).toBe('OSW_INTERNAL');
  });
});

describe("fastify's own client errors", () => {
  const framework = Object.keys(ERROR_CODES).filter((c) => c.startsWith('OSW_HTTP_')) as OswCode[];

  it.each(framework)('%s has the status fastify gives its error', (code) => {
    const fastifyCode = code.slice('OSW_HTTP_'.length) as keyof typeof errorCodes;
    expect(errorCodes[fastifyCode], `fastify has no ${fastifyCode}`).toBeDefined();
    expect(ERROR_CODES[code].status).toBe(new errorCodes[fastifyCode]('a', 'b', 'c').statusCode);
    expect(frameworkCode(fastifyCode)).toBe(code);
  });

  it('a fastify code the table does not know has no code of its own', () => {
    expect(frameworkCode('FST_ERR_SOMETHING_NEW')).toBeUndefined();
    expect(frameworkCode(undefined)).toBeUndefined();
  });

  describe('answered by the platform', () => {
    let w: ApiWorld;
    beforeEach(async () => {
      w = await apiWorld({ maxMessageBytes: 1024 });
    });
    afterEach(async () => {
      await w.close();
    });

    it('a body that is not JSON is answered 400 OSW_HTTP_FST_ERR_CTP_INVALID_JSON_BODY', async () => {
      const r = await w.call(null, 'POST', '/api/v1/session', '{"account": ', { 'content-type': 'application/json' });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('OSW_HTTP_FST_ERR_CTP_INVALID_JSON_BODY');
    });

    it('a body of a content type no route reads is answered 415 OSW_HTTP_FST_ERR_CTP_INVALID_MEDIA_TYPE', async () => {
      const r = await w.call(null, 'POST', '/api/v1/session', 'account=a', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(r.status).toBe(415);
      expect(r.body.error.code).toBe('OSW_HTTP_FST_ERR_CTP_INVALID_MEDIA_TYPE');
    });

    it('a message over the size limit is answered 413 OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE', async () => {
      const auth = 'Basic ' + Buffer.from(`${w.owner.clientId}:${w.owner.secret}`).toString('base64');
      const r = await w.app.inject({
        method: 'POST',
        url: '/exchange/v1/messages',
        payload: Buffer.alloc(4096, 0x20),
        headers: {
          authorization: auth,
          'content-type': 'application/octet-stream',
          'x-osw-message-id': 'm-00000001',
          'x-osw-file-name': 'a.xml',
          'x-osw-business': 'declaration',
        },
      });
      expect(r.statusCode).toBe(413);
      expect(r.json().error.code).toBe('OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE');
    });

    it('a URL that cannot be decoded is answered 400 OSW_HTTP_FST_ERR_BAD_URL', async () => {
      const r = await w.call(w.owner, 'GET', '/api/v1/clients/%E0%A4%A');
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('OSW_HTTP_FST_ERR_BAD_URL');
    });

    it('a path parameter over the router limit is answered 414 OSW_HTTP_FST_ERR_MAX_PARAM_LENGTH', async () => {
      const r = await w.call(w.owner, 'GET', `/api/v1/clients/${'A'.repeat(300)}`);
      expect(r.status).toBe(414);
      expect(r.body.error.code).toBe('OSW_HTTP_FST_ERR_MAX_PARAM_LENGTH');
    });
  });
});
