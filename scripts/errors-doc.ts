/**
 * `npm run docs:errors`: writes the code tables of docs/errors.md from the error table
 * (packages/messages/src/error-codes.ts) and the import client's failCodes (FAIL_CODES).
 * Only what lies between `<!-- error-codes:<block> -->` and `<!-- /error-codes -->` is written; the
 * prose around it is kept. `--check` writes nothing and fails when the file differs.
 * The blocks are `fail` (failCodes) and one per area of the table (`request`, `exchange`, …).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ERROR_CODES, FAIL_CODE_STATUS, type ErrorArea } from '../packages/messages/src/error-codes.js';
import { FAIL_CODES } from '../packages/messages/src/errors.js';

export const ERRORS_DOC = fileURLToPath(new URL('../docs/errors.md', import.meta.url));

const AREAS: readonly ErrorArea[] = ['request', 'exchange', 'identity', 'subscription', 'sandbox', 'broker', 'client'];
const BLOCK = /(<!-- error-codes:([a-z]+) -->\n)[\s\S]*?(<!-- \/error-codes -->)/g;

/** `发送报文时发生错误 (transport send error)` → its two halves */
function halves(text: string): { zh: string; en: string } {
  const m = /^(.*?) \((.*)\)$/.exec(text);
  return m ? { zh: m[1], en: m[2] } : { zh: text, en: '' };
}

function table(rows: { code: string; status: number; zh: string; en: string }[]): string {
  const lines = ['| code | HTTP | 中文 | meaning |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.code} | ${r.status} | ${r.zh} | ${r.en} |`);
  return lines.join('\n') + '\n';
}

/** The table of one block: `fail` or an area of ERROR_CODES. */
export function renderBlock(block: string): string {
  if (block === 'fail')
    return table(Object.entries(FAIL_CODES).map(([code, text]) => ({ code, status: FAIL_CODE_STATUS, ...halves(text) })));
  if (!(AREAS as readonly string[]).includes(block)) throw new Error(`docs/errors.md: unknown block error-codes:${block}`);
  return table(Object.entries(ERROR_CODES).flatMap(([code, e]) => (e.area === block ? [{ code, ...e }] : [])));
}

/** The document with every block rewritten; fails when a block is missing. */
export function renderErrorsDoc(text: string): string {
  const seen = new Set<string>();
  const out = text.replace(BLOCK, (_all, open: string, block: string, close: string) => {
    seen.add(block);
    return open + renderBlock(block) + close;
  });
  const missing = ['fail', ...AREAS].filter((b) => !seen.has(b));
  if (missing.length) throw new Error(`docs/errors.md has no block for ${missing.map((b) => `<!-- error-codes:${b} -->`).join(', ')}`);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const current = readFileSync(ERRORS_DOC, 'utf8');
  const next = renderErrorsDoc(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('docs/errors.md differs from the error table: run npm run docs:errors');
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(ERRORS_DOC, next);
    console.log('docs/errors.md: code tables written');
  } else {
    console.log('docs/errors.md: up to date');
  }
}
