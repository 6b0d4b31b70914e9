/**
 * Errors with a stable code and a message in Chinese and English. The message is `中文 (English)`;
 * `details.zh` / `details.en` let the API answer in the language of `Accept-Language`.
 */
import { OswError, type OswCode } from '@osw/messages';

export function problem(code: OswCode, zh: string, en: string, details?: Record<string, unknown>): OswError {
  return new OswError(code, `${zh} (${en})`, { details: { ...details, zh, en } });
}

/** "not found for you": another enterprise's things are answered like things that do not exist. */
export function notFound(zhThing: string, enThing: string, id: string | number): OswError {
  return problem('OSW_NOT_FOUND', `${zhThing}[${id}]不存在`, `${enThing} ${id} not found`);
}
