import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS_DOC, renderErrorsDoc } from '../../../scripts/errors-doc.js';
import {
  ERROR_CODES,
  FAIL_CODES,
  FAIL_CODE_STATUS,
  httpStatusOf,
  isErrorCode,
  MessageRejected,
  OswError,
  receivedError,
  type ErrorCode,
} from '../src/index.js';

const doc = readFileSync(ERRORS_DOC, 'utf8');
const failCodesDoc = readFileSync(new URL('../../../docs/failcodes.md', import.meta.url), 'utf8');

/** `| CODE | 400 | …` rows of a markdown document whose first cell looks like a code */
function codeRows(text: string): { code: string; second: string }[] {
  return [...text.matchAll(/^\| (OSW_[A-Z0-9_]+|C\d+) \| ([^|]*) \|/gm)].map((m) => ({ code: m[1], second: m[2].trim() }));
}

const every: [ErrorCode, number][] = [
  ...Object.entries(ERROR_CODES).map(([code, e]) => [code as ErrorCode, e.status] as [ErrorCode, number]),
  ...Object.keys(FAIL_CODES).map((code) => [code as ErrorCode, FAIL_CODE_STATUS] as [ErrorCode, number]),
];

describe('the error table', () => {
  it('gives every code an HTTP error status and a meaning in Chinese and English', () => {
    for (const [code, e] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^OSW_[A-Z0-9_]+$/);
      expect(e.status, code).toBeGreaterThanOrEqual(400);
      expect(e.status, code).toBeLessThan(600);
      expect(e.zh, code).toMatch(/[\u4e00-\u9fff]/);
      expect(e.en.trim(), code).not.toBe('');
      expect(e.en, code).not.toContain('|');
    }
  });

  it('answers with the status of the table, and 400 for a failCode', () => {
    expect(httpStatusOf('OSW_SUB_EXPIRED')).toBe(409);
    expect(httpStatusOf('OSW_SMS_RATE_LIMITED')).toBe(429);
    expect(httpStatusOf('C903')).toBe(400);
    for (const [code, status] of every) expect(httpStatusOf(code), code).toBe(status);
  });

  it('gives the three codes that used to fall back to 400 a status of their own', () => {
    expect(httpStatusOf('OSW_ENTERPRISE_INVALID')).toBe(400);
    expect(httpStatusOf('OSW_CARD_PIN_INVALID')).toBe(400);
    expect(httpStatusOf('OSW_CARD_NUMBERS_EXHAUSTED')).toBe(409);
  });

  it('refuses at compile time a code that is not in the table', () => {
    // @ts-expect-error not a code of the table
    const e = new OswError('OSW_NO_SUCH_CODE', 'x');
    // @ts-expect-error a failCode is a MessageRejected's only
    void new MessageRejected('OSW_NOT_FOUND', 'x');
    // @ts-expect-error no status for a code outside the table
    void (() => httpStatusOf('OSW_NO_SUCH_CODE'));
    expect(isErrorCode(e.code)).toBe(false);
    expect(isErrorCode('OSW_NOT_FOUND')).toBe(true);
    expect(isErrorCode('C18')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('keeps a received code the table knows, and names an unknown one in the message of the fallback', () => {
    expect(receivedError({ code: 'OSW_CLIENT_DISABLED', message: 'disabled' }, 'OSW_REMOTE_ERROR')).toEqual({
      code: 'OSW_CLIENT_DISABLED',
      message: 'disabled',
    });
    expect(receivedError({ code: 'C903', message: 'unknown' }, 'OSW_REMOTE_ERROR')).toEqual({ code: 'C903', message: 'unknown' });
    expect(receivedError({ code: 'OSW_FROM_THE_FUTURE', message: 'new' }, 'OSW_REMOTE_ERROR')).toEqual({
      code: 'OSW_REMOTE_ERROR',
      message: '[OSW_FROM_THE_FUTURE] new',
    });
    expect(receivedError({ message: '<html>bad gateway</html>' }, 'OSW_REMOTE_ERROR')).toEqual({
      code: 'OSW_REMOTE_ERROR',
      message: '<html>bad gateway</html>',
    });
    expect(receivedError(undefined, 'OSW_EXCHANGE_REFUSED')).toEqual({ code: 'OSW_EXCHANGE_REFUSED', message: undefined });
  });
});

describe('docs/errors.md', () => {
  it('is what npm run docs:errors writes from the table', () => {
    expect(doc, 'docs/errors.md differs from the error table: run npm run docs:errors').toBe(renderErrorsDoc(doc));
  });

  it('lists every code of the table once, with its status', () => {
    const rows = codeRows(doc);
    for (const [code, status] of every) {
      const mine = rows.filter((r) => r.code === code);
      expect(mine.length, `${code} rows in docs/errors.md`).toBe(1);
      expect(mine[0].second, code).toBe(String(status));
    }
  });

  it('lists no code that is not in the table, in a row or in the text', () => {
    for (const r of codeRows(doc)) expect(isErrorCode(r.code), `${r.code} in docs/errors.md`).toBe(true);
    for (const [, code] of doc.matchAll(/`(OSW_[A-Z0-9_]*[A-Z0-9])`/g)) expect(isErrorCode(code), `${code} in docs/errors.md`).toBe(true);
  });

  it('docs/failcodes.md tells what to do for every failCode and no other', () => {
    expect(codeRows(failCodesDoc).map((r) => r.code)).toEqual(Object.keys(FAIL_CODES));
  });
});
