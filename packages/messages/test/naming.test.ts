import { describe, expect, it } from 'vitest';
import {
  archivedName,
  chinaCompactMillis,
  chinaDay,
  dayFolder,
  failedName,
  fileStamp,
  isPartialName,
  parseChinaDate,
  parseInBoxName,
  receiptName,
  restampedName,
  splitName,
  successedName,
} from '../src/index.js';

const at = new Date('2019-12-23T13:36:58.415Z'); // 21:36:58.415 in China

describe('file naming rules', () => {
  it('stamps are China-time yyyyMMddHHmmssfff plus a 4-digit serial, 21 digits', () => {
    expect(chinaCompactMillis(at)).toBe('20191223213658415');
    expect(fileStamp(at, 7)).toBe('201912232136584150007');
    expect(fileStamp(at, 7)).toMatch(/^\d{21}$/);
  });

  it('the date folder is the China-time day, even when UTC is still the day before', () => {
    expect(dayFolder(new Date('2026-11-21T17:30:00Z'))).toBe('2026-11-22');
    expect(chinaDay(new Date('2026-11-21T15:59:59Z'))).toBe('2026-11-21');
  });

  it('SentBox/FailBox names append _<ts> before the extension, again on each resend', () => {
    expect(archivedName('declaration.xml', '1')).toBe('declaration_1.xml');
    expect(archivedName('declaration_1.xml', '2')).toBe('declaration_1_2.xml');
    expect(archivedName('pack.with.dots.zip', '3')).toBe('pack.with.dots_3.zip');
    expect(archivedName('noext', '4')).toBe('noext_4');
  });

  it('a file sent again under a new stamp has its <ts> replaced, never stacked; a name without one gets it appended', () => {
    expect(restampedName('DecData_E20260000000000001_202611221017258680001.xml', '202611231200000000007')).toBe(
      'DecData_E20260000000000001_202611231200000000007.xml',
    );
    expect(restampedName('Receipt_DXPEDCPUSH000001_20261122101725868.xml', '202611231200000000007')).toBe(
      'Receipt_DXPEDCPUSH000001_202611231200000000007.xml',
    );
    expect(restampedName('Receipt_E1_1.xml', '202611231200000000007')).toBe('Receipt_E1_1_202611231200000000007.xml');
    expect(restampedName('noext', '202611231200000000007')).toBe('noext_202611231200000000007');
  });

  it('InBox names are Successed_/Failed_<name>_<ts>.xml and Receipt_<key>_<ts>.xml', () => {
    expect(successedName('dec.zip', '201912232136584150007')).toBe('Successed_dec_201912232136584150007.xml');
    expect(failedName('dec.xml', '201912232136584150007')).toBe('Failed_dec_201912232136584150007.xml');
    expect(receiptName('E20190000357086783', '201912232136584150007')).toBe('Receipt_E20190000357086783_201912232136584150007.xml');
  });

  it('reads InBox names back, including real names from the field', () => {
    expect(parseInBoxName('Successed_2019122320053105_E_E52072019122319225343_20191223200620123644335.xml')).toEqual({
      kind: 'successed',
      key: '2019122320053105_E_E52072019122319225343',
      stamp: '20191223200620123644335',
    });
    expect(parseInBoxName('Receipt_DECCUS004_E20190000357086783_201900002231409341_20191223213658415696832.xml')?.kind).toBe('receipt');
    expect(parseInBoxName('Failed_x_201912232136584150007.xml')?.kind).toBe('failed');
    expect(parseInBoxName('notes.txt')).toBeNull();
  });

  it('temporary and partial names are never picked up', () => {
    for (const n of ['a.xml.tmp', '.hidden.xml', '~lock.xml', 'a.part', 'a.xml.crdownload']) expect(isPartialName(n)).toBe(true);
    for (const n of ['a.xml', 'b.zip', 'DecMessage_1.XML']) expect(isPartialName(n)).toBe(false);
  });

  it('splits names at the last dot', () => {
    expect(splitName('a.b.xml')).toEqual({ base: 'a.b', ext: 'xml' });
    expect(splitName('.xml')).toEqual({ base: '.xml', ext: '' });
  });

  it('reads the three receipt date forms as China time', () => {
    expect(parseChinaDate('2019-12-23T21:36:38')?.toISOString()).toBe('2019-12-23T13:36:38.000Z');
    expect(parseChinaDate('20180208T15032200')?.toISOString()).toBe('2018-02-08T07:03:22.000Z');
    expect(parseChinaDate('20191223')?.toISOString()).toBe('2019-12-22T16:00:00.000Z');
    expect(parseChinaDate('')).toBeNull();
  });
});

import fc from 'fast-check';
import { StampGenerator } from '../src/index.js';

describe('naming rules hold for any name (property tests)', () => {
  const baseName = fc
    .array(fc.constantFrom('a', 'Z', '0', '_', '-', '报', '关', '单', '.', ' '), { minLength: 1, maxLength: 20 })
    .map((a) => a.join(''))
    .filter((s) => !s.startsWith('.') && !s.endsWith('.') && s.trim() === s && s.length > 0);
  const stamp = fc.bigInt({ min: 10n ** 20n, max: 10n ** 21n - 1n }).map(String);

  it('InBox names read back to the name and stamp they were made of', () => {
    fc.assert(
      fc.property(baseName, stamp, (name, ts) => {
        const file = `${name}.xml`;
        const base = splitName(file).base;
        expect(parseInBoxName(successedName(file, ts))).toEqual({ kind: 'successed', key: base, stamp: ts });
        expect(parseInBoxName(failedName(file, ts))).toEqual({ kind: 'failed', key: base, stamp: ts });
        expect(parseInBoxName(receiptName(base, ts))).toEqual({ kind: 'receipt', key: base, stamp: ts });
      }),
    );
  });

  it('archiving keeps the extension and only appends _<ts>; a resend appends another', () => {
    fc.assert(
      fc.property(baseName, fc.constantFrom('xml', 'zip', 'XML'), stamp, stamp, (name, ext, t1, t2) => {
        const once = archivedName(`${name}.${ext}`, t1);
        expect(once).toBe(`${name}_${t1}.${ext}`);
        expect(archivedName(once, t2)).toBe(`${name}_${t1}_${t2}.${ext}`);
      }),
    );
  });

  it('stamps are unique and sort by time, even when the clock stands still or steps back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 300 }), (steps) => {
        const g = new StampGenerator();
        let t = Date.UTC(2026, 10, 21, 2, 0, 0);
        const stamps = steps.map((s) => g.next(new Date((t += s))));
        const sorted = [...stamps].sort();
        expect(stamps).toEqual(sorted);
        expect(new Set(stamps).size).toBe(stamps.length);
        for (const s of stamps) expect(s).toMatch(/^\d{21}$/);
      }),
    );
    const g = new StampGenerator();
    const same = new Date(Date.UTC(2026, 0, 1));
    const many = Array.from({ length: 10_050 }, () => g.next(same));
    expect(new Set(many).size).toBe(many.length);
    expect([...many].sort()).toEqual(many);
  });
});
