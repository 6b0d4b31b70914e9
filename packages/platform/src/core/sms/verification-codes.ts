/**
 * SMS verification codes (短信验证码) for 报关状态订阅 by SMS: 6 digits, valid for 5 minutes,
 * rate-limited per phone (one a minute, five an hour), at most 5 wrong tries per code, used once.
 * The SMS itself goes through the `SmsSender` port (embedded outbox, or an HTTP SMS gateway).
 */
import crypto from 'node:crypto';
import type { Actor } from '../audit/audit-log.js';
import { problem } from '../problem.js';
import { hashSecret, verifySecret } from '../identity/secrets.js';
import type { Clock, Logger } from '../ports.js';
import type { Store } from '../store.js';

/** The SMS provider port. */
export interface SmsSender {
  /** provider name as written in the outbox (`outbox`, `http`) */
  readonly name: string;
  /**
   * the provider sends nothing anywhere (the embedded outbox, the sandbox's stand-in for a phone):
   * a verification code is then answered to the operator who asked for it, once, so that SMS
   * subscriptions can be tried end to end; a real gateway never has this
   */
  readonly simulated?: boolean;
  send(sms: { phone: string; text: string; enterpriseCode: string | null }): Promise<void>;
}

export const CODE_TTL_MS = 5 * 60 * 1000;
export const CODE_RESEND_AFTER_MS = 60 * 1000;
export const CODES_PER_HOUR = 5;
export const CODE_MAX_TRIES = 5;
const HOUR_MS = 60 * 60 * 1000;

/** Mainland mobile numbers: 11 digits starting with 1[3-9]. */
export const PHONE_PATTERN = /^1[3-9]\d{9}$/;

/** `138****0000` for lists and logs; anything that is not a mainland mobile number shows its last 2 characters at most. */
export function maskPhone(phone: string): string {
  if (phone.length === 11) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  return phone.length > 4 ? `${'*'.repeat(phone.length - 2)}${phone.slice(-2)}` : '*'.repeat(phone.length);
}

const CODE_IN_TEXT = /(验证码为)\d{6}/g;

/** The text of a verification SMS with its code as `******`: what may be kept and shown. */
export function maskCodes(text: string): string {
  return text.replace(CODE_IN_TEXT, '$1******');
}

export function verificationText(code: string): string {
  return `【单一窗口】您的验证码为${code}，5分钟内有效，用于报关状态订阅，请勿泄露给他人。`;
}

export async function requestVerificationCode(
  deps: { store: Store; clock: Clock; logger: Logger; sms: SmsSender },
  actor: Actor,
  phone: string,
): Promise<{ phone: string; expiresAt: string; resendAfterSeconds: number; sandboxCode?: string }> {
  if (!PHONE_PATTERN.test(phone))
    throw problem('OSW_SMS_PHONE_INVALID', `手机号码[${phone}]格式不正确`, `phone number ${phone} is not a mainland mobile number`);
  const now = deps.clock.now();
  const recent = await deps.store.sms.recentCodes(phone, new Date(now.getTime() - HOUR_MS).toISOString());
  const last = recent[0];
  if (last) {
    const waitMs = new Date(last.createdAt).getTime() + CODE_RESEND_AFTER_MS - now.getTime();
    if (waitMs > 0) {
      const s = Math.ceil(waitMs / 1000);
      throw problem(
        'OSW_SMS_RATE_LIMITED',
        `验证码发送过于频繁，请${s}秒后再试`,
        `verification codes are sent at most once a minute; try again in ${s} s`,
        { retryAfterSeconds: s },
      );
    }
  }
  if (recent.length >= CODES_PER_HOUR) {
    const oldest = recent[recent.length - 1];
    const s = Math.ceil((new Date(oldest.createdAt).getTime() + HOUR_MS - now.getTime()) / 1000);
    throw problem(
      'OSW_SMS_RATE_LIMITED',
      `该手机号一小时内最多获取${CODES_PER_HOUR}次验证码，请${Math.ceil(s / 60)}分钟后再试`,
      `at most ${CODES_PER_HOUR} codes an hour per phone; try again in ${Math.ceil(s / 60)} min`,
      {
        retryAfterSeconds: s,
      },
    );
  }
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS).toISOString();
  await deps.store.sms.insertCode({
    phone,
    enterpriseCode: actor.enterpriseCode,
    codeHash: await hashSecret(code),
    attempts: 0,
    createdAt: now.toISOString(),
    expiresAt,
    usedAt: null,
  });
  try {
    await deps.sms.send({
      phone,
      enterpriseCode: actor.enterpriseCode,
      text: verificationText(code),
    });
  } catch (err) {
    deps.logger.error({ err, phone: maskPhone(phone) }, 'SMS provider failed');
    throw problem('OSW_SMS_SEND_FAILED', '短信发送失败，请稍后重试', 'the SMS could not be sent; try again later');
  }
  const answer = { phone: maskPhone(phone), expiresAt, resendAfterSeconds: CODE_RESEND_AFTER_MS / 1000 };
  return deps.sms.simulated ? { ...answer, sandboxCode: code } : answer;
}

/**
 * Checks the newest code this enterprise requested for the phone. Returns its id, to be marked used
 * in the transaction that creates the subscription. A wrong code counts a try.
 */
export async function checkVerificationCode(
  deps: { store: Store; clock: Clock },
  actor: Actor,
  phone: string,
  code: string,
): Promise<number> {
  const now = deps.clock.now();
  const recent = await deps.store.sms.recentCodes(phone, new Date(now.getTime() - HOUR_MS).toISOString());
  const latest = recent.find((c) => c.enterpriseCode === actor.enterpriseCode);
  if (!latest)
    throw problem('OSW_SMS_CODE_INVALID', '请先获取短信验证码', 'request a verification code first: POST /api/v1/sms/verification-codes');
  if (latest.usedAt)
    throw problem('OSW_SMS_CODE_INVALID', '验证码已使用，请重新获取', 'the verification code was used already; request a new one');
  if (latest.expiresAt <= now.toISOString())
    throw problem('OSW_SMS_CODE_EXPIRED', '验证码已过期，请重新获取', 'the verification code has expired (5 minutes); request a new one');
  if (latest.attempts >= CODE_MAX_TRIES)
    throw problem('OSW_SMS_CODE_INVALID', '验证码错误次数过多，请重新获取', 'too many wrong tries; request a new verification code');
  if (!/^\d{6}$/.test(code) || !(await verifySecret(code, latest.codeHash))) {
    await deps.store.sms.countAttempt(latest.id);
    throw problem('OSW_SMS_CODE_INVALID', '验证码错误', 'wrong verification code');
  }
  return latest.id;
}
