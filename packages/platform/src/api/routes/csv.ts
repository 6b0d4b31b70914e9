/**
 * CSV export of a list screen: every row the screen's filter matches (all pages, up to
 * `CSV_EXPORT_MAX` rows), UTF-8 with a byte order mark so that Excel reads Chinese, times in China
 * time, headers in the caller's language (`lang`, else Accept-Language).
 */
import { chinaDateTime } from '@osw/messages';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { preferredLanguage } from '../errors.js';

/** the most rows one export carries (the answer says `X-Export-Truncated: true` when more matched) */
export const CSV_EXPORT_MAX = 50_000;
const PAGE = 1000;

export const CsvParams = z.object({
  lang: z.enum(['zh', 'en']).optional().describe('language of the header row (default: Accept-Language)'),
});

/** one column: its header in Chinese and English and its cell */
export interface CsvColumn<T> {
  zh: string;
  en: string;
  cell: (row: T) => string | number | boolean | null | undefined;
}

/** an ISO instant as China time (yyyy-MM-dd HH:mm:ss), empty for none */
export const chinaCell = (iso: string | null | undefined): string => (iso ? chinaDateTime(new Date(iso)) : '');

function quote(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  // a cell Excel would run as a formula is written as text
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return cells.map(quote).join(',') + '\r\n';
}

/**
 * Reads every matching row page by page (one query per page) and answers the CSV. `page` gets the
 * offset and limit and returns the rows of that page and the total.
 */
export async function sendCsv<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  opts: {
    fileName: string;
    lang?: 'zh' | 'en';
    /** the columns, whose texts may depend on the language */
    columns: (lang: 'zh' | 'en') => readonly CsvColumn<T>[];
    page: (offset: number, limit: number) => Promise<{ rows: T[]; total: number }>;
  },
): Promise<FastifyReply> {
  const lang = opts.lang ?? (preferredLanguage(req.headers['accept-language']) === 'en' ? 'en' : 'zh');
  const columns = opts.columns(lang);
  const parts: string[] = ['\uFEFF', csvLine(columns.map((c) => c[lang]))];
  let offset = 0;
  let total = 0;
  for (;;) {
    const limit = Math.min(PAGE, CSV_EXPORT_MAX - offset);
    if (limit <= 0) break;
    const r = await opts.page(offset, limit);
    total = r.total;
    for (const row of r.rows) parts.push(csvLine(columns.map((c) => c.cell(row))));
    offset += r.rows.length;
    if (r.rows.length < limit || offset >= total) break;
  }
  const stamp = new Date().toISOString().slice(0, 10);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${opts.fileName}-${stamp}.csv"`)
    .header('x-export-rows', String(offset))
    .header('x-export-truncated', String(total > offset))
    .send(parts.join(''));
}
