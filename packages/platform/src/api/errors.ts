/**
 * The one place where error codes become HTTP answers: `{ error: { code, message } }`.
 * Messages follow `Accept-Language`: Chinese for zh, English for en, both (`中文 (English)`) otherwise.
 */
import { httpStatusOf, isOswCode, MessageRejected, OswError, type ErrorCode, type OswCode } from '@osw/messages';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { formMessage } from '@osw/messages/forms';
import { ZodError } from 'zod';

/** fastify's own client errors that have a code in the table: `OSW_HTTP_<fastify code>`. */
export type FrameworkCode = Extract<OswCode, `OSW_HTTP_${string}`>;

/** The table's code for an error fastify raised itself (a body too large, a bad URL), if it has one. */
export function frameworkCode(fastifyCode: string | undefined): FrameworkCode | undefined {
  if (!fastifyCode) return undefined;
  const code = `OSW_HTTP_${fastifyCode}` as const;
  return isOswCode(code) ? code : undefined;
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

/** Every error answer: the status is the table's for the code (error-codes.ts in @osw/messages). */
export function answer(reply: FastifyReply, code: ErrorCode, message: string) {
  const status = httpStatusOf(code);
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.status(status).send({ error: { code, message } });
}

function validationAnswer(reply: FastifyReply, lang: Language, fields: string) {
  const message =
    lang === 'zh' ? `请求参数有误：${fields}` : lang === 'en' ? `invalid request: ${fields}` : `请求参数有误 (invalid request): ${fields}`;
  return answer(reply, 'OSW_VALIDATION', message);
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const lang = preferredLanguage(request.headers['accept-language']);
  // the form rules' messages are bilingual (`中文 (English)`): each field speaks the asked language
  const said = (m: string) => (lang === 'both' ? m : formMessage(m, lang));
  if (err instanceof ZodError)
    return validationAnswer(reply, lang, err.issues.map((i) => `${i.path.join('.') || 'body'}: ${said(i.message)}`).join('; '));
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const fields = err.validation
      .map((v) => `${where}${v.instancePath === '/' ? '' : v.instancePath.replaceAll('/', '.')}: ${said(v.message ?? '')}`)
      .join('; ');
    return validationAnswer(reply, lang, fields);
  }
  if (err instanceof MessageRejected) return answer(reply, err.code, err.message);
  if (err instanceof OswError) {
    const retryAfter = err.details?.retryAfterSeconds;
    if (httpStatusOf(err.code) === 429 && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return answer(reply, err.code, localized(err, lang));
  }
  const fe = err as FastifyError;
  if (fe.statusCode && fe.statusCode < 500) {
    const code = frameworkCode(fe.code);
    // a fastify client error the table does not know yet: add it to error-codes.ts
    if (fe.code && !code) request.log.warn({ err }, `${fe.code} has no OSW_HTTP_ code in the error table: answered OSW_BAD_REQUEST`);
    return answer(reply, code ?? 'OSW_BAD_REQUEST', fe.message);
  }
  request.log.error({ err }, 'request failed');
  return answer(reply, 'OSW_INTERNAL', 'internal error; see the platform log');
}
