/**
 * The HTTPS API of `osw signer` (the network signer, 加密机):
 *
 * - `GET  /v1/cards`                  the cards this client may use (SignerCardInfo, no key)
 * - `GET  /v1/cards/:cardNo`          one of them: number, enterprise, public key, certificate, lock state
 * - `POST /v1/cards/:cardNo/sign`     `{ data: <base64 payload>, pin }` → `{ cardNo, algorithm: "SM2-SM3", signature }`
 *
 * Every request carries `Authorization: Bearer <token>`, or comes over a TLS connection whose client
 * certificate (mutual TLS) the signer pins by its SHA-256; either is checked before anything else is
 * read, so a request from an unknown client never has its body parsed. A body over
 * `maxBodyBytes` is refused with 413 before it is parsed. A client may use only the cards its token
 * lists: another card, held or not, gets the same 403. Each request is logged with the client's
 * name, the card, the payload size and the outcome; never the token, the PIN or the payload.
 *
 * Errors are `{ error: { code, message, failCode? } }` with the status of the code's row in the error
 * table; `failCode` is the import client's failCode for a card refusal (C134, C144, C910).
 */
import crypto from 'node:crypto';
import type { ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { httpStatusOf, isErrorCode, isOswCode, MessageRejected, OswError, type ErrorCode, type Logger } from '@osw/messages';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SIGNER_CARD_NO, signerTokenSha256, type SignerConfig } from './config.js';
import type { SignerKeyring } from './keyring.js';

export const SIGNER_API = '/v1';

interface SignerClient {
  name: string;
  cardNos: ReadonlySet<string>;
}

export interface SignerAppDeps {
  keyring: SignerKeyring;
  clients: SignerConfig['clients'];
  maxBodyBytes: number;
  logger: Logger;
  /** its TLS key and certificate (and, for mutual TLS, that a client certificate is asked for) */
  https: Pick<ServerOptions, 'key' | 'cert' | 'requestCert' | 'rejectUnauthorized'>;
}

const SignBody = z.object({
  /** the bytes to sign, base64 */
  data: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'data is base64'),
  /** 卡密码: the card's PIN */
  pin: z.string().max(64).optional(),
});

/** what a card refusal answers: its code in the table, and the failCode the client writes */
const CARD_REFUSAL: Record<string, ErrorCode> = { C134: 'OSW_CARD_PIN_WRONG', C910: 'OSW_CARD_LOCKED' };

class SignerRefusal extends OswError {}

function answer(reply: FastifyReply, code: ErrorCode, message: string, failCode?: string) {
  const status = httpStatusOf(code);
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.status(status).send({ error: { code, message, ...(failCode ? { failCode } : {}) } });
}

/** SHA-256 of the certificate the TLS client presented, if any */
function peerCertificateSha256(req: FastifyRequest): string | undefined {
  const socket = req.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate()?.raw;
  return raw?.length ? crypto.createHash('sha256').update(raw).digest('hex') : undefined;
}

export async function buildSignerApp(deps: SignerAppDeps): Promise<FastifyInstance> {
  const byHash = new Map<string, SignerClient>();
  const byCert = new Map<string, SignerClient>();
  for (const c of deps.clients) {
    const client = { name: c.name, cardNos: new Set(c.cardNos) };
    if (c.tokenSha256) byHash.set(c.tokenSha256, client);
    if (c.certSha256) byCert.set(c.certSha256, client);
  }
  const log = deps.logger;
  const app = Fastify({ logger: false, bodyLimit: deps.maxBodyBytes, https: deps.https });
  const clientOf = new WeakMap<FastifyRequest, SignerClient>();

  app.addHook('onSend', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
  });
  // the client before the body: fastify parses the body after onRequest
  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    // a token when one is given; else the TLS client certificate (the handshake proved its key), pinned by its SHA-256
    const cert = !m && byCert.size ? peerCertificateSha256(req) : undefined;
    const client = m ? byHash.get(signerTokenSha256(m[1])) : cert ? byCert.get(cert) : undefined;
    if (!client) {
      const reason = m ? 'unknown token' : cert ? 'unknown client certificate' : 'no token, no client certificate';
      log.warn({ remote: req.ip, method: req.method, url: req.url, reason }, 'signer request refused');
      return answer(
        reply,
        'OSW_SIGNER_TOKEN_INVALID',
        '加密机访问令牌无效 (no token or client certificate, or one this signer does not know)',
      );
    }
    clientOf.set(req, client);
  });

  const allowedCard = (req: FastifyRequest, cardNo: string) => {
    const client = clientOf.get(req)!;
    const card = SIGNER_CARD_NO.test(cardNo) && client.cardNos.has(cardNo) ? deps.keyring.get(cardNo) : undefined;
    if (!card)
      throw new SignerRefusal(
        'OSW_SIGNER_KEY_NOT_ALLOWED',
        `该客户端无权使用IC卡[${cardNo}] (client ${client.name} may not use card ${cardNo})`,
      );
    return { client, card };
  };

  app.get(`${SIGNER_API}/cards`, async (req) => {
    const client = clientOf.get(req)!;
    return { cards: [...client.cardNos].flatMap((no) => deps.keyring.get(no)?.info() ?? []) };
  });

  app.get<{ Params: { cardNo: string } }>(`${SIGNER_API}/cards/:cardNo`, async (req) => allowedCard(req, req.params.cardNo).card.info());

  app.post<{ Params: { cardNo: string } }>(`${SIGNER_API}/cards/:cardNo/sign`, async (req, reply) => {
    const started = Date.now();
    const who = { client: clientOf.get(req)!.name, cardNo: req.params.cardNo, remote: req.ip };
    try {
      const { card } = allowedCard(req, req.params.cardNo);
      const body = SignBody.safeParse(req.body);
      if (!body.success)
        throw new SignerRefusal(
          'OSW_VALIDATION',
          `请求参数有误 (invalid request): ${body.error.issues.map((i) => `body.${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      const data = Buffer.from(body.data.data, 'base64');
      const signature = await card.sign(data, body.data.pin);
      log.info({ ...who, bytes: data.length, ms: Date.now() - started, outcome: 'signed' }, 'signed');
      return { cardNo: card.cardNo, algorithm: 'SM2-SM3', signature };
    } catch (err) {
      const code = (err as OswError).code ?? 'OSW_INTERNAL';
      log.warn({ ...who, ms: Date.now() - started, outcome: code, reason: (err as Error).message }, 'signature refused');
      if (err instanceof MessageRejected) return answer(reply, CARD_REFUSAL[err.code] ?? err.code, err.message, err.code);
      throw err;
    }
  });

  app.setNotFoundHandler((req, reply) => answer(reply, 'OSW_NOT_FOUND', `no such route: ${req.method} ${req.url.split('?')[0]}`));
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof MessageRejected) return answer(reply, CARD_REFUSAL[err.code] ?? err.code, err.message, err.code);
    if (err instanceof OswError && isErrorCode(err.code)) return answer(reply, err.code, err.message);
    const fe = err as FastifyError;
    if (fe.statusCode && fe.statusCode < 500) {
      const code = `OSW_HTTP_${fe.code}`;
      log.warn({ remote: req.ip, url: req.url, client: clientOf.get(req)?.name, outcome: fe.code }, 'signer request refused');
      return answer(reply, isOswCode(code) ? code : 'OSW_BAD_REQUEST', fe.message);
    }
    log.error({ err: (err as Error).message, url: req.url }, 'signer request failed');
    return answer(reply, 'OSW_INTERNAL', 'internal error; see the signer log');
  });
  return app;
}
