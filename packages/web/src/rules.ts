/**
 * The console's side of the form rules. The rules themselves — request bodies, validity, ranges,
 * number formats — live in `@osw/messages/forms`, which the API validates with too; the forms
 * check with `formProblems(…Form, value, lang)` before sending. The API stays the judge: its
 * messages are shown as they come.
 */
export {
  CARD_NO,
  chinaToday,
  formMessage,
  formProblems,
  MANUAL_NO,
  oneYearFrom,
  PHONE,
  rangeProblem,
  REGION,
  STOCK_ROWS_PER_TYPE,
  validityProblem,
} from '@osw/messages/forms';
import { chinaDateTime } from '@osw/messages/time';

export function addDays(day: string, n: number): string {
  const [y, mo, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Shows an ISO instant as China time `yyyy-MM-dd HH:mm:ss`, the way the manuals print times. */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return chinaDateTime(new Date(t));
}
