import { describe, expect, it } from 'vitest';
import { CLIENT_ID_PATTERN, declarationSeqNo, ENTRY_ID_PATTERN, entryId, SEQ_NO_PATTERN } from '../src/index.js';

describe('identifier rules', () => {
  it('SeqNo is E + year + 13 digits, like E20190000357524667', () => {
    expect(declarationSeqNo(2019, 357524667)).toBe('E20190000357524667');
    expect(SEQ_NO_PATTERN.test(declarationSeqNo(2026, 1))).toBe(true);
    expect(() => declarationSeqNo(2026, 10 ** 13)).toThrow(RangeError);
  });

  it('ENTRY_ID is customs 4 + year 4 + I/E digit + serial 9, like 520720190579438584', () => {
    expect(entryId('5207', 2019, 'I', 579438584)).toBe('520720190579438584');
    expect(entryId('5300', 2026, 'E', 1)).toBe('530020261000000001');
    expect(ENTRY_ID_PATTERN.test(entryId('5300', 2026, 'I', 42))).toBe(true);
  });

  it('client ids are DXPESW or DXPENT plus 10 digits', () => {
    expect(CLIENT_ID_PATTERN.test('DXPESW0000003241')).toBe(true);
    expect(CLIENT_ID_PATTERN.test('DXPENT5300000001')).toBe(true);
    expect(CLIENT_ID_PATTERN.test('DXPESW000000324')).toBe(false);
  });
});
