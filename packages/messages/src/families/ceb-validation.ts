/**
 * CEB (跨境电商) return statuses and the checks the customs system applies to a declared message:
 * required fields, lengths, decimals and totals, sections and signature per message type.
 * docs/messages-ceb.md describes them.
 */
import { Problems, type Problem } from '../validation.js';
import {
  BASE_TRANSFER_RULES,
  INVENTORY_HEAD_RULES,
  INVENTORY_LIST_RULES,
  ORDER_HEAD_RULES,
  ORDER_LIST_RULES,
  type CebFieldRule,
} from './ceb-rules.js';
import { CEB_RECEIPT_SPECS } from './ceb-receipts.js';
import type { CebFields, CebMessage, CebSection } from './ceb.js';

// ---------------------------------------------------------------------------------------------
// Validation

function checkDecimal(p: Problems, path: string, v: string, zh: string, [total, frac]: readonly [number, number]): void {
  const m = /^[+-]?(\d*)(?:\.(\d*))?$/.exec(v);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) {
    p.add(path, `${zh}须为数字，实为 ${v}`, `${path} must be a decimal number, got ${v}`);
    return;
  }
  const intPart = m[1].replace(/^0+/, '');
  const fracPart = (m[2] ?? '').replace(/0+$/, '');
  if (fracPart.length > frac) p.add(path, `${zh}小数位不能超过${frac}位`, `${path} has more than ${frac} fraction digits`);
  if (intPart.length + fracPart.length > total) p.add(path, `${zh}总位数不能超过${total}位`, `${path} has more than ${total} digits`);
}

function checkRow(p: Problems, base: string, row: CebFields | undefined, rules: readonly CebFieldRule[]): void {
  const r = row ?? {};
  const known = new Set(rules.map((x) => x.name));
  for (const k of Object.keys(r)) {
    if (!known.has(k)) p.add(`${base}.${k}`, `${base} 中不允许出现 ${k}`, `${base}.${k} is not an element of the schema`);
  }
  let last = -1;
  for (const k of Object.keys(r)) {
    const i = rules.findIndex((x) => x.name === k);
    if (i < 0) continue;
    if (i < last) {
      p.add(`${base}.${k}`, `${k} 的顺序与报文规范不符`, `${base}.${k} is out of the schema's order`);
      break;
    }
    last = i;
  }
  for (const rule of rules) {
    const path = `${base}.${rule.name}`;
    const v = r[rule.name];
    if (v === undefined || v.trim() === '') {
      if (rule.required) p.required(path, v, rule.zh);
      continue;
    }
    const len = [...v].length;
    const before = p.list.length;
    if (rule.length !== undefined && len !== rule.length)
      p.add(path, `${rule.zh}长度须为${rule.length}位，实为${len}位`, `${path} must be ${rule.length} characters long, got ${len}`);
    if (rule.maxLength !== undefined) p.maxLength(path, v, rule.maxLength, rule.zh);
    if (p.list.length > before) continue; // one problem per field: a wrong length says enough
    if (rule.decimal) checkDecimal(p, path, v, rule.zh, rule.decimal);
    if (rule.integer) {
      if (!/^[+-]?\d+$/.test(v)) p.add(path, `${rule.zh}须为整数，实为 ${v}`, `${path} must be an integer, got ${v}`);
      else if (rule.maxDigits !== undefined && v.replace(/^[+-]?0*/, '').length > rule.maxDigits)
        p.add(path, `${rule.zh}不能超过${rule.maxDigits}位`, `${path} has more than ${rule.maxDigits} digits`);
    }
    if (rule.oneOf) p.oneOf(path, v, rule.oneOf, rule.zh);
    if (rule.pattern && !rule.pattern.test(v)) p.add(path, `${rule.zh}格式不正确: ${v}`, `${path} has the wrong format: ${v}`);
  }
}

/** Decimal text as an integer count of 1e-5 units (the schemas allow 5 fraction digits). */
function scaled(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  const m = /^([+-]?)(\d*)(?:\.(\d{0,5}))?$/.exec(v.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const n = BigInt((m[2] || '0') + (m[3] ?? '').padEnd(5, '0'));
  return m[1] === '-' ? -n : n;
}

interface SectionSpec {
  section: string;
  head: readonly CebFieldRule[];
  list: string;
  rows: readonly CebFieldRule[];
  maxSections: number;
  maxRows: number;
}

const DECLARATIONS: Record<string, SectionSpec> = {
  CEB311: { section: 'Order', head: ORDER_HEAD_RULES, list: 'OrderList', rows: ORDER_LIST_RULES, maxSections: 100, maxRows: 99 },
  CEB621: {
    section: 'Inventory',
    head: INVENTORY_HEAD_RULES,
    list: 'InventoryList',
    rows: INVENTORY_LIST_RULES,
    maxSections: 100,
    maxRows: 99,
  },
};

/** Types whose schema requires ds:Signature (minOccurs 1): the inventory family and delivery. */
const SIGNATURE_REQUIRED = new Set(['CEB621', 'CEB623', 'CEB625', 'CEB711']);

/** The receipts checked field by field: every receipt of a declared import type (ceb-receipts.ts). */
const RECEIPTS: Record<string, { section: string; rules: readonly CebFieldRule[] }> = Object.fromEntries(
  CEB_RECEIPT_SPECS.map((s) => [s.receipt, { section: s.returnSection, rules: s.rules }]),
);

/**
 * Checks a message against the 2022-05 schema rules we know (CEB311, CEB621 and the receipts
 * CEB312/412/512/514/622/624/626/712 in full; the envelope of every other type) and reports every problem at once, each with a path
 * such as `Order[0].OrderList[1].gnum` and a Chinese and English message.
 */
export function validateCeb(msg: CebMessage): Problem[] {
  const p = new Problems();
  if (!/^CEB\d{3}$/.test(msg.messageType))
    p.add('messageType', `报文类型不正确: ${msg.messageType}`, `messageType must be CEB followed by three digits, got ${msg.messageType}`);
  if (msg.guid.length !== 36)
    p.add('@guid', `报文guid须为36位，实为${msg.guid.length}位`, `@guid must be 36 characters long, got ${msg.guid.length}`);
  if (msg.version.trim() === '' || msg.version.length > 10)
    p.add('@version', '报文版本号须为1至10位', '@version must be 1 to 10 characters long');
  if (msg.sections.length === 0) p.add('sections', '报文中没有业务数据', 'the message has no business section');

  if (SIGNATURE_REQUIRED.has(msg.messageType) && !msg.signature)
    p.add(
      'Signature',
      `${msg.messageType} 报文须加签 (ds:Signature)`,
      `${msg.messageType} must carry a ds:Signature (sign it with signCeb)`,
    );

  const decl = DECLARATIONS[msg.messageType];
  if (decl) {
    const others = msg.sections.filter((s) => s.name !== decl.section);
    for (const s of others) p.add(s.name, `${msg.messageType} 中不允许出现 ${s.name}`, `${s.name} is not allowed in ${msg.messageType}`);
    const sections = msg.sections.filter((s) => s.name === decl.section);
    if (sections.length > decl.maxSections)
      p.add(decl.section, `${decl.section} 不能超过${decl.maxSections}个`, `at most ${decl.maxSections} ${decl.section} per message`);
    sections.forEach((s, i) => {
      const base = `${decl.section}[${i}]`;
      const headName = `${decl.section}Head`;
      if (!s.head) p.add(`${base}.${headName}`, `缺少${headName}`, `${base}.${headName} is missing`);
      else checkRow(p, `${base}.${headName}`, s.head, decl.head);
      for (const [k] of Object.entries(s.fields))
        p.add(`${base}.${k}`, `${decl.section} 中不允许出现 ${k}`, `${base}.${k} is not an element of the schema`);
      for (const l of s.lists)
        if (l.name !== decl.list)
          p.add(`${base}.${l.name}`, `${decl.section} 中不允许出现 ${l.name}`, `${base}.${l.name} is not an element of the schema`);
      const rows = rowsOf(s, decl.list);
      if (rows.length === 0) p.add(`${base}.${decl.list}`, `${decl.list} 至少须有一条`, `${base} needs at least one ${decl.list}`);
      if (rows.length > decl.maxRows)
        p.add(`${base}.${decl.list}`, `${decl.list} 不能超过${decl.maxRows}条`, `${base} has more than ${decl.maxRows} ${decl.list}`);
      rows.forEach((row, j) => {
        const rowPath = `${base}.${decl.list}[${j}]`;
        checkRow(p, rowPath, row, decl.rows);
        if (row.gnum !== undefined && /^\d+$/.test(row.gnum) && Number(row.gnum) !== j + 1)
          p.add(
            `${rowPath}.gnum`,
            `商品序号须从1开始连续递增，应为${j + 1}`,
            `${rowPath}.gnum must count from 1 without gaps: expected ${j + 1}, got ${row.gnum}`,
          );
      });
      if (msg.messageType === 'CEB311' && s.head) {
        // 实际支付金额 = 商品价格 + 运杂费 + 代扣税款 - 非现金抵扣金额 (the acturalPaid field's own definition)
        const [goods, freight, tax, discount, paid] = ['goodsValue', 'freight', 'taxTotal', 'discount', 'acturalPaid'].map((k) =>
          scaled(s.head?.[k]),
        );
        if (
          goods !== undefined &&
          freight !== undefined &&
          tax !== undefined &&
          discount !== undefined &&
          paid !== undefined &&
          goods + freight + tax - discount !== paid
        ) {
          p.add(
            `${base}.${headName}.acturalPaid`,
            '实际支付金额须等于商品价格+运杂费+代扣税款-非现金抵扣金额',
            `${base}.${headName}.acturalPaid must equal goodsValue + freight + taxTotal - discount`,
          );
        }
      }
    });
    if (!msg.baseTransfer) p.add('BaseTransfer', '缺少BaseTransfer', 'BaseTransfer is missing');
    else checkRow(p, 'BaseTransfer', msg.baseTransfer, BASE_TRANSFER_RULES);
    if (msg.extraBaseTransfers?.length) p.add('BaseTransfer[1]', 'BaseTransfer 只能有一个', 'only one BaseTransfer is allowed');
    if ((msg.baseSubscribes?.length ?? 0) > 5) p.add('BaseSubscribe', 'BaseSubscribe 不能超过5个', 'at most 5 BaseSubscribe');
  }

  const receipt = RECEIPTS[msg.messageType];
  if (receipt) {
    if (msg.sections.length > 100) p.add(receipt.section, `${receipt.section} 不能超过100个`, `at most 100 ${receipt.section} per message`);
    msg.sections.forEach((s, i) => {
      const base = `${s.name}[${i}]`;
      if (s.name !== receipt.section) {
        p.add(s.name, `${msg.messageType} 中不允许出现 ${s.name}`, `${s.name} is not allowed in ${msg.messageType}`);
        return;
      }
      checkRow(p, base, s.fields, receipt.rules);
      if (s.head || s.lists.length) p.add(base, `${s.name} 中只能有字段`, `${base} holds only fields`);
    });
    if (msg.baseTransfer || msg.signature)
      p.add(
        'BaseTransfer',
        `${msg.messageType} 回执中不含BaseTransfer与签名`,
        `${msg.messageType} receipts carry no BaseTransfer or Signature`,
      );
  }
  return p.list;
}

function rowsOf(s: CebSection, listName: string): CebFields[] {
  return s.lists.find((l) => l.name === listName)?.rows ?? [];
}
