/**
 * Manifest family 舱单: the `Manifest` messages enterprises send (MT1101 原始舱单, MT2101 预配舱单,
 * MT3101 运抵报告, MT4101 装载舱单, MT5101 进口理货报告, …, namespace
 * `urn:Declaration:datamodel:standard:CN:<MessageType>:1`), the platform's import response
 * `PlatImpRet/RetBizData/Manifest` (InBox `Successed_`/`Failed_`) and the customs response
 * `Manifest` in namespace `…:MTRES4:1` (InBox `Receipt_<MessageId>_<ts>.xml`).
 *
 * The Declaration tree is kept element by element (order, repeats, attributes such as
 * `CurrencyTypeCode`), so parse → build → parse is equal for every element. Sources for element
 * names, codes and id forms are listed in docs/messages-manifest.md.
 */
import { CUSTOMS_AREAS } from '../code-tables/index.js';
import { MessageRejected } from '../errors.js';
import { chinaCompactMillis } from '../time.js';
import { leaf, node, parseTree, path, treeToElement, type XNode } from '../tree.js';
import { Problems, type Problem } from '../validation.js';
import { el, writeXml, type XmlElement } from '../writer.js';

export const MANIFEST_NAMESPACE_PREFIX = 'urn:Declaration:datamodel:standard:CN:';
/** Namespace of the customs response 舱单回执. */
export const MANIFEST_RESPONSE_NAMESPACE = 'urn:Declaration:datamodel:standard:CN:MTRES4:1';
/** ReceiverID of messages enterprises send to the platform (电子口岸). */
export const MANIFEST_PLATFORM_RECEIVER_ID = 'EPORT';

/** `urn:Declaration:datamodel:standard:CN:MT2101:1` for `MT2101`. */
export function manifestNamespace(messageType: string): string {
  return `${MANIFEST_NAMESPACE_PREFIX}${messageType}:1`;
}

/** The message type a manifest namespace names (`MT2101`, `MTRES4`), or undefined. */
export function messageTypeOfNamespace(namespace: string | undefined): string | undefined {
  const m = /^urn:Declaration:datamodel:standard:CN:([A-Za-z0-9]+):\d+$/.exec(namespace ?? '');
  return m?.[1];
}

// ---------------------------------------------------------------------------------------------
// Code tables

export interface ManifestMessageTypeInfo {
  type: string;
  /** 中文名称 */
  zh: string;
  en: string;
  mode: 'sea' | 'air' | 'road' | 'sea-air';
}

/**
 * Manifest message types 舱单报文类型 (中国海关进出境舱单报文类型编码表, as used by real
 * implementations: sea 水运 x1xx, air 空运 x2xx, road 公路 x4xx).
 * Note: MT4101 is 装载舱单 (loading manifest) and MT5101 is 进口理货报告 (import tally report).
 */
export const MANIFEST_MESSAGE_TYPES: readonly ManifestMessageTypeInfo[] = [
  { type: 'MT1101', zh: '水运原始舱单', en: 'original manifest (sea, import)', mode: 'sea' },
  { type: 'MT1201', zh: '空运原始舱单', en: 'original manifest (air, import)', mode: 'air' },
  { type: 'MT2101', zh: '水运预配舱单', en: 'pre-loading manifest (sea, export)', mode: 'sea' },
  { type: 'MT2201', zh: '空运预配舱单', en: 'pre-loading manifest (air, export)', mode: 'air' },
  { type: 'MT3101', zh: '水运运抵报告', en: 'arrival report (sea, export)', mode: 'sea' },
  { type: 'MT3102', zh: '水运分流运抵报告', en: 'diverted-cargo arrival report (sea)', mode: 'sea' },
  { type: 'MT3201', zh: '空运运抵报告', en: 'arrival report (air, export)', mode: 'air' },
  { type: 'MT3202', zh: '空运分流运抵报告', en: 'diverted-cargo arrival report (air)', mode: 'air' },
  { type: 'MT4101', zh: '水运装载舱单', en: 'loading manifest (sea, export)', mode: 'sea' },
  { type: 'MT4201', zh: '空运装载舱单', en: 'loading manifest (air, export)', mode: 'air' },
  { type: 'MT5101', zh: '水运进口理货报告', en: 'tally report (sea, import)', mode: 'sea' },
  { type: 'MT5102', zh: '水运出口理货报告', en: 'tally report (sea, export)', mode: 'sea' },
  { type: 'MT5201', zh: '空运进口理货报告', en: 'tally report (air, import)', mode: 'air' },
  { type: 'MT5202', zh: '空运出口理货报告', en: 'tally report (air, export)', mode: 'air' },
  { type: 'MT6101', zh: '水运疏港分流申请', en: 'cargo diversion request (sea, import)', mode: 'sea' },
  { type: 'MT6102', zh: '水运分拨申请', en: 'cargo distribution request (sea, import)', mode: 'sea' },
  { type: 'MT6201', zh: '空运分流申请', en: 'cargo diversion request (air, import)', mode: 'air' },
  { type: 'MT6202', zh: '空运分拨申请', en: 'cargo distribution request (air, import)', mode: 'air' },
  { type: 'MT7101', zh: '水运装箱清单', en: 'packing list (sea)', mode: 'sea' },
  { type: 'MT8101', zh: '水运改靠港申请', en: 'change of port of call (sea)', mode: 'sea' },
  { type: 'MT8102', zh: '水运落装申请', en: 'short-shipment request (sea)', mode: 'sea' },
  { type: 'MT8103', zh: '水运落装改配申请', en: 'short-shipment re-assignment (sea)', mode: 'sea' },
  { type: 'MT8104', zh: '水运直接改配申请', en: 'direct re-assignment (sea)', mode: 'sea' },
  { type: 'MT8105', zh: '水运国际转运准单', en: 'international transhipment permit (sea)', mode: 'sea' },
  { type: 'MT8201', zh: '空运改靠港申请', en: 'change of port of call (air)', mode: 'air' },
  { type: 'MT8202', zh: '空运落装申请', en: 'short-shipment request (air)', mode: 'air' },
  { type: 'MT8203', zh: '空运落装改配申请', en: 'short-shipment re-assignment (air)', mode: 'air' },
  { type: 'MT8204', zh: '空运直接改配申请', en: 'direct re-assignment (air)', mode: 'air' },
  { type: 'MT8205', zh: '空运国际转运准单', en: 'international transhipment permit (air)', mode: 'air' },
  { type: 'MTECIM', zh: '进口空箱快速验放', en: 'empty container fast release (import)', mode: 'sea-air' },
  { type: 'MTECEX', zh: '出口空箱快速验放', en: 'empty container fast release (export)', mode: 'sea-air' },
  { type: 'MT1401', zh: '公路进口原始舱单', en: 'original manifest (road, import)', mode: 'road' },
  { type: 'MT2401', zh: '公路出口预配舱单', en: 'pre-loading manifest (road, export)', mode: 'road' },
  { type: 'MT3402', zh: '公路运抵报告', en: 'arrival report (road)', mode: 'road' },
  { type: 'MT4401', zh: '载货运输工具进境承运确报', en: 'laden conveyance entry confirmation (road)', mode: 'road' },
  { type: 'MT4402', zh: '载货运输工具出境承运确报', en: 'laden conveyance exit confirmation (road)', mode: 'road' },
  { type: 'MT4403', zh: '空载运输工具进境承运确报', en: 'empty conveyance entry confirmation (road)', mode: 'road' },
  { type: 'MT4404', zh: '空载运输工具出境承运确报', en: 'empty conveyance exit confirmation (road)', mode: 'road' },
  { type: 'MT4405', zh: '空集装箱运输工具进境承运确报', en: 'empty-container conveyance entry confirmation (road)', mode: 'road' },
  { type: 'MT4406', zh: '空集装箱运输工具出境承运确报', en: 'empty-container conveyance exit confirmation (road)', mode: 'road' },
  { type: 'MT5401', zh: '公路进口理货报告', en: 'tally report (road, import)', mode: 'road' },
  { type: 'MT5402', zh: '公路出口理货报告', en: 'tally report (road, export)', mode: 'road' },
  { type: 'MT7402', zh: '公路出口装箱清单', en: 'packing list (road, export)', mode: 'road' },
  { type: 'MT8401', zh: '公路进口落装申请', en: 'short-shipment request (road, import)', mode: 'road' },
  { type: 'MT8402', zh: '公路出口落装申请', en: 'short-shipment request (road, export)', mode: 'road' },
  { type: 'MT8403', zh: '公路进口落装改配申请', en: 'short-shipment re-assignment (road, import)', mode: 'road' },
  { type: 'MT8404', zh: '公路出口落装改配申请', en: 'short-shipment re-assignment (road, export)', mode: 'road' },
] as const;

const MESSAGE_TYPE_BY_CODE = new Map(MANIFEST_MESSAGE_TYPES.map((t) => [t.type, t]));

export function manifestMessageTypeInfo(type: string): ManifestMessageTypeInfo | undefined {
  return MESSAGE_TYPE_BY_CODE.get(type);
}

/** Head/FunctionCode 报文功能代码 (舱单 code list CN010). */
export const MANIFEST_FUNCTION_CODES: Readonly<Record<string, { zh: string; en: string; sentBy: 'enterprise' | 'customs' }>> = {
  '2': { zh: '新增', en: 'add', sentBy: 'enterprise' },
  '3': { zh: '删除申请', en: 'deletion request', sentBy: 'enterprise' },
  '5': { zh: '变更申请', en: 'amendment request', sentBy: 'enterprise' },
  '9': { zh: '舱单主要数据申报', en: 'main data declaration', sentBy: 'enterprise' },
  '0': { zh: '舱单次要数据申报', en: 'secondary data declaration', sentBy: 'enterprise' },
  '11': { zh: '通关回执', en: 'customs response', sentBy: 'customs' },
};

export type ManifestStatementGroup = 'accepted' | 'reviewing' | 'refused' | 'released' | 'held' | 'error';

export interface ManifestStatementInfo {
  code: string;
  zh: string;
  en: string;
  group: ManifestStatementGroup;
  /** who answers with this code */
  from: 'customs' | 'platform';
}

/**
 * Response codes of manifest receipts: customs 回执类型 (`Response/…/ResponseType/Code`, also
 * carried as `AdditionalInformation/StatementCode`) and platform import errors (negative codes in
 * `PlatImpRet`). E1–E4 are the data centre's own stages seen in the same code list.
 */
export const MANIFEST_STATEMENT_CODES: readonly ManifestStatementInfo[] = [
  { code: '01', zh: '海关接受申报', en: 'accepted by customs', group: 'accepted', from: 'customs' },
  { code: '02', zh: '待海关人工审核', en: 'awaiting manual review by customs', group: 'reviewing', from: 'customs' },
  { code: '03', zh: '海关退单', en: 'refused by customs', group: 'refused', from: 'customs' },
  { code: '11', zh: '海关放行', en: 'released by customs', group: 'released', from: 'customs' },
  { code: '12', zh: '海关拒装', en: 'loading refused by customs', group: 'held', from: 'customs' },
  { code: '13', zh: '海关禁卸', en: 'unloading prohibited by customs', group: 'held', from: 'customs' },
  { code: 'E1', zh: '数据中心入库成功', en: 'stored by the data centre', group: 'accepted', from: 'platform' },
  { code: 'E2', zh: '数据中心入库失败', en: 'data centre failed to store', group: 'error', from: 'platform' },
  { code: 'E3', zh: '发往海关成功', en: 'forwarded to customs', group: 'accepted', from: 'platform' },
  { code: 'E4', zh: '发往海关失败', en: 'forwarding to customs failed', group: 'error', from: 'platform' },
  { code: '-900517', zh: '报文中不存在MessageType端点', en: 'the message has no MessageType element', group: 'error', from: 'platform' },
] as const;

const STATEMENT_BY_CODE = new Map(MANIFEST_STATEMENT_CODES.map((s) => [s.code, s]));

/** The statement/response code's meaning, or undefined for a code not in the table. */
export function manifestStatementInfo(code: string | undefined): ManifestStatementInfo | undefined {
  return code === undefined ? undefined : STATEMENT_BY_CODE.get(code.trim());
}

// ---------------------------------------------------------------------------------------------
// Identifiers

function fitted(value: string, re: RegExp, what: string): string {
  if (!re.test(value)) throw new RangeError(`${what} ${JSON.stringify(value)} does not have the expected form`);
  return value;
}

/** 海关备案编号 used in manifest ids: customs area 4 digits + organisation code 9 characters. */
export const MANIFEST_FILING_CODE_PATTERN = /^\d{4}[0-9A-Z]{9}$/;
/** Manifest SenderID made by the import client: filing code + `_DXPESW` + 10 digits. */
export const MANIFEST_SENDER_ID_PATTERN = /^\d{4}[0-9A-Z]{9}_DXPESW\d{10}$/;
/** `CN_<MessageType>_<format version, e.g. 1p1>_<filing code>_<yyyyMMddHHmmssfff>`. */
export const MANIFEST_MESSAGE_ID_PATTERN = /^CN_(MT[0-9A-Z]{4})_(\d[pP]\d)_([0-9A-Za-z]+)_(\d{17})$/;

/**
 * Manifest SenderID: 海关备案编号 (customs area 4 digits + organisation code 9) + `_DXPESW` +
 * the import client's 10 digits, e.g. `0100123456789_DXPESW0000000001`. `clientId` may be the full
 * client id (`DXPESW0000000001`) or its 10 digits.
 */
export function manifestSenderId(customsArea4: string, orgCode9: string, clientId: string): string {
  fitted(customsArea4, /^\d{4}$/, 'customs area');
  fitted(orgCode9, /^[0-9A-Z]{9}$/, 'organisation code');
  const digits = /^(?:DXPESW)?(\d{10})$/.exec(clientId)?.[1];
  if (!digits) throw new RangeError(`client id ${JSON.stringify(clientId)} is not DXPESW + 10 digits`);
  return `${customsArea4}${orgCode9}_DXPESW${digits}`;
}

/** The 海关备案编号 at the start of a SenderID (`4201101115245` in `4201101115245_SWS…`), or undefined. */
export function manifestFilingCode(senderId: string | undefined): string | undefined {
  const head = (senderId ?? '').split('_')[0];
  return MANIFEST_FILING_CODE_PATTERN.test(head) ? head : undefined;
}

/**
 * What is wrong with a manifest SenderID (FAQ 17), or undefined. The form is the 海关备案编号 — 4-digit
 * 关区 whose 直属海关 is in the 关区代码表, then a 9-character 组织机构代码 — followed by the channel it
 * came through, in `_`-separated parts of letters, digits and `@`. Through the import client that is
 * `_DXPESW` + the client's 10 digits (`_DXPENT` for cross-border e-commerce clients), exactly; the real
 * MT2101 (`4201101115245_SWS0000000002_SW61000020170331_@`) came through the Single Window's own
 * declaration system and an MT2201 test (`4712666767427_47001002`) through a local e-port, and customs
 * took both, so other channels are accepted in that form (docs/decisions.md).
 */
export function manifestSenderIdProblem(senderId: string): { zh: string; en: string } | undefined {
  const m = /^(\d{4})([0-9A-Z]{9})((?:_[0-9A-Za-z@]+)+)$/.exec(senderId);
  const form = '关区4位+组织机构代码9位+_DXPESW+客户端ID';
  if (!m)
    return {
      zh: `发送方代码须为${form}（如0100123456789_DXPESW0000000001），实为 ${senderId}`,
      en: `Head.SenderID must be customs area 4 + organisation code 9 + _DXPESW + client id digits (0100123456789_DXPESW0000000001), got ${senderId}`,
    };
  if (!CUSTOMS_AREAS.has(`${m[1].slice(0, 2)}00`))
    return {
      zh: `发送方代码中的关区[${m[1]}]不属于关区代码表中的任何直属海关`,
      en: `Head.SenderID: customs area ${m[1]} belongs to no customs district of the ${CUSTOMS_AREAS.zh}`,
    };
  const parts = m[3].slice(1).split('_');
  if (parts.some((x) => /^DXP/i.test(x)) && !(parts.length === 1 && /^DXPE(?:SW|NT)\d{10}$/.test(parts[0])))
    return {
      zh: `发送方代码中的客户端ID须为DXPESW加10位数字，实为 ${m[3].slice(1)}`,
      en: `Head.SenderID: the client id after the filing code must be DXPESW + 10 digits, got ${m[3].slice(1)}`,
    };
  return undefined;
}

/** The import client id at the end of a SenderID of the client form (`DXPESW0000000001`), or undefined. */
export function manifestSenderClientId(senderId: string | undefined): string | undefined {
  return /^\d{4}[0-9A-Z]{9}_(DXPE(?:SW|NT)\d{10})$/.exec(senderId ?? '')?.[1];
}

/**
 * ISO 4217 currency codes as Node's ICU knows them (`Intl.supportedValuesOf('currency')`, current codes
 * only). Manifests carry ISO letters (the real MT2101 has `AED`); the customs 货币代码表 lists only the
 * 22 currencies a declaration may use, so it is not the manifest's table (docs/decisions.md).
 */
let iso4217: Set<string> | undefined;
function isIsoCurrency(code: string): boolean {
  return (iso4217 ??= new Set(Intl.supportedValuesOf('currency'))).has(code);
}

/**
 * The codes of a manifest's Declaration checked against their code lists: every `CurrencyTypeCode`
 * (ValueAmount, …) an ISO 4217 currency. Each problem names the element's path. Customs refuses such
 * a manifest after the data centre took it (StatementCode 03).
 */
export function checkManifestCodes(m: Pick<Manifest, 'declaration'>): Problem[] {
  const p = new Problems();
  const walk = (nodes: readonly XNode[], at: string) => {
    const seen: Record<string, number> = {};
    for (const n of nodes) {
      const i = (seen[n.name] = (seen[n.name] ?? 0) + 1);
      const here = `${at}.${n.name}${nodes.filter((x) => x.name === n.name).length > 1 ? `[${i}]` : ''}`;
      const currency = n.attrs.CurrencyTypeCode;
      if (currency !== undefined && !isIsoCurrency(currency))
        p.add(
          `${here}@CurrencyTypeCode`,
          `币制(CurrencyTypeCode)[${currency}]不是ISO 4217货币代码`,
          `CurrencyTypeCode ${currency} is not an ISO 4217 currency code`,
        );
      walk(n.children, here);
    }
  };
  walk(m.declaration ?? [], 'Declaration');
  return p.list;
}

/**
 * Manifest MessageID, e.g. `CN_MT2101_1p1_4201101115245_20180903113640022`: `CN_`, the message
 * type, the format version (`1p1` = 1.1), the sender's 海关备案编号 (the SenderID up to its first
 * `_`), and China time `yyyyMMddHHmmssfff`.
 */
export function manifestMessageId(messageType: string, senderId: string, date: Date, formatVersion = '1p1'): string {
  fitted(messageType, /^MT[0-9A-Z]{4}$/, 'message type');
  fitted(formatVersion, /^\d[pP]\d$/, 'format version');
  const code = senderId.split('_')[0];
  fitted(code, /^[0-9A-Za-z]+$/, 'sender id');
  return `CN_${messageType}_${formatVersion}_${code}_${chinaCompactMillis(date)}`;
}

// ---------------------------------------------------------------------------------------------
// The Manifest message

/** Head 报文头, in wire order. A field that is absent on the wire is undefined. */
export interface ManifestHead {
  MessageID?: string;
  FunctionCode?: string;
  MessageType?: string;
  SenderID?: string;
  ReceiverID?: string;
  /** yyyyMMddHHmmssfff, China time */
  SendTime?: string;
  Version?: string;
}

export const MANIFEST_HEAD_FIELDS = ['MessageID', 'FunctionCode', 'MessageType', 'SenderID', 'ReceiverID', 'SendTime', 'Version'] as const;

export interface Manifest {
  /**
   * the root's namespace as read ('' when the message had none: build then writes none); when
   * undefined (a message built in code), build derives it from MessageType
   */
  namespace?: string;
  /** other root attributes exactly as written (`xmlns:xsi`, `xsi:schemaLocation`, …) */
  rootAttributes: Record<string, string>;
  head: ManifestHead;
  /** Head children other than the seven fields, kept in order after Version */
  headExtra: XNode[];
  /**
   * the names of Head's children in the order they were read (parseManifest only): what the element-order
   * check (FAQ 17) looks at; build writes the seven fields in order whatever this says
   */
  headOrder?: string[];
  /** the children of `Declaration`, element by element; null when the message has none */
  declaration: XNode[] | null;
  /** other root children (after Head and Declaration), kept as they are */
  extra: XNode[];
}

/** Input for building: only head and declaration are needed. */
export type ManifestInput = Partial<Omit<Manifest, 'head'>> & { head: ManifestHead };

/** Removes the root's own prefix from a subtree, so it can be written under a default namespace. */
function unprefixed(n: XNode, prefix: string): XNode {
  const kids = n.children.map((c) => unprefixed(c, prefix));
  const p = prefix && n.prefix === prefix ? '' : n.prefix;
  return n.children.length
    ? { name: n.name, prefix: p, attrs: { ...n.attrs }, children: kids }
    : { name: n.name, prefix: p, attrs: { ...n.attrs }, children: [], text: n.text ?? '' };
}

interface RootParts {
  namespace: string;
  attrs: Record<string, string>;
  kids: XNode[];
}

/** @internal shared with manifest-response.ts */
export function rootParts(root: XNode): RootParts {
  const own = root.prefix ? `xmlns:${root.prefix}` : 'xmlns';
  const namespace = root.attrs[own] ?? '';
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(root.attrs)) if (k !== own && k !== 'xmlns') attrs[k] = v;
  return { namespace, attrs, kids: root.children.map((c) => unprefixed(c, root.prefix)) };
}

/** @internal shared with manifest-response.ts */
export function headFrom(h: XNode | undefined): { head: ManifestHead; extra: XNode[]; order: string[] } {
  const head: ManifestHead = {};
  const extra: XNode[] = [];
  const order: string[] = [];
  for (const c of h?.children ?? []) {
    order.push(c.name);
    const known =
      (MANIFEST_HEAD_FIELDS as readonly string[]).includes(c.name) &&
      !c.children.length &&
      head[c.name as keyof ManifestHead] === undefined;
    if (known) head[c.name as keyof ManifestHead] = c.text ?? '';
    else extra.push(c);
  }
  return { head, extra, order };
}

function manifestFromTree(root: XNode): Manifest {
  if (root.name !== 'Manifest') throw new MessageRejected('C903', `not a Manifest (root <${root.name}>)`);
  const { namespace, attrs, kids } = rootParts(root);
  const { head, extra: headExtra, order: headOrder } = headFrom(kids.find((c) => c.name === 'Head'));
  const decl = kids.find((c) => c.name === 'Declaration');
  const seen = new Set<XNode>([kids.find((c) => c.name === 'Head'), decl].filter((x): x is XNode => !!x));
  return {
    namespace,
    rootAttributes: attrs,
    head,
    headExtra,
    headOrder,
    declaration: decl ? decl.children : null,
    extra: kids.filter((c) => !seen.has(c)),
  };
}

/** Reads any manifest message (MT1101, MT2101, …), keeping the Declaration tree exactly. */
export function parseManifest(xml: string): Manifest {
  return manifestFromTree(parseTree(xml));
}

/** @internal shared with manifest-response.ts */
export function headElement(head: ManifestHead, extra: XNode[] = []): XmlElement {
  const kids: XmlElement[] = [];
  for (const k of MANIFEST_HEAD_FIELDS) if (head[k] !== undefined) kids.push(el(k, head[k]));
  return el('Head', [...kids, ...extra.map(treeToElement)]);
}

/**
 * Writes a manifest message: root `Manifest` with the default namespace
 * `urn:Declaration:datamodel:standard:CN:<MessageType>:1` (or `m.namespace` when given; none when
 * `m.namespace` is '', as parseManifest gives for a message read without one),
 * Head in wire order, then Declaration element by element.
 */
export function buildManifest(m: ManifestInput): string {
  const namespace = m.namespace ?? manifestNamespace(m.head.MessageType ?? '');
  const attrs: Record<string, string> = { ...(namespace ? { xmlns: namespace } : {}), ...(m.rootAttributes ?? {}) };
  const kids: XmlElement[] = [headElement(m.head, m.headExtra)];
  const declaration = m.declaration === undefined ? [] : m.declaration;
  if (declaration !== null) kids.push(el('Declaration', declaration.map(treeToElement)));
  for (const x of m.extra ?? []) kids.push(treeToElement(x));
  return writeXml(el('Manifest', kids, attrs));
}

/** The first element at a path under Declaration (`Consignment`, `TransportContractDocument`, `ID`). */
export function declarationPath(m: Pick<Manifest, 'declaration'>, ...names: string[]): XNode | undefined {
  if (!m.declaration || !names.length) return undefined;
  return path(
    m.declaration.find((c) => c.name === names[0]),
    ...names.slice(1),
  );
}

/** Builds a Declaration subtree from a plain object: strings are leaves, arrays repeat, objects nest. */
export type ManifestTreeValue = string | ManifestTreeObject | ManifestTreeValue[];
export interface ManifestTreeObject {
  [name: string]: ManifestTreeValue | Record<string, string> | undefined;
  /** attributes of this element, e.g. `{ CurrencyTypeCode: 'USD' }` */
  '@'?: Record<string, string>;
  /** text of an element that also has attributes */
  '#'?: string;
}

export function manifestTree(obj: ManifestTreeObject): XNode[] {
  const out: XNode[] = [];
  for (const [name, value] of Object.entries(obj)) {
    if (name === '@' || name === '#' || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(treeNode(name, v as ManifestTreeValue));
  }
  return out;
}

function treeNode(name: string, v: ManifestTreeValue): XNode {
  if (typeof v === 'string') return leaf(name, v);
  if (Array.isArray(v)) throw new TypeError(`nested arrays are not elements (${name})`);
  const attrs = (v['@'] as Record<string, string> | undefined) ?? {};
  const kids = manifestTree(v);
  if (kids.length) return node(name, kids, attrs);
  return { name, prefix: '', attrs, children: [], text: (v['#'] as string | undefined) ?? '' };
}

const ADDRESS = ['Line', 'CityName', 'CountrySubEntityID', 'CountrySubEntityName', 'PostcodeID', 'CountryCode'] as const;
const PARTY = ['ID', 'Name', 'Address', 'Contact', 'AEO'] as const;

/**
 * The element order of a manifest, as its schema's `xs:sequence`s give it: a parent's path (element names
 * from `Declaration` down, without repeat indexes) → its children in order.
 *
 * Source: no copy of the customs manifest schemas (`Manifest_*.xsd`) is in this repository or could be
 * found in public, so the order is the real MT2101's (`fixtures/real/mft_MT2101_manifest_unresolved_repo.xml`,
 * which customs took), parties merged (Consignee's `Contact` sits between `Address` and `AEO`, where
 * Consignor and NotifyParty have none), and for Head this module's writer order (MANIFEST_HEAD_FIELDS, the
 * fixture's too). Only elements a parent's list names are ordered: an element it does not list is neither
 * placed nor refused. The manifest types share one data model (WCO), so MT1101, MT3101, MT4101 and MT5101
 * are held to this order for the elements they share with the MT2101 (docs/decisions.md).
 */
export const MANIFEST_ELEMENT_ORDER: Readonly<Record<string, readonly string[]>> = {
  Head: MANIFEST_HEAD_FIELDS,
  Declaration: [
    'RepresentativePerson',
    'ExitCustomsOffice',
    'Agent',
    'Carrier',
    'BorderTransportMeans',
    'Consignment',
    'AdditionalInformation',
  ],
  'Declaration.BorderTransportMeans': [
    'JourneyID',
    'TypeCode',
    'ID',
    'Name',
    'FirstArrivalLocationID',
    'ArrivalDateTime',
    'DepartureDateTime',
  ],
  'Declaration.Consignment': [
    'TransportContractDocument',
    'AssociatedTransportDocument',
    'GrossVolumeMeasure',
    'ValueAmount',
    'LoadingLocation',
    'UnloadingLocation',
    'GoodsReceiptPlace',
    'TranshipmentLocation',
    'TransitDestination',
    'GoodsConsignedPlace',
    'FreightPayment',
    'ConsignmentPackaging',
    'TotalGrossMassMeasure',
    'PreviousCustomsDocument',
    'DeliveryDestination',
    'IntermediateCarrier',
    'Consignee',
    'Consignor',
    'NotifyParty',
    'UNDGContact',
  ],
  'Declaration.Consignment.TransportContractDocument': ['ID', 'ConditionCode', 'Consolidator'],
  'Declaration.Consignment.LoadingLocation': ['ID', 'LoadingDate'],
  'Declaration.Consignment.UnloadingLocation': ['ID', 'ArrivalDate'],
  'Declaration.Consignment.GoodsReceiptPlace': ['ID', 'Name'],
  'Declaration.Consignment.ConsignmentPackaging': ['QuantityQuantity', 'TypeCode'],
  'Declaration.Consignment.PreviousCustomsDocument': ['ID', 'TypeCode'],
  'Declaration.Consignment.DeliveryDestination': ADDRESS,
  'Declaration.Consignment.Consignee': PARTY,
  'Declaration.Consignment.Consignee.Address': ADDRESS,
  'Declaration.Consignment.Consignor': PARTY,
  'Declaration.Consignment.Consignor.Address': ADDRESS,
  'Declaration.Consignment.NotifyParty': PARTY,
  'Declaration.Consignment.NotifyParty.Address': ADDRESS,
};

/** Children out of their schema order: each one that comes after an element it should precede. */
function orderProblems(p: Problems, names: readonly string[], order: readonly string[] | undefined, at: (i: number) => string): void {
  if (!order) return;
  let last = -1;
  let lastName = '';
  names.forEach((name, i) => {
    const rank = order.indexOf(name);
    if (rank < 0) return;
    if (rank < last)
      p.add(
        at(i),
        `元素顺序不符合报文格式(XSD)：${name}须在${lastName}之前`,
        `${name} must come before ${lastName} (the manifest schema's element order)`,
      );
    else [last, lastName] = [rank, name];
  });
}

/**
 * FAQ 17's format rules for a manifest an enterprise sends: every element in its schema order
 * (MANIFEST_ELEMENT_ORDER) and no element present with an empty value (`<X></X>`, `<X/>`, spaces only —
 * an element without a value is left out). Each problem names the element's path (`Declaration.Consignment.
 * Consignee`, `Declaration.Consignment[2].ValueAmount`). Head's seven fields are validateManifest's
 * required fields, so an empty one is reported there once.
 */
export function checkManifestLayout(m: Pick<ManifestInput, 'declaration' | 'headOrder' | 'headExtra'>): Problem[] {
  const p = new Problems();
  if (m.headOrder) orderProblems(p, m.headOrder, MANIFEST_ELEMENT_ORDER.Head, (i) => `Head.${m.headOrder![i]}`);
  for (const x of m.headExtra ?? []) empties(p, x, `Head.${x.name}`);
  const walk = (nodes: readonly XNode[], at: string, key: string) => {
    const count: Record<string, number> = {};
    for (const n of nodes) count[n.name] = (count[n.name] ?? 0) + 1;
    const seen: Record<string, number> = {};
    const shown = nodes.map((n) => {
      const i = (seen[n.name] = (seen[n.name] ?? 0) + 1);
      return `${at}.${n.name}${count[n.name] > 1 ? `[${i}]` : ''}`;
    });
    orderProblems(
      p,
      nodes.map((n) => n.name),
      MANIFEST_ELEMENT_ORDER[key],
      (i) => shown[i],
    );
    nodes.forEach((n, i) => {
      if (n.children.length) walk(n.children, shown[i], `${key}.${n.name}`);
      else empties(p, n, shown[i]);
    });
  };
  walk(m.declaration ?? [], 'Declaration', 'Declaration');
  return p.list;
}

/** An element without children whose value is empty (or spaces only), or a tree holding such elements. */
function empties(p: Problems, n: XNode, at: string): void {
  if (n.children.length) {
    for (const c of n.children) empties(p, c, `${at}.${c.name}`);
    return;
  }
  if ((n.text ?? '').trim() === '')
    p.add(at, `${n.name}的值为空(不填的元素须删去，不能留空元素)`, `${at} is empty: give it a value or leave the element out`);
}

/**
 * Checks a manifest an enterprise sends, reporting every problem at once: required Head fields,
 * MessageType form and agreement with the namespace, MessageID form and agreement with
 * MessageType and SenderID, FunctionCode values, SendTime form, presence of Declaration, and the
 * element order and empty values of checkManifestLayout (FAQ 17).
 */
export function validateManifest(m: ManifestInput): Problem[] {
  const p = new Problems();
  const h = m.head;
  const hasType = p.required('Head.MessageType', h.MessageType, '报文类型代码');
  if (hasType)
    p.pattern(
      'Head.MessageType',
      h.MessageType,
      /^MT[0-9A-Z]{4}$/,
      `报文类型代码须为MT加4位字符，实为 ${h.MessageType}`,
      `Head.MessageType must be MT + 4 characters, got ${h.MessageType}`,
    );
  if (m.namespace && hasType) {
    const nsType = messageTypeOfNamespace(m.namespace);
    if (nsType !== h.MessageType)
      p.add(
        'Manifest@xmlns',
        `命名空间 ${m.namespace} 与报文类型 ${h.MessageType} 不一致`,
        `namespace ${m.namespace} does not match MessageType ${h.MessageType} (expected ${manifestNamespace(h.MessageType ?? '')})`,
      );
  }
  if (p.required('Head.MessageID', h.MessageID, '报文编号')) {
    // the form named with the message's own type (MT5101 → CN_MT5101_1p1_…), or a placeholder when it has none
    const shownType = /^MT[0-9A-Z]{4}$/.test(h.MessageType ?? '') ? h.MessageType : '<MessageType>';
    const id = MANIFEST_MESSAGE_ID_PATTERN.exec(h.MessageID ?? '');
    if (!id)
      p.add(
        'Head.MessageID',
        `报文编号须为 CN_报文类型_1p1_海关备案编号_yyyyMMddHHmmssfff，实为 ${h.MessageID}`,
        `Head.MessageID must look like CN_${shownType}_1p1_<filing code>_<yyyyMMddHHmmssfff>, got ${h.MessageID}`,
      );
    else {
      if (hasType && id[1] !== h.MessageType)
        p.add(
          'Head.MessageID',
          `报文编号中的报文类型 ${id[1]} 与 MessageType ${h.MessageType} 不一致`,
          `Head.MessageID names ${id[1]} but MessageType is ${h.MessageType}`,
        );
      const filing = manifestFilingCode(h.SenderID);
      if (filing && id[3] !== filing)
        p.add(
          'Head.MessageID',
          `报文编号中的海关备案编号 ${id[3]} 与发送方代码 ${filing} 不一致`,
          `Head.MessageID carries ${id[3]} but SenderID starts with ${filing}`,
        );
    }
  }
  if (p.required('Head.FunctionCode', h.FunctionCode, '报文功能代码')) {
    const allowed = Object.entries(MANIFEST_FUNCTION_CODES)
      .filter(([, v]) => v.sentBy === 'enterprise')
      .map(([k]) => k);
    p.oneOf('Head.FunctionCode', h.FunctionCode, allowed, '报文功能代码');
  }
  if (p.required('Head.SenderID', h.SenderID, '发送方代码')) {
    const wrong = manifestSenderIdProblem(h.SenderID ?? '');
    if (wrong) p.add('Head.SenderID', wrong.zh, wrong.en);
  }
  p.required('Head.ReceiverID', h.ReceiverID, '接收方代码');
  if (p.required('Head.SendTime', h.SendTime, '发送时间'))
    p.pattern(
      'Head.SendTime',
      h.SendTime,
      /^\d{17}$/,
      `发送时间须为yyyyMMddHHmmssfff，实为 ${h.SendTime}`,
      `Head.SendTime must be yyyyMMddHHmmssfff, got ${h.SendTime}`,
    );
  p.required('Head.Version', h.Version, '报文版本');
  if (!m.declaration) p.add('Declaration', '缺少报文体Declaration', 'Declaration is missing');
  p.list.push(...checkManifestLayout(m));
  return p.list;
}

export * from './manifest-response.js';
