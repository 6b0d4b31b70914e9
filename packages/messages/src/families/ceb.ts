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
import { cebReturnStatus, type CebReturnStatusInfo } from './ceb-status.js';
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

/** The returnStatus of a format-check refusal (CEB900): the schema says only "小于0数字表示报文格式校验异常" (docs/decisions.md). */
export const CEB_FORMAT_REFUSAL_STATUS = '-1';

/**
 * A CEB900 报文格式校验回执: one `MessageReturn` for the message `refused` (its guid), with a
 * negative returnStatus, returnInfo naming every field that failed, `oriCopMsgId` the id it was sent
 * under and `oriMessageType` its root (`CEB311Message`). The schema requires `oriBizMessage` (原始报文内容)
 * but allows it empty: it is written empty, the sender has the message. `guid` is the receipt's own.
 */
export function cebFormatRefusal(input: {
  guid: string;
  refused: Pick<CebMessage, 'guid' | 'messageType' | 'rootName'>;
  problems: readonly { path: string; zh: string }[];
  returnTime: string;
  oriCopMsgId?: string;
}): CebMessage {
  const fields: CebFields = {
    guid: input.refused.guid,
    returnStatus: CEB_FORMAT_REFUSAL_STATUS,
    returnInfo: `报文格式校验失败：${input.problems.map((p) => `${p.path}: ${p.zh}`).join('；')}`.slice(0, 5000),
    returnTime: input.returnTime,
    oriCopMsgId: (input.oriCopMsgId ?? '').slice(0, 255),
    oriMessageType: (input.refused.rootName ?? `${input.refused.messageType}Message`).slice(0, 15),
    oriBizMessage: '',
  };
  return { messageType: 'CEB900', guid: input.guid, version: '1.0', sections: [{ name: 'MessageReturn', lists: [], fields }] };
}

// ---------------------------------------------------------------------------------------------
// Receipt status codes (returnStatus)

export * from './ceb-status.js';
export * from './ceb-validation.js';
export * from './ceb-receipts.js';
