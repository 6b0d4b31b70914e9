/**
 * Client-side checks with the same rules the API enforces (packages/platform: CardProof,
 * checkValidUntil, the client and manual bodies), so a form says what is wrong before sending.
 * The API stays the judge: its messages are shown as they come.
 */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Today in China time, `yyyy-MM-dd`. */
export function chinaToday(now = new Date()): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The same day one year later (29 February becomes 28 February), as the platform counts it. */
export function oneYearFrom(day: string): string {
  const [y, mo, d] = day.split('-').map(Number);
  const last = new Date(Date.UTC(y + 1, mo, 0)).getUTCDate();
  return `${y + 1}-${String(mo).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

export function addDays(day: string, n: number): string {
  const [y, mo, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A validity `validUntil` must lie between today and one year from today (OSW_SUB_VALIDITY). */
export function validityProblem(day: string, today = chinaToday()): 'format' | 'past' | 'tooFar' | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return 'format';
  if (day < today) return 'past';
  if (day > oneYearFrom(today)) return 'tooFar';
  return null;
}

export const CARD_NO = /^\d{13}$/;
export const REGION = /^\d{4}$/;
export const MANUAL_NO = /^[A-Z]\d{11}$/;
export const PHONE = /^1[3-9]\d{9}$/;
export const STOCK_ROWS_PER_TYPE = 10_000;

/** A stock serial range `from-to`: null when empty, 'format' or 'tooLarge' when refused. */
export function rangeProblem(text: string): 'format' | 'tooLarge' | null {
  if (!text.trim()) return null;
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (!m) return 'format';
  const [from, to] = [Number(m[1]), Number(m[2])];
  if (from < 1 || to < from) return 'format';
  if (to - from + 1 > STOCK_ROWS_PER_TYPE) return 'tooLarge';
  return null;
}

/** Shows an ISO instant as China time `yyyy-MM-dd HH:mm:ss`, the way the manuals print times. */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}
