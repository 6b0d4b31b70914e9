/**
 * The one place where error codes become HTTP answers: `{ error: { code, message } }`.
 * Messages follow `Accept-Language`: Chinese for zh, English for en, both (`中文 (English)`) otherwise.
 */
import { MessageRejected, OswError } from '@osw/messages';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { formMessage } from '@osw/messages/forms';
import { ZodError } from 'zod';

const STATUS: Record<string, number> = {
  OSW_AUTH_REQUIRED: 401,
  OSW_AUTH_FAILED: 401,
  OSW_AUTH_LOCKED: 423,
  OSW_CLIENT_DISABLED: 403,
  OSW_DEVICE_MISMATCH: 403,
  OSW_NOT_FOUND: 404,
  OSW_VALIDATION: 400,
  OSW_EXCHANGE_BAD_MESSAGE_ID: 400,
  OSW_EXCHANGE_BAD_REQUEST: 400,
  OSW_PASSWORD_WEAK: 400,
  // cards (card proof in requests)
  OSW_CARD_INVALID: 403,
  OSW_CARD_KIND: 403,
  OSW_CARD_PIN_WRONG: 403,
  OSW_CARD_LOCKED: 423,
  // client registry
  OSW_CLIENT_TRANSPORT_UNSUPPORTED: 400,
  OSW_ENTERPRISE_NOT_FOUND: 404,
  // subscriptions
  OSW_SUB_CONTENT_EMPTY: 400,
  OSW_SUB_RECEIPT_TYPE_UNKNOWN: 400,
  OSW_SUB_VALIDITY: 400,
  OSW_SUB_EXPIRED: 409,
  OSW_SUB_CANCELLED: 409,
  OSW_SUB_STOCK_FINAL: 409,
  OSW_SUB_INCREMENTAL_EXISTS: 409,
  OSW_SUB_DUPLICATE: 409,
  OSW_SUB_NOT_PROCESSING_UNIT: 403,
  OSW_SUB_RANGE_TOO_LARGE: 400,
  OSW_SUB_DOCUMENT_REQUIRED: 400,
  OSW_SUB_CLIENT_REQUIRED: 400,
  // SMS verification codes
  OSW_SMS_PHONE_INVALID: 400,
  OSW_SMS_CODE_REQUIRED: 400,
  OSW_SMS_CODE_INVALID: 400,
  OSW_SMS_CODE_EXPIRED: 400,
  OSW_SMS_RATE_LIMITED: 429,
  OSW_SMS_SEND_FAILED: 502,
  // push engine and customs sandbox
  OSW_PUSH_WEBHOOK_URL: 400,
  OSW_SANDBOX_CHANNEL_UNKNOWN: 400,
  OSW_SANDBOX_CHANGE_DECIDED: 409,
  // RabbitMQ exchange
  OSW_BROKER_UNREACHABLE: 503,
  OSW_BROKER_PROVISIONING_FAILED: 502,
};

export function httpStatusOf(code: string): number {
  return STATUS[code] ?? 400;
}

type Language = 'zh' | 'en' | 'both';

/** The first of zh/en in `Accept-Language` by weight; `both` when neither is asked for. */
export function preferredLanguage(header: string | string[] | undefined): Language {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const ranked = text
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)).find(Boolean);
      return { tag: tag.trim(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const l of ranked) {
    if (l.tag === 'zh' || l.tag.startsWith('zh-')) return 'zh';
    if (l.tag === 'en' || l.tag.startsWith('en-')) return 'en';
  }
  return 'both';
}

/** Picks the message for the language: from `details.zh/en`, or from a `中文 (English)` message. */
function localized(err: OswError, lang: Language): string {
  if (lang === 'both') return err.message;
  const zh = typeof err.details?.zh === 'string' ? err.details.zh : undefined;
  const en = typeof err.details?.en === 'string' ? err.details.en : undefined;
  if (zh && en) return lang === 'zh' ? zh : en;
  const m = /^([^()]*[\u4e00-\u9fff][^()]*?)\s*\((.+)\)$/.exec(err.message);
  if (m) return lang === 'zh' ? m[1] : m[2];
  return err.message;
}

function validationAnswer(reply: FastifyReply, lang: Language, fields: string) {
  const message = lang === 'zh' ? `请求参数有误：${fields}` : lang === 'en' ? `invalid request: ${fields}` : `请求参数有误 (invalid request): ${fields}`;
  return reply.status(400).send({ error: { code: 'OSW_VALIDATION', message } });
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const lang = preferredLanguage(request.headers['accept-language']);
  // the form rules' messages are bilingual (`中文 (English)`): each field speaks the asked language
  const said = (m: string) => (lang === 'both' ? m : formMessage(m, lang));
  if (err instanceof ZodError) return validationAnswer(reply, lang, err.issues.map((i) => `${i.path.join('.') || 'body'}: ${said(i.message)}`).join('; '));
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const fields = err.validation.map((v) => `${where}${v.instancePath === '/' ? '' : v.instancePath.replaceAll('/', '.')}: ${said(v.message ?? '')}`).join('; ');
    return validationAnswer(reply, lang, fields);
  }
  if (err instanceof MessageRejected) return reply.status(400).send({ error: { code: err.code, message: err.message } });
  if (err instanceof OswError) {
    const status = httpStatusOf(err.code);
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    const retryAfter = err.details?.retryAfterSeconds;
    if (status === 429 && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return reply.status(status).send({ error: { code: err.code, message: localized(err, lang) } });
  }
  const fe = err as FastifyError;
  if (fe.statusCode && fe.statusCode < 500) {
    return reply.status(fe.statusCode).send({ error: { code: fe.code ? `OSW_HTTP_${fe.code}` : 'OSW_BAD_REQUEST', message: fe.message } });
  }
  request.log.error({ err }, 'request failed');
  return reply.status(500).send({ error: { code: 'OSW_INTERNAL', message: 'internal error; see the platform log' } });
}
