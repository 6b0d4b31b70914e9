/**
 * The values of a declaration (报关单) checked the way customs checks them on import: codes against the
 * customs code tables (packages/messages/src/code-tables), amounts and weights as non-negative decimals,
 * and the fields a declaration cannot be stored without. Pure: every problem at once, with its path.
 */
import {
  COUNTRIES,
  CURRENCIES,
  CUSTOMS_AREAS,
  CUT_MODES,
  DOMESTIC_PORTS,
  DUTY_MODES,
  isHsChapter,
  PORTS,
  PURPOSES,
  TRADE_MODES,
  TRANSACTION_MODES,
  TRANSPORT_MODES,
  UNITS,
  WRAP_TYPES,
  type CodeTable,
} from '../code-tables/index.js';
import { Problems, type Problem } from '../validation.js';
import type { DecMessage, Fields } from './declaration.js';

/** a non-negative decimal as customs writes it: digits, optionally a point and more digits */
const DECIMAL = /^\d+(\.\d+)?$/;

interface FieldRule {
  field: string;
  /** the field's Chinese name on the declaration form */
  zh: string;
  required?: boolean;
  table?: CodeTable;
  decimal?: boolean;
}

const HEAD_RULES: readonly FieldRule[] = [
  { field: 'TradeMode', zh: '监管方式', required: true, table: TRADE_MODES },
  { field: 'TrafMode', zh: '运输方式', required: true, table: TRANSPORT_MODES },
  { field: 'TransMode', zh: '成交方式', table: TRANSACTION_MODES },
  { field: 'CutMode', zh: '征免性质', table: CUT_MODES },
  { field: 'WrapType', zh: '包装种类', table: WRAP_TYPES },
  { field: 'TradeCountry', zh: '启运国(地区)/运抵国(地区)', table: COUNTRIES },
  { field: 'TradeAreaCode', zh: '贸易国(地区)', table: COUNTRIES },
  { field: 'FeeCurr', zh: '运费币制', table: CURRENCIES },
  { field: 'InsurCurr', zh: '保险费币制', table: CURRENCIES },
  { field: 'OtherCurr', zh: '杂费币制', table: CURRENCIES },
  { field: 'GrossWet', zh: '毛重', required: true, decimal: true },
  { field: 'NetWt', zh: '净重', required: true, decimal: true },
  { field: 'FeeRate', zh: '运费', decimal: true },
  { field: 'InsurRate', zh: '保险费', decimal: true },
  { field: 'OtherRate', zh: '杂费', decimal: true },
];

const LIST_RULES: readonly FieldRule[] = [
  { field: 'GName', zh: '商品名称', required: true },
  { field: 'GQty', zh: '成交数量', required: true, decimal: true },
  { field: 'GUnit', zh: '成交计量单位', required: true, table: UNITS },
  { field: 'FirstQty', zh: '法定第一数量', decimal: true },
  { field: 'FirstUnit', zh: '法定第一计量单位', table: UNITS },
  { field: 'SecondQty', zh: '法定第二数量', decimal: true },
  { field: 'SecondUnit', zh: '法定第二计量单位', table: UNITS },
  { field: 'DeclPrice', zh: '单价', required: true, decimal: true },
  { field: 'DeclTotal', zh: '总价', required: true, decimal: true },
  { field: 'TradeCurr', zh: '币制', required: true, table: CURRENCIES },
  { field: 'DutyMode', zh: '征免方式', table: DUTY_MODES },
  { field: 'OriginCountry', zh: '原产国(地区)', table: COUNTRIES },
  { field: 'DestinationCountry', zh: '最终目的国(地区)', table: COUNTRIES },
  { field: 'Purpose', zh: '用途', table: PURPOSES },
];

function apply(p: Problems, at: string, fields: Fields, rules: readonly FieldRule[]): void {
  for (const r of rules) {
    const path = `${at}.${r.field}`;
    const value = fields[r.field]?.trim() ?? '';
    if (value === '') {
      if (r.required) p.add(path, `${r.zh}(${r.field})不能为空`, `${r.field} is required`);
      continue;
    }
    if (r.decimal && !DECIMAL.test(value))
      p.add(path, `${r.zh}(${r.field})须为非负数字，实为[${value}]`, `${r.field} must be a non-negative decimal number, got "${value}"`);
    if (r.table && !r.table.has(value))
      p.add(
        path,
        `${r.zh}(${r.field})[${value}]不在${r.table.zh}中`,
        `${r.field} ${value} is not in the ${r.table.en} table (${r.table.zh})`,
      );
  }
}

/**
 * A customs area code (关区): 4 digits whose 直属海关 (first two digits + 00) is in the 关区代码表. The table's
 * 隶属海关 change over time, so the full code is not looked up (docs/decisions.md).
 */
function customsArea(p: Problems, path: string, value: string | undefined, zh: string, required: boolean): void {
  const v = value?.trim() ?? '';
  if (v === '') {
    if (required) p.add(path, `${zh}不能为空`, `${path.split('.').pop()} is required`);
    return;
  }
  const field = path.split('.').pop();
  if (!/^\d{4}$/.test(v)) p.add(path, `${zh}须为4位关区代码，实为[${v}]`, `${field} must be a 4-digit customs area code, got "${v}"`);
  else if (!CUSTOMS_AREAS.has(`${v.slice(0, 2)}00`))
    p.add(path, `${zh}[${v}]不属于关区代码表中的任何直属海关`, `${field} ${v} belongs to no customs district of the ${CUSTOMS_AREAS.zh}`);
}

/** A port: a code of the 港口代码表 (a country's 3 letters and 3 digits, `HKG000`; 6 digits for a Chinese special supervision area). */
function port(p: Problems, path: string, value: string | undefined, zh: string): void {
  const v = value?.trim() ?? '';
  if (v === '') return;
  const field = path.split('.').pop();
  if (!/^(?:[A-Z]{3}\d{3}|\d{6})$/.test(v))
    p.add(path, `${zh}须为6位港口代码，实为[${v}]`, `${field} must be a 6-character port code, got "${v}"`);
  else if (!PORTS.has(v)) p.add(path, `${zh}[${v}]不在${PORTS.zh}中`, `${field} ${v} is not in the ${PORTS.en} table (${PORTS.zh})`);
}

/** A domestic port of entry or exit: 6 digits, a code of the 国内口岸代码表 (`470201` 皇岗). */
function domesticPort(p: Problems, path: string, value: string | undefined, zh: string): void {
  const v = value?.trim() ?? '';
  if (v === '') return;
  const field = path.split('.').pop();
  if (!/^\d{6}$/.test(v)) p.add(path, `${zh}须为6位代码，实为[${value}]`, `${field} must be a 6-digit code, got "${value}"`);
  else if (!DOMESTIC_PORTS.has(v))
    p.add(path, `${zh}[${v}]不在${DOMESTIC_PORTS.zh}中`, `${field} ${v} is not in the ${DOMESTIC_PORTS.en} table (${DOMESTIC_PORTS.zh})`);
}

/**
 * Every problem with the values of a declaration's head and goods rows, each with its path, in Chinese
 * and English. The message's structure (IEFlag, parties, GNo order, DecSign) is validateDecMessage's.
 */
export function checkDeclarationValues(m: DecMessage): Problem[] {
  const p = new Problems();
  const h = m.head;
  if (Object.keys(h).length > 0) {
    customsArea(p, 'DecHead.CustomMaster', h.CustomMaster, '申报地海关(CustomMaster)', true);
    customsArea(p, 'DecHead.IEPort', h.IEPort, '进出境关别(IEPort)', false);
    apply(p, 'DecHead', h, HEAD_RULES);
    const pack = h.PackNo?.trim() ?? '';
    if (pack === '') p.add('DecHead.PackNo', '件数(PackNo)不能为空', 'PackNo is required');
    else if (!/^\d+$/.test(pack))
      p.add('DecHead.PackNo', `件数(PackNo)须为非负整数，实为[${pack}]`, `PackNo must be a non-negative whole number, got "${pack}"`);
    const gross = h.GrossWet?.trim() ?? '';
    const net = h.NetWt?.trim() ?? '';
    if (DECIMAL.test(gross) && DECIMAL.test(net) && Number(net) > Number(gross))
      p.add('DecHead.NetWt', `净重[${net}]不能大于毛重[${gross}]`, `NetWt ${net} must not exceed GrossWet ${gross}`);
    port(p, 'DecHead.DespPortCode', h.DespPortCode, '启运港(DespPortCode)');
    port(p, 'DecHead.DistinatePort', h.DistinatePort, '经停港/指运港(DistinatePort)');
    domesticPort(p, 'DecHead.EntyPortCode', h.EntyPortCode, '入境口岸/离境口岸(EntyPortCode)');
  }
  m.lists.forEach((row, i) => {
    const at = `DecLists.DecList[${i + 1}]`;
    const code = row.fields.CodeTS?.trim() ?? '';
    if (code === '') p.add(`${at}.CodeTS`, '商品编号(CodeTS)不能为空', 'CodeTS is required');
    else if (!/^\d{10}$/.test(code))
      p.add(`${at}.CodeTS`, `商品编号(CodeTS)须为10位数字，实为[${code}]`, `CodeTS must be 10 digits, got "${code}"`);
    else if (!isHsChapter(code.slice(0, 2)))
      p.add(
        `${at}.CodeTS`,
        `商品编号(CodeTS)[${code}]的章[${code.slice(0, 2)}]不存在(01-97章，77章保留)`,
        `CodeTS ${code}: chapter ${code.slice(0, 2)} does not exist (chapters 01-97, 77 reserved)`,
      );
    apply(p, at, row.fields, LIST_RULES);
  });
  return p.list;
}

/**
 * The import response's ErrorMessage for a declaration whose values customs refuses, in the form the
 * Single Window FAQ quotes: "01暂存的业务报文格式数据不正确!" followed by each field and its problem.
 */
export function declarationValuesRefusal(problems: readonly Problem[]): string {
  return `01暂存的业务报文格式数据不正确!${problems.map((p) => `${p.path}: ${p.zh}`).join('；')}`;
}
