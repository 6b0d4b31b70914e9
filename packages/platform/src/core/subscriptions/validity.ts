/**
 * Validity of subscriptions (有效期): a last valid day `yyyy-MM-dd` in China time. A subscription
 * stops at the end of that day (the next day's 00:00 China time) without anyone calling anything:
 * `expired` is decided by comparing the stored end instant with the clock.
 */
import { chinaDay } from '@osw/messages';
import { dayParts, isDay, oneYearFrom } from '@osw/messages/forms';
import { problem } from '../problem.js';

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

// the console checks its forms with the same day rules
export { isDay, oneYearFrom };

/** Today in China time. */
export function today(now: Date): string {
  return chinaDay(now);
}

/** The instant a subscription valid until `day` stops: the end of that day in China time. */
export function endOfDay(day: string): string {
  const [y, mo, d] = dayParts(day)!;
  return new Date(Date.UTC(y, mo - 1, d + 1) - CHINA_OFFSET_MS).toISOString();
}

/** How the manuals show a validity: `yyyy-MM-dd 23:59:59`. */
export function validityText(day: string): string {
  return `${day} 23:59:59`;
}

/**
 * Checks a requested last valid day: defaults to one year from today; may not be in the past or
 * more than one year ahead. Returns the day and its end instant.
 */
export function checkValidUntil(requested: string | undefined, now: Date): { validUntil: string; expiresAt: string } {
  const t = today(now);
  const max = oneYearFrom(t);
  const day = requested ?? max;
  if (!isDay(day))
    throw problem(
      'OSW_SUB_VALIDITY',
      `有效期[${day}]不是有效日期，格式为yyyy-MM-dd`,
      `validUntil ${day} is not a date of the form yyyy-MM-dd`,
    );
  if (day < t) throw problem('OSW_SUB_VALIDITY', `有效期[${day}]不能早于今天[${t}]`, `validUntil ${day} is in the past (today is ${t})`);
  if (day > max)
    throw problem(
      'OSW_SUB_VALIDITY',
      `有效期[${day}]不能超过一年，最晚为[${max}]`,
      `validUntil ${day} is more than one year ahead; the latest is ${max}`,
    );
  return { validUntil: day, expiresAt: endOfDay(day) };
}

/** `active`, `expired` or `cancelled` at `now`. */
export function statusAt(s: { cancelledAt: string | null; expiresAt: string }, now: Date): 'active' | 'expired' | 'cancelled' {
  if (s.cancelledAt) return 'cancelled';
  return s.expiresAt > now.toISOString() ? 'active' : 'expired';
}

/** Cancel and extend are allowed only while a subscription is active (生效). */
export function assertActive(
  kindZh: string,
  kindEn: string,
  id: number,
  s: { cancelledAt: string | null; expiresAt: string },
  now: Date,
): void {
  const status = statusAt(s, now);
  if (status === 'expired')
    throw problem(
      'OSW_SUB_EXPIRED',
      `${kindZh}[${id}]已失效，不能取消或延期`,
      `${kindEn} ${id} has expired; it can no longer be cancelled or extended`,
    );
  if (status === 'cancelled')
    throw problem(
      'OSW_SUB_CANCELLED',
      `${kindZh}[${id}]已取消，不能再取消或延期`,
      `${kindEn} ${id} is cancelled; it can no longer be cancelled or extended`,
    );
}

/**
 * Extend (延期) from the current last valid day `current`: only to a later day, and at most one
 * year from today. An earlier or the same day is refused with OSW_SUB_EXTEND_NOT_LATER (so is a day
 * before today, which is always earlier than an active subscription's validity); a day beyond one
 * year from today with OSW_SUB_VALIDITY.
 */
export function checkExtension(requested: string, current: string, now: Date): { validUntil: string; expiresAt: string } {
  const t = today(now);
  const max = oneYearFrom(t);
  if (!isDay(requested))
    throw problem(
      'OSW_SUB_VALIDITY',
      `延期日期[${requested}]不是有效日期，格式为yyyy-MM-dd`,
      `validUntil ${requested} is not a date of the form yyyy-MM-dd`,
    );
  if (requested <= current || requested < t)
    throw problem(
      'OSW_SUB_EXTEND_NOT_LATER',
      `延期日期[${requested}]须晚于当前有效期[${current}]`,
      `an extension must go to a day later than the current validity ${current}; ${requested} is not`,
      { current, latest: max },
    );
  if (requested > max)
    throw problem(
      'OSW_SUB_VALIDITY',
      current >= max ? `有效期[${current}]已是今天起一年，暂不能延期` : `延期日期[${requested}]不能超过今天起一年，最晚为[${max}]`,
      current >= max
        ? `the validity ${current} already reaches one year from today; it cannot be extended yet`
        : `validUntil ${requested} is more than one year from today; the latest is ${max}`,
      { current, latest: max },
    );
  return { validUntil: requested, expiresAt: endOfDay(requested) };
}

/** The instant a China-time day begins. */
export function startOfDay(day: string): string {
  const [y, mo, d] = dayParts(day)!;
  return new Date(Date.UTC(y, mo - 1, d) - CHINA_OFFSET_MS).toISOString();
}
