/**
 * Cross-border e-commerce (CEB, 跨境电商) messages of the customs unified system, 2022-05 edition:
 * `CEBnnnMessage` in the namespace `http://www.chinaport.gov.cn/ceb` — 3xx orders, 4xx payments
 * and receipts, 5xx logistics, 6xx inventories (清单), 7xx delivery and summary, 2xx export refunds.
 *
 * Every message has the same envelope: the root `ceb:CEBnnnMessage guid="…" version="1.0"`, then
 * one or more business sections (`Order`, `Inventory`, `OrderReturn`…), then — for what an
 * enterprise declares — `BaseTransfer`, optional `BaseSubscribe` (0..5) and `ExtendMessage`, and an
 * enveloped `ds:Signature` (see ceb-signature.ts). A section holds either leaf fields directly
 * (`OrderReturn`, `Logistics` of CEB505) or one `…Head` element plus repeated list rows
 * (`Order` = `OrderHead` + `OrderList`×n). parseCeb reads any message into that generic shape and
 * buildCeb writes it back; convenience accessors give typed views of the key ones.
 *
 * docs/messages-ceb.md describes the family, the fields and the signature.
 */
import { MessageRejected } from '../errors.js';
import type { StatusGroup } from '../codes.js';
import { Problems, type Problem } from '../validation.js';
import { el, fieldElements, writeXml, type XmlElement } from '../writer.js';
import { CEB_INDENT, CEB_XML_DECLARATION, cebSignatureElement, type CebSignatureInfo } from './ceb-dsig.js';
import { asNode, list, parseXml, rootOf, text, type XmlNode, type XmlValue } from '../xml.js';
import {
  BASE_TRANSFER_RULES,
  INVENTORY_HEAD_RULES,
  INVENTORY_LIST_RULES,
  INVENTORY_RETURN_RULES,
  ORDER_HEAD_RULES,
  ORDER_LIST_RULES,
  ORDER_RETURN_RULES,
  type CebBaseTransfer,
  type CebFieldRule,
  type CebInventoryHead,
  type CebInventoryItem,
  type CebInventoryReturn,
  type CebOrderHead,
  type CebOrderItem,
  type CebOrderReturn,
} from './ceb-rules.js';

export * from './ceb-rules.js';
export * from './ceb-dsig.js';
export { signCeb, verifyCeb, cebSignedInfoCanonical, cebDigestCanonical, CEB_DSIG, type CebSignOptions } from './ceb-signature.js';

export const CEB_NAMESPACE = 'http://www.chinaport.gov.cn/ceb';

/** `CEB311`, `CEB622`… */
export type CebMessageType = `CEB${number}`;

/** One row of leaf fields, in document order. */
export type CebFields = Record<string, string>;

export interface CebList {
  /** element name of the rows, e.g. `OrderList` */
  name: string;
  rows: CebFields[];
}

/** One business section (`Order`, `Inventory`, `OrderReturn`…), repeated sections keep their order. */
export interface CebSection {
  name: string;
  /** the `…Head` element's leaf fields, in order */
  head?: CebFields;
  /** the head element's name when it is not `<name>Head` (CEB816 `Tax/TaxHeadRd`) */
  headName?: string;
  /** repeated row elements under the section (`OrderList`×n), each name once, in document order */
  lists: CebList[];
  /** leaf fields directly in the section (`OrderReturn/returnStatus`…) */
  fields: CebFields;
}

/** `ExtendMessage`: a named, versioned block of any XML (`Message` is xs:any). */
export interface CebExtendMessage {
  name: string;
  version: string;
  /** the content of `Message`, as parsed (namespace prefixes removed) */
  message: XmlNode;
}

export interface CebMessage {
  messageType: CebMessageType;
  /** the root element's local name when it is not `<messageType>Message` (the published CEB214 sample's root is `CEB214`) */
  rootName?: string;
  guid: string;
  version: string;
  sections: CebSection[];
  baseTransfer?: CebFields;
  /**
   * Further `BaseTransfer` elements. The schema allows exactly one; ten published export samples
   * carry two. Kept so that reading and writing loses nothing.
   */
  extraBaseTransfers?: CebFields[];
  baseSubscribes?: CebFields[];
  extendMessage?: CebExtendMessage;
  signature?: CebSignatureInfo;
}

const ENVELOPE = new Set(['BaseTransfer', 'BaseSubscribe', 'ExtendMessage', 'Signature']);
const ROOT_RE = /^CEB(\d{3})(Message)?$/;

function isLeaf(v: XmlValue): boolean {
  if (typeof v === 'string') return true;
  if (Array.isArray(v)) return false;
  return Object.keys(v).every((k) => k.startsWith('@_') || k === '#text');
}

function leafText(v: XmlValue): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return leafText(v[0]);
  const t = v['#text'];
  return typeof t === 'string' ? t : '';
}

function unsupported(where: string): never {
  throw new MessageRejected(
    'C903',
    `CEB报文结构不符 (shape not in the 2022 schemas): ${where} nests deeper than section → head/list → field; this shape is not part of the 2022 schemas`,
  );
}

/** Leaf fields of a row element (head, list row, BaseTransfer…). */
function rowFields(node: XmlNode, where: string): CebFields {
  const out: CebFields = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_') || k === '#text') continue;
    if (Array.isArray(v)) {
      // a repeated leaf inside a row does not occur in the schemas; keep the first would lose data
      unsupported(`${where}.${k} (repeated)`);
    }
    if (!isLeaf(v)) unsupported(`${where}.${k}`);
    out[k] = leafText(v);
  }
  return out;
}

function parseSection(name: string, node: XmlNode, where: string): CebSection {
  const section: CebSection = { name, lists: [], fields: {} };
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_') || k === '#text') continue;
    const items = Array.isArray(v) ? v : [v];
    if (items.every(isLeaf)) {
      if (items.length > 1) unsupported(`${where}.${k} (repeated field)`);
      section.fields[k] = leafText(items[0]);
      continue;
    }
    if (!section.head && items.length === 1 && k.includes('Head')) {
      section.head = rowFields(asNode(items[0]), `${where}.${k}`);
      if (k !== `${name}Head`) section.headName = k;
      continue;
    }
    section.lists.push({ name: k, rows: items.map((row, i) => rowFields(asNode(row), `${where}.${k}[${i}]`)) });
  }
  return section;
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

function parseSignature(node: XmlNode): CebSignatureInfo {
  const si = asNode(node.SignedInfo);
  const ref = asNode(si.Reference);
  const keyInfo = node.KeyInfo === undefined ? undefined : asNode(node.KeyInfo);
  const x509 = keyInfo ? asNode(keyInfo.X509Data) : undefined;
  const sig: CebSignatureInfo = {
    canonicalizationMethod: attr(asNode(si.CanonicalizationMethod), 'Algorithm') ?? '',
    signatureMethod: attr(asNode(si.SignatureMethod), 'Algorithm') ?? '',
    referenceUri: attr(ref, 'URI') ?? '',
    transforms: list(asNode(ref.Transforms), 'Transform').map((t) => attr(t, 'Algorithm') ?? ''),
    digestMethod: attr(asNode(ref.DigestMethod), 'Algorithm') ?? '',
    digestValue: text(ref, 'DigestValue') ?? '',
    signatureValue: text(node, 'SignatureValue') ?? '',
  };
  const keyName = text(keyInfo, 'KeyName');
  if (keyName !== undefined) sig.keyName = keyName;
  const cert = text(x509, 'X509Certificate');
  if (cert !== undefined) sig.x509Certificate = cert;
  return sig;
}

/** Reads any `CEBnnnMessage` (prefixed `ceb:` or in the default namespace). */
export function parseCeb(xml: string): CebMessage {
  const root = rootOf(parseXml(xml));
  const m = ROOT_RE.exec(root.name);
  if (!m) throw new MessageRejected('C903', `不是跨境电商报文 (not a CEB message: root ${root.name})`);
  const messageType = `CEB${m[1]}` as CebMessageType;
  const msg: CebMessage = { messageType, guid: attr(root.node, 'guid') ?? '', version: attr(root.node, 'version') ?? '', sections: [] };
  if (root.name !== `${messageType}Message`) msg.rootName = root.name;
  for (const [k, v] of Object.entries(root.node)) {
    if (k.startsWith('@_') || k === '#text' || ENVELOPE.has(k)) continue;
    const items = Array.isArray(v) ? v : [v];
    items.forEach((item, i) => msg.sections.push(parseSection(k, asNode(item), `${k}[${i}]`)));
  }
  const transfers = list(root.node, 'BaseTransfer').map((n, i) => rowFields(n, `BaseTransfer[${i}]`));
  if (transfers.length) msg.baseTransfer = transfers[0];
  if (transfers.length > 1) msg.extraBaseTransfers = transfers.slice(1);
  const subscribes = list(root.node, 'BaseSubscribe').map((n, i) => rowFields(n, `BaseSubscribe[${i}]`));
  if (subscribes.length) msg.baseSubscribes = subscribes;
  if (root.node.ExtendMessage !== undefined) {
    const ext = asNode(root.node.ExtendMessage);
    msg.extendMessage = { name: text(ext, 'name') ?? '', version: text(ext, 'version') ?? '', message: asNode(ext.Message) };
  }
  if (root.node.Signature !== undefined) msg.signature = parseSignature(asNode(root.node.Signature));
  return msg;
}

// ---------------------------------------------------------------------------------------------
// Writing

const P = 'ceb:';

/** Any parsed XML (ExtendMessage/Message) back to elements, in the ceb namespace. */
function anyElements(node: XmlNode): XmlElement[] {
  const out: XmlElement[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_') || k === '#text') continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (typeof item === 'string') {
        out.push(el(P + k, item));
        continue;
      }
      const n = asNode(item);
      const attrs: Record<string, string> = {};
      for (const [ak, av] of Object.entries(n)) if (ak.startsWith('@_') && typeof av === 'string') attrs[ak.slice(2)] = av;
      const children = anyElements(n);
      const e = children.length ? el(P + k, children, attrs) : el(P + k, leafText(n), attrs);
      out.push(e);
    }
  }
  return out;
}

function sectionElement(s: CebSection): XmlElement {
  const children: XmlElement[] = [...fieldElements(s.fields, undefined, P)];
  if (s.head) children.push(el(P + (s.headName ?? `${s.name}Head`), fieldElements(s.head, undefined, P)));
  for (const l of s.lists) for (const row of l.rows) children.push(el(P + l.name, fieldElements(row, undefined, P)));
  return el(P + s.name, children);
}

/** The root element with every child, without the XML declaration. */
export function cebElement(msg: CebMessage): XmlElement {
  const children: XmlElement[] = msg.sections.map(sectionElement);
  if (msg.baseTransfer) children.push(el(`${P}BaseTransfer`, fieldElements(msg.baseTransfer, undefined, P)));
  for (const t of msg.extraBaseTransfers ?? []) children.push(el(`${P}BaseTransfer`, fieldElements(t, undefined, P)));
  for (const s of msg.baseSubscribes ?? []) children.push(el(`${P}BaseSubscribe`, fieldElements(s, undefined, P)));
  if (msg.extendMessage) {
    const m = msg.extendMessage;
    const content = anyElements(m.message);
    children.push(
      el(`${P}ExtendMessage`, [
        el(`${P}name`, m.name),
        el(`${P}version`, m.version),
        content.length ? el(`${P}Message`, content) : el(`${P}Message`, ''),
      ]),
    );
  }
  if (msg.signature) children.push(cebSignatureElement(msg.signature));
  return el(P + (msg.rootName ?? `${msg.messageType}Message`), children, {
    guid: msg.guid,
    version: msg.version,
    'xmlns:ceb': CEB_NAMESPACE,
  });
}

/**
 * Writes the message the way the official samples do: `ceb:` prefix, `xmlns:ceb` on the root,
 * `guid` and `version` attributes, elements in order, two-space indentation, UTF-8.
 * A signature read from a message is written back as it was; it still verifies only when the rest
 * of the message canonicalizes to the same bytes — sign after building (signCeb), not before.
 */
export function buildCeb(msg: CebMessage): string {
  return writeXml(cebElement(msg), { declaration: CEB_XML_DECLARATION, indent: CEB_INDENT });
}

// ---------------------------------------------------------------------------------------------
// Typed views and builders of the key messages

export interface CebOrder {
  head: CebOrderHead;
  items: CebOrderItem[];
}

export interface CebInventory {
  head: CebInventoryHead;
  items: CebInventoryItem[];
}

/** A receipt row (`OrderReturn`, `InventoryReturn`, `PaymentReturn`…) with its status decoded. */
export interface CebReceipt {
  /** the section name, e.g. `OrderReturn` */
  kind: string;
  guid: string;
  returnStatus: string;
  returnTime: string;
  returnInfo: string;
  /** the status code's meaning, when known */
  status?: CebReturnStatusInfo;
  /** every field of the row, in order */
  fields: CebFields;
}

function rowsOf(s: CebSection, listName: string): CebFields[] {
  return s.lists.find((l) => l.name === listName)?.rows ?? [];
}

/** The orders of a CEB311 (or export CEB303) message. */
export function cebOrders(msg: CebMessage): CebOrder[] {
  return msg.sections
    .filter((s) => s.name === 'Order')
    .map((s) => ({ head: (s.head ?? {}) as unknown as CebOrderHead, items: rowsOf(s, 'OrderList') as unknown as CebOrderItem[] }));
}

/** The inventories (清单) of a CEB621 (or export CEB603) message. */
export function cebInventories(msg: CebMessage): CebInventory[] {
  return msg.sections
    .filter((s) => s.name === 'Inventory')
    .map((s) => ({
      head: (s.head ?? {}) as unknown as CebInventoryHead,
      items: rowsOf(s, 'InventoryList') as unknown as CebInventoryItem[],
    }));
}

/** Every receipt row of a receipt message (CEB312, CEB622, CEB412…): sections that carry `returnStatus`. */
export function cebReceipts(msg: CebMessage): CebReceipt[] {
  return msg.sections
    .filter((s) => s.fields.returnStatus !== undefined)
    .map((s) => {
      const r: CebReceipt = {
        kind: s.name,
        guid: s.fields.guid ?? '',
        returnStatus: s.fields.returnStatus,
        returnTime: s.fields.returnTime ?? '',
        returnInfo: s.fields.returnInfo ?? '',
        fields: s.fields,
      };
      const status = cebReturnStatus(s.fields.returnStatus);
      if (status) r.status = status;
      return r;
    });
}

/** CEB312 order receipts as typed rows. */
export function cebOrderReturns(msg: CebMessage): CebOrderReturn[] {
  return msg.sections.filter((s) => s.name === 'OrderReturn').map((s) => s.fields as unknown as CebOrderReturn);
}

/** CEB622 inventory receipts as typed rows. */
export function cebInventoryReturns(msg: CebMessage): CebInventoryReturn[] {
  return msg.sections.filter((s) => s.name === 'InventoryReturn').map((s) => s.fields as unknown as CebInventoryReturn);
}

/** A record in the schema's element order (unknown keys after, in their own order). */
function ordered(record: object, rules: readonly CebFieldRule[]): CebFields {
  const src = record as Record<string, string | undefined>;
  const out: CebFields = {};
  for (const r of rules) if (src[r.name] !== undefined) out[r.name] = src[r.name] as string;
  for (const [k, v] of Object.entries(src)) if (v !== undefined && !(k in out)) out[k] = v;
  return out;
}

export interface CebEnvelopeInput {
  guid: string;
  version?: string;
  baseTransfer?: CebBaseTransfer;
}

/** A CEB311 order message (电子订单) from typed orders; fields are put in schema order. */
export function cebOrderMessage(input: CebEnvelopeInput & { orders: CebOrder[] }): CebMessage {
  return {
    messageType: 'CEB311',
    guid: input.guid,
    version: input.version ?? '1.0',
    sections: input.orders.map((o) => ({
      name: 'Order',
      head: ordered(o.head, ORDER_HEAD_RULES),
      lists: [{ name: 'OrderList', rows: o.items.map((i) => ordered(i, ORDER_LIST_RULES)) }],
      fields: {},
    })),
    ...(input.baseTransfer ? { baseTransfer: ordered(input.baseTransfer, BASE_TRANSFER_RULES) } : {}),
  };
}

/** A CEB621 inventory message (进口清单) from typed inventories; fields are put in schema order. */
export function cebInventoryMessage(input: CebEnvelopeInput & { inventories: CebInventory[] }): CebMessage {
  return {
    messageType: 'CEB621',
    guid: input.guid,
    version: input.version ?? '1.0',
    sections: input.inventories.map((o) => ({
      name: 'Inventory',
      head: ordered(o.head, INVENTORY_HEAD_RULES),
      lists: [{ name: 'InventoryList', rows: o.items.map((i) => ordered(i, INVENTORY_LIST_RULES)) }],
      fields: {},
    })),
    ...(input.baseTransfer ? { baseTransfer: ordered(input.baseTransfer, BASE_TRANSFER_RULES) } : {}),
  };
}

/** A CEB312 order receipt message (what the sandbox answers to a CEB311). */
export function cebOrderReturnMessage(input: { guid: string; version?: string; returns: CebOrderReturn[] }): CebMessage {
  return {
    messageType: 'CEB312',
    guid: input.guid,
    version: input.version ?? '1.0',
    sections: input.returns.map((r) => ({ name: 'OrderReturn', lists: [], fields: ordered(r, ORDER_RETURN_RULES) })),
  };
}

/** A CEB622 inventory receipt message (what the sandbox answers to a CEB621). */
export function cebInventoryReturnMessage(input: { guid: string; version?: string; returns: CebInventoryReturn[] }): CebMessage {
  return {
    messageType: 'CEB622',
    guid: input.guid,
    version: input.version ?? '1.0',
    sections: input.returns.map((r) => ({ name: 'InventoryReturn', lists: [], fields: ordered(r, INVENTORY_RETURN_RULES) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Receipt status codes (returnStatus)

/** What a returnStatus means for the document's life: the declaration groups plus `saved` (暂存) and `returned` (退运). */
export type CebStatusGroup = StatusGroup | 'saved' | 'returned';

export interface CebReturnStatusInfo {
  code: string;
  /** 中文 */
  zh: string;
  en: string;
  group: CebStatusGroup;
}

/**
 * returnStatus codes, from the schema documentation of the receipts (CEB312/622/…, 2022-05):
 * "操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100海关退单/120海关入库/300人工审核/
 * 399海关审结/800放行/899结关/500查验/501扣留移送通关/502扣留移送缉私/503扣留移送法规/599其它扣留/700退运）,
 * 若小于0数字表示处理异常回执"; 505 移交 and 600 挂起 come from the export receipts.
 */
export const CEB_RETURN_STATUS: readonly CebReturnStatusInfo[] = [
  { code: '1', zh: '电子口岸已暂存', en: 'saved at the e-port (not declared)', group: 'saved' },
  { code: '2', zh: '电子口岸申报中', en: 'being declared by the e-port', group: 'declared' },
  { code: '3', zh: '发送海关成功', en: 'sent to customs', group: 'declared' },
  { code: '4', zh: '发送海关失败', en: 'sending to customs failed', group: 'failed' },
  { code: '100', zh: '海关退单', en: 'refused by customs', group: 'refused' },
  { code: '120', zh: '海关入库', en: 'accepted into the customs system', group: 'accepted' },
  { code: '300', zh: '人工审核', en: 'under manual review', group: 'reviewing' },
  { code: '399', zh: '海关审结', en: 'review concluded', group: 'reviewing' },
  { code: '500', zh: '查验', en: 'inspection', group: 'inspection' },
  { code: '501', zh: '扣留移送通关', en: 'held, passed to the clearance department', group: 'held' },
  { code: '502', zh: '扣留移送缉私', en: 'held, passed to the anti-smuggling bureau', group: 'held' },
  { code: '503', zh: '扣留移送法规', en: 'held, passed to the legal department', group: 'held' },
  { code: '505', zh: '移交', en: 'handed over', group: 'held' },
  { code: '599', zh: '其它扣留', en: 'held (other)', group: 'held' },
  { code: '600', zh: '挂起', en: 'suspended', group: 'held' },
  { code: '700', zh: '退运', en: 'returned to origin', group: 'returned' },
  { code: '800', zh: '放行', en: 'released', group: 'released' },
  { code: '899', zh: '结关', en: 'cleared (closed)', group: 'closed' },
] as const;

const STATUS_BY_CODE = new Map(CEB_RETURN_STATUS.map((s) => [s.code, s]));

/**
 * The meaning of a returnStatus. A negative number is a processing-error receipt (处理异常回执,
 * the schema's words): it is reported as group `failed` with the code kept.
 */
export function cebReturnStatus(code: string): CebReturnStatusInfo | undefined {
  const c = code.trim();
  const known = STATUS_BY_CODE.get(c);
  if (known) return known;
  if (/^-\d+$/.test(c)) return { code: c, zh: '处理异常回执', en: 'processing error', group: 'failed' };
  return undefined;
}

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

const RECEIPTS: Record<string, { section: string; rules: readonly CebFieldRule[] }> = {
  CEB312: { section: 'OrderReturn', rules: ORDER_RETURN_RULES },
  CEB622: { section: 'InventoryReturn', rules: INVENTORY_RETURN_RULES },
};

/**
 * Checks a message against the 2022-05 schema rules we know (CEB311, CEB621, CEB312, CEB622 in
 * full; the envelope of every other type) and reports every problem at once, each with a path
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
