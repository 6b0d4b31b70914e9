/** China Standard Time (UTC+8, no daylight saving) formatting used on the wire and in file names. */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

function parts(date: Date) {
  const d = new Date(date.getTime() + CHINA_OFFSET_MS);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    y: p(d.getUTCFullYear(), 4),
    mo: p(d.getUTCMonth() + 1),
    d: p(d.getUTCDate()),
    h: p(d.getUTCHours()),
    mi: p(d.getUTCMinutes()),
    s: p(d.getUTCSeconds()),
    ms: p(d.getUTCMilliseconds(), 3),
  };
}

/** `yyyyMMddHHmmssfff` in China time. */
export function chinaCompactMillis(date: Date): string {
  const t = parts(date);
  return `${t.y}${t.mo}${t.d}${t.h}${t.mi}${t.s}${t.ms}`;
}

/** `yyyy-MM-dd` in China time (SentBox/FailBox date folders). */
export function chinaDay(date: Date): string {
  const t = parts(date);
  return `${t.y}-${t.mo}-${t.d}`;
}

/** `yyyy-MM-ddTHH:mm:ss` in China time (DEC_RESULT NOTICE_DATE, EnvelopInfo send_time). */
export function chinaIsoSeconds(date: Date): string {
  const t = parts(date);
  return `${t.y}-${t.mo}-${t.d}T${t.h}:${t.mi}:${t.s}`;
}

/** `yyyy-MM-dd HH:mm:ss` in China time (console and subscription records). */
export function chinaDateTime(date: Date): string {
  const t = parts(date);
  return `${t.y}-${t.mo}-${t.d} ${t.h}:${t.mi}:${t.s}`;
}

/** The China-time year of a date. */
export function chinaYear(date: Date): number {
  return new Date(date.getTime() + CHINA_OFFSET_MS).getUTCFullYear();
}

/**
 * Reads the three date forms seen in declaration receipts: `2019-12-23T21:36:38`,
 * `20180208T15032200` (yyyyMMddTHHmmssff) and `yyyyMMdd`. Returns a Date in UTC, or null when empty
 * or unreadable. Times are China time.
 */
export function parseChinaDate(text: string | undefined | null): Date | null {
  if (!text) return null;
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(s);
  if (!m) m = /^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', sec = '00'] = m;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec) - CHINA_OFFSET_MS;
  return Number.isNaN(utc) ? null : new Date(utc);
}
