import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../../test/helpers.js';
import { declarationOfSize } from '../../../test/support/declarations.js';
import {
  attachmentProblems,
  checkDeclarationValues,
  COUNTRIES,
  CURRENCIES,
  CUSTOMS_AREAS,
  CUT_MODES,
  declarationValuesRefusal,
  DUTY_MODES,
  isHsChapter,
  parseDecMessage,
  DOMESTIC_PORTS,
  PORTS,
  PURPOSES,
  TRADE_MODES,
  TRANSACTION_MODES,
  TRANSPORT_MODES,
  UNITS,
  validateDecMessage,
  validateMessage,
  WRAP_TYPES,
  type CodeTable,
  type DecMessage,
} from '../src/index.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');

/** the example with some head and goods-row values replaced */
function declaration(head: Record<string, string> = {}, row: Record<string, string> = {}): DecMessage {
  const m = parseDecMessage(example);
  Object.assign(m.head, head);
  Object.assign(m.lists[0].fields, row);
  return m;
}

/** the problems of one declaration, as `path: zh` */
const problemsOf = (m: DecMessage) => checkDeclarationValues(m).map((p) => `${p.path}: ${p.zh}`);

describe('declaration values against the customs code tables', () => {
  it('the example declaration passes', () => {
    expect(checkDeclarationValues(parseDecMessage(example))).toEqual([]);
    expect(validateDecMessage(parseDecMessage(example))).toEqual([]);
  });

  it('the declarations the benches send pass: 2 KB (the head’s main fields, one goods row) and 200 KB (goods rows repeated)', () => {
    expect(validateDecMessage(parseDecMessage(declarationOfSize(example, 2 * 1024)))).toEqual([]);
    // 116 goods rows: over the form's 50 (validateDecMessage says so), which the sandbox's value checks leave to customs
    expect(checkDeclarationValues(parseDecMessage(declarationOfSize(example, 200 * 1024)))).toEqual([]);
  });

  it('监管方式: an unknown TradeMode is refused, an empty one is required', () => {
    expect(problemsOf(declaration({ TradeMode: '9876' }))).toEqual(['DecHead.TradeMode: 监管方式(TradeMode)[9876]不在监管方式代码表中']);
    expect(problemsOf(declaration({ TradeMode: '' }))).toEqual(['DecHead.TradeMode: 监管方式(TradeMode)不能为空']);
    for (const code of ['0110', '0214', '0615', '1210', '9610', '9710', '9810', '9900'])
      expect(checkDeclarationValues(declaration({ TradeMode: code }))).toEqual([]);
  });

  it('货币: TradeCurr XYZ is refused on the goods row it is on; the head’s fee currencies too', () => {
    const m = declaration({ FeeCurr: 'RMB' });
    m.lists[1].fields.TradeCurr = 'XYZ';
    const problems = checkDeclarationValues(m);
    expect(problems.map((p) => p.path)).toEqual(['DecHead.FeeCurr', 'DecLists.DecList[2].TradeCurr']);
    expect(problems[1]).toEqual({
      path: 'DecLists.DecList[2].TradeCurr',
      zh: '币制(TradeCurr)[XYZ]不在货币代码表中',
      en: 'TradeCurr XYZ is not in the currencies table (货币代码表)',
    });
    // the 2018 form writes currencies in ISO 4217 letters; the old numeric code is kept in the table only
    expect(problemsOf(declaration({}, { TradeCurr: '502' }))).toEqual([
      'DecLists.DecList[1].TradeCurr: 币制(TradeCurr)[502]不在货币代码表中',
    ]);
    for (const code of ['USD', 'CNY', 'EUR', 'HKD', 'JPY'])
      expect(checkDeclarationValues(declaration({}, { TradeCurr: code }))).toEqual([]);
  });

  it('国别(地区): the four country fields take ISO 3166 alpha-3 codes of the table', () => {
    const m = declaration({ TradeCountry: 'XXX', TradeAreaCode: 'CN' }, { OriginCountry: '142', DestinationCountry: 'ZZY' });
    expect(checkDeclarationValues(m).map((p) => p.path)).toEqual([
      'DecHead.TradeCountry',
      'DecHead.TradeAreaCode',
      'DecLists.DecList[1].OriginCountry',
      'DecLists.DecList[1].DestinationCountry',
    ]);
    expect(checkDeclarationValues(declaration({ TradeCountry: 'USA', TradeAreaCode: 'DEU' }, { OriginCountry: 'JPN' }))).toEqual([]);
  });

  it('计量单位: GUnit, FirstUnit and SecondUnit are looked up; GUnit is required', () => {
    expect(problemsOf(declaration({}, { GUnit: '', FirstUnit: '999', SecondUnit: '24' }))).toEqual([
      'DecLists.DecList[1].GUnit: 成交计量单位(GUnit)不能为空',
      'DecLists.DecList[1].FirstUnit: 法定第一计量单位(FirstUnit)[999]不在计量单位代码表中',
      'DecLists.DecList[1].SecondUnit: 法定第二计量单位(SecondUnit)[24]不在计量单位代码表中',
    ]);
  });

  it('征免方式, 运输方式, 成交方式, 包装种类, 征免性质, 用途: codes outside their tables are refused', () => {
    const m = declaration({ TrafMode: 'Q', TransMode: '8', WrapType: '05', CutMode: '100' }, { DutyMode: '0', Purpose: '98' });
    expect(problemsOf(m)).toEqual([
      'DecHead.TrafMode: 运输方式(TrafMode)[Q]不在运输方式代码表中',
      'DecHead.TransMode: 成交方式(TransMode)[8]不在成交方式代码表中',
      'DecHead.CutMode: 征免性质(CutMode)[100]不在征免性质代码表中',
      'DecHead.WrapType: 包装种类(WrapType)[05]不在包装种类代码表中',
      'DecLists.DecList[1].DutyMode: 征免方式(DutyMode)[0]不在征减免税方式代码表中',
      'DecLists.DecList[1].Purpose: 用途(Purpose)[98]不在用途代码表中',
    ]);
    for (const traf of ['0', '2', '5', '9', 'H', 'W', 'X', 'Y', 'Z'])
      expect(checkDeclarationValues(declaration({ TrafMode: traf }))).toEqual([]);
  });

  it('关区: CustomMaster and IEPort are 4 digits of a listed customs district', () => {
    expect(problemsOf(declaration({ CustomMaster: '53', IEPort: '1234' }))).toEqual([
      'DecHead.CustomMaster: 申报地海关(CustomMaster)须为4位关区代码，实为[53]',
      'DecHead.IEPort: 进出境关别(IEPort)[1234]不属于关区代码表中的任何直属海关',
    ]);
    expect(problemsOf(declaration({ CustomMaster: '' }))).toEqual(['DecHead.CustomMaster: 申报地海关(CustomMaster)不能为空']);
    // a 隶属海关 opened after the table's copy is still accepted within its district
    expect(checkDeclarationValues(declaration({ CustomMaster: '5399', IEPort: '2244' }))).toEqual([]);
  });

  it('HS codes: CodeTS is 10 digits in an existing chapter (01–97, 77 reserved)', () => {
    const m = parseDecMessage(example);
    m.lists[0].fields.CodeTS = '7700000000';
    m.lists[1].fields.CodeTS = '9801000000';
    m.lists[2].fields.CodeTS = '85423190';
    expect(problemsOf(m)).toEqual([
      'DecLists.DecList[1].CodeTS: 商品编号(CodeTS)[7700000000]的章[77]不存在(01-97章，77章保留)',
      'DecLists.DecList[2].CodeTS: 商品编号(CodeTS)[9801000000]的章[98]不存在(01-97章，77章保留)',
      'DecLists.DecList[3].CodeTS: 商品编号(CodeTS)须为10位数字，实为[85423190]',
    ]);
    expect(['00', '01', '76', '77', '97', '98'].map(isHsChapter)).toEqual([false, true, true, false, true, false]);
  });

  it('amounts, quantities and weights are non-negative decimals; the weights and PackNo are required', () => {
    const m = declaration(
      { TradeMode: '', GrossWet: 'abc', NetWt: '-1', PackNo: '1.5' },
      { GQty: '1,000', DeclPrice: '', DeclTotal: '1e3' },
    );
    expect(problemsOf(m)).toEqual([
      'DecHead.TradeMode: 监管方式(TradeMode)不能为空',
      'DecHead.GrossWet: 毛重(GrossWet)须为非负数字，实为[abc]',
      'DecHead.NetWt: 净重(NetWt)须为非负数字，实为[-1]',
      'DecHead.PackNo: 件数(PackNo)须为非负整数，实为[1.5]',
      'DecLists.DecList[1].GQty: 成交数量(GQty)须为非负数字，实为[1,000]',
      'DecLists.DecList[1].DeclPrice: 单价(DeclPrice)不能为空',
      'DecLists.DecList[1].DeclTotal: 总价(DeclTotal)须为非负数字，实为[1e3]',
    ]);
    expect(problemsOf(declaration({ GrossWet: '', PackNo: '' }))).toEqual([
      'DecHead.GrossWet: 毛重(GrossWet)不能为空',
      'DecHead.PackNo: 件数(PackNo)不能为空',
    ]);
    expect(problemsOf(declaration({ GrossWet: '100', NetWt: '100.5' }))).toEqual(['DecHead.NetWt: 净重[100.5]不能大于毛重[100]']);
  });

  it('ports: codes of the 港口代码表 — a country’s letters and 3 digits, or 6 digits for a special supervision area', () => {
    expect(problemsOf(declaration({ DespPortCode: 'XXX000', DistinatePort: 'HK', EntyPortCode: '4702' }))).toEqual([
      'DecHead.DespPortCode: 启运港(DespPortCode)[XXX000]不在港口代码表中',
      'DecHead.DistinatePort: 经停港/指运港(DistinatePort)须为6位港口代码，实为[HK]',
      'DecHead.EntyPortCode: 入境口岸/离境口岸(EntyPortCode)须为6位代码，实为[4702]',
    ]);
    // the form but not a port: Hong Kong's 998, a special area that does not exist
    expect(problemsOf(declaration({ DespPortCode: 'HKG998', DistinatePort: '991199' }))).toEqual([
      'DecHead.DespPortCode: 启运港(DespPortCode)[HKG998]不在港口代码表中',
      'DecHead.DistinatePort: 经停港/指运港(DistinatePort)[991199]不在港口代码表中',
    ]);
    expect(checkDeclarationValues(declaration({ DespPortCode: 'USA000', DistinatePort: '991101' }))).toEqual([]);
    expect(checkDeclarationValues(declaration({ DespPortCode: 'HKG003', DistinatePort: 'ZZZ900' }))).toEqual([]);
    expect(PORTS.name('CHN000')).toBe('中国境内');
    expect(PORTS.entries).toHaveLength(4270);
  });

  it('EntyPortCode 入境口岸/离境口岸: 6 digits of the 国内口岸代码表 — an unknown one is refused', () => {
    expect(problemsOf(declaration({ EntyPortCode: '470299' }))).toEqual([
      'DecHead.EntyPortCode: 入境口岸/离境口岸(EntyPortCode)[470299]不在国内口岸代码表中',
    ]);
    expect(checkDeclarationValues(declaration({ EntyPortCode: '470299' }))[0].en).toBe(
      'EntyPortCode 470299 is not in the domestic ports of entry and exit table (国内口岸代码表)',
    );
    for (const known of ['470201', '110101', '999999'])
      expect(checkDeclarationValues(declaration({ EntyPortCode: known })), known).toEqual([]);
    expect(DOMESTIC_PORTS.name('470201')).toBe('皇岗');
    expect(DOMESTIC_PORTS.entries).toHaveLength(1321);
  });

  it('every problem has its English text, and the refusal text names every field in the FAQ’s form', () => {
    const problems = checkDeclarationValues(declaration({ TradeMode: '9876', GrossWet: 'abc' }, { TradeCurr: 'XYZ' }));
    for (const p of problems) expect(p.en).toMatch(/^[A-Za-z]/);
    expect(declarationValuesRefusal(problems)).toBe(
      '01暂存的业务报文格式数据不正确!DecHead.TradeMode: 监管方式(TradeMode)[9876]不在监管方式代码表中；' +
        'DecHead.GrossWet: 毛重(GrossWet)须为非负数字，实为[abc]；' +
        'DecLists.DecList[1].TradeCurr: 币制(TradeCurr)[XYZ]不在货币代码表中',
    );
  });
});

describe('the code tables', () => {
  const tables: [CodeTable, RegExp][] = [
    [TRADE_MODES, /^\d{4}$/],
    [CURRENCIES, /^[A-Z]{3}$/],
    [COUNTRIES, /^[A-Z]{3}$/],
    [UNITS, /^\d{3}$/],
    [DUTY_MODES, /^\d$/],
    [CUT_MODES, /^\d{3}$/],
    [TRANSPORT_MODES, /^[0-9A-Z]$/],
    [TRANSACTION_MODES, /^\d$/],
    [WRAP_TYPES, /^\d{2}$/],
    [PURPOSES, /^\d{2}$/],
    [CUSTOMS_AREAS, /^[0-9A-Z]{4}$/],
    [PORTS, /^(?:[A-Z]{3}\d{3}|\d{6})$/],
    [DOMESTIC_PORTS, /^\d{6}$/],
  ];

  it('each table has unique codes of its format and a Chinese name for each', () => {
    for (const [t, format] of tables) {
      expect(t.entries.length, t.zh).toBeGreaterThan(5);
      expect(new Set(t.entries.map((e) => e[0])).size, t.zh).toBe(t.entries.length);
      for (const [code, zh] of t.entries) {
        expect(code, t.zh).toMatch(format);
        expect(zh, `${t.zh} ${code}`).toMatch(/\S/);
      }
    }
  });

  it('holds the well-known entries with their names and pre-2018 codes', () => {
    expect(TRADE_MODES.name('0110')).toBe('一般贸易');
    expect(TRADE_MODES.name('0214')).toBe('来料加工');
    expect(CURRENCIES.entries.find((e) => e[0] === 'USD')).toEqual(['USD', '美元', 'US Dollar', '502']);
    expect(CURRENCIES.entries.find((e) => e[0] === 'CNY')?.[3]).toBe('142');
    expect(COUNTRIES.entries.find((e) => e[0] === 'CHN')).toEqual(['CHN', '中国', 'China', '142']);
    expect(COUNTRIES.name('USA')).toBe('美国');
    expect([UNITS.name('001'), UNITS.name('007'), UNITS.name('035')]).toEqual(['台', '个', '千克']);
    expect([DUTY_MODES.name('1'), DUTY_MODES.name('3')]).toEqual(['照章征税', '全免']);
    expect([TRANSACTION_MODES.name('1'), TRANSACTION_MODES.name('2'), TRANSACTION_MODES.name('3')]).toEqual(['CIF', 'C&F', 'FOB']);
    expect(TRANSPORT_MODES.name('2')).toBe('水路运输');
    expect(CUSTOMS_AREAS.name('5300')).toBe('深圳海关');
    expect(CUSTOMS_AREAS.complete).toBe(false);
  });
});

describe('attachments of a declaration ZIP (FAQ 15)', () => {
  const dec = parseDecMessage(example);
  it('each PDF is named by an EdocRealation, by EdocID or EdocCopId', () => {
    expect(attachmentProblems(dec, [])).toEqual([]);
    expect(attachmentProblems(dec, ['invoice.pdf', '530000000001IM202611210000000001.pdf'])).toEqual([]);
    expect(attachmentProblems(dec, ['invoice.pdf', 'other.pdf']).map((p) => p.zh)).toEqual([
      '随附单据[other.pdf]在EdocRealation中没有对应的EdocID或EdocCopId',
    ]);
  });
  it('a ZIP with PDFs and no EdocRealation at all is refused; validateMessage reports it with the attachments given', () => {
    const bare = { ...dec, edocs: [] };
    expect(attachmentProblems(bare, ['a.pdf', 'b.pdf']).map((p) => p.zh)).toEqual(['ZIP包含随附单据2个，报文中缺少随附单证EdocRealation']);
    const problems = validateMessage(example, { attachments: ['other.pdf'] }).problems;
    expect(problems.map((p) => p.path)).toEqual(['EdocRealation']);
    expect(validateMessage(example).problems).toEqual([]);
  });
});
