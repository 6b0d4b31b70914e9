/**
 * Declaration family 报关单: DecMessage (what enterprises send), DecImportResponse (import
 * response, InBox Successed_/Failed_) and DEC_RESULT receipts (InBox Receipt_), including the
 * older DEC_DATA/DEC_RESULT + RESULT_INFO form.
 */
import { MessageRejected } from '../errors.js';
import { children, child, leafRecord, parseTree, treeToElement, type XNode } from '../tree.js';
import { Problems, type Problem } from '../validation.js';
import { el, fieldElements, writeXml, type XmlElement } from '../writer.js';
import { checkDeclarationValues } from './declaration-values.js';
import { at, elements, escapeXml, fields, parseXml, rootOf, text, XML_DECLARATION, type XmlNode } from '../xml.js';
import {
  DEC_CONTAINER_FIELDS,
  DEC_COP_LIMIT_FIELDS,
  DEC_COP_PROMISE_FIELDS,
  DEC_FREE_TXT_FIELDS,
  DEC_GOODS_LIMIT_FIELDS,
  DEC_GOODS_LIMIT_VIN_FIELDS,
  DEC_HEAD_FIELDS,
  DEC_LIST_FIELDS,
  DEC_MESSAGE_SECTIONS,
  DEC_OTHER_PACK_FIELDS,
  DEC_REQUEST_CERT_FIELDS,
  DEC_SIGN_FIELDS,
  DEC_USER_FIELDS,
  ECO_RELATION_FIELDS,
  EDOC_REALATION_FIELDS,
  LICENSE_DOCU_FIELDS,
} from './declaration-fields.js';

export const DEC_NAMESPACE = 'http://www.chinaport.gov.cn/dec';

export type Fields = Record<string, string>;

export interface DecGoodsLimit {
  fields: Fields;
  /** DecGoodsLimitVin rows (vehicles) */
  vins: Fields[];
}

export interface DecListRow {
  fields: Fields;
  goodsLimits: DecGoodsLimit[];
  /**
   * Where DecGoodsLimits stood among the row's fields as read (how many fields came before it), or
   * null when the row had none; used when the message is written as read (it has `order`). Undefined
   * for a row built in code: DecGoodsLimits goes where the official order puts it.
   */
  limitsAt?: number | null;
}

/** 操作类型 OperType: A 报关单上载, B 报关单、转关单上载, C 报关单申报, D 报关单、转关单申报, E 电子手册报关单上载, G 报关单暂存. */
export const OPER_TYPES = ['A', 'B', 'C', 'D', 'E', 'G'] as const;

export interface DecMessage {
  /** root attribute `version` (3.1, 4.8) */
  version: string;
  head: Fields;
  lists: DecListRow[];
  containers: Fields[];
  licenses: Fields[];
  requestCerts: Fields[];
  otherPacks: Fields[];
  copLimits: Fields[];
  copPromises: Fields[];
  users: Fields[];
  freeText: Fields | null;
  sign: Fields | null;
  edocs: Fields[];
  ecoRelations: Fields[];
  /** top-level elements this library does not model, kept as they are */
  extra: XNode[];
  /**
   * The root's default namespace as read ('' when the message had none). When undefined (a message
   * built in code), build writes `http://www.chinaport.gov.cn/dec`.
   */
  namespace?: string;
  /** other root attributes as read (`xmlns:xsi`, …) */
  rootAttributes?: Record<string, string>;
  /**
   * The names of the root's children in the order read. Build writes a read message in this order,
   * element by element, each record's fields in their own order; without it (a message built in
   * code) build writes DEC_MESSAGE_SECTIONS' order, every section present, fields in official order.
   */
  order?: string[];
  /** `DecContainer` when the container rows were read so; absent: `Container`, the official spelling, which build writes */
  containerRow?: 'DecContainer';
}

const SECTION_ROWS: Record<string, { key: keyof DecMessage; row: string; alt?: string }> = {
  DecContainers: { key: 'containers', row: 'Container', alt: 'DecContainer' },
  DecLicenseDocus: { key: 'licenses', row: 'LicenseDocu' },
  DecRequestCerts: { key: 'requestCerts', row: 'DecRequestCert' },
  DecOtherPacks: { key: 'otherPacks', row: 'DecOtherPack' },
  DecCopLimits: { key: 'copLimits', row: 'DecCopLimit' },
  DecCopPromises: { key: 'copPromises', row: 'DecCopPromise' },
  DecUsers: { key: 'users', row: 'DecUser' },
};

function decListFrom(n: XNode): DecListRow {
  const limitsNode = child(n, 'DecGoodsLimits');
  const { DecGoodsLimits: _limits, ...fields } = leafRecord(n);
  const at = n.children.findIndex((c) => c.name === 'DecGoodsLimits');
  return {
    fields,
    limitsAt: at < 0 ? null : n.children.slice(0, at).filter((c) => !c.children.length && c.name !== 'DecGoodsLimits').length,
    goodsLimits: children(limitsNode, 'DecGoodsLimit').map((g) => {
      const { DecGoodsLimitVin: _vin, ...limit } = leafRecord(g);
      return {
        fields: limit,
        vins: children(g, 'DecGoodsLimitVin')
          .filter((v) => v.children.length)
          .map(leafRecord),
      };
    }),
  };
}

/** Reads a DecMessage from its tree; every modelled element is kept, others land in `extra`. */
export function decMessageFromTree(root: XNode): DecMessage {
  if (root.name !== 'DecMessage') throw new MessageRejected('C903', `not a DecMessage (root ${root.name})`);
  const { version, xmlns, ...rootAttributes } = root.attrs;
  const m: DecMessage = {
    version: version ?? '',
    head: {},
    lists: [],
    containers: [],
    licenses: [],
    requestCerts: [],
    otherPacks: [],
    copLimits: [],
    copPromises: [],
    users: [],
    freeText: null,
    sign: null,
    edocs: [],
    ecoRelations: [],
    extra: [],
    namespace: xmlns ?? '',
    rootAttributes,
    order: root.children.map((c) => c.name),
  };
  for (const c of root.children) {
    const rows = SECTION_ROWS[c.name];
    if (c.name === 'DecHead') m.head = leafRecord(c);
    else if (c.name === 'DecLists') m.lists = children(c, 'DecList').map(decListFrom);
    else if (rows) {
      (m[rows.key] as Fields[]) = c.children.filter((r) => r.name === rows.row || r.name === rows.alt).map(leafRecord);
      if (c.name === 'DecContainers' && c.children.some((r) => r.name === 'DecContainer')) m.containerRow = 'DecContainer';
    } else if (c.name === 'DecFreeTxt') m.freeText = leafRecord(c);
    else if (c.name === 'DecSign') m.sign = leafRecord(c);
    else if (c.name === 'EdocRealation') m.edocs.push(leafRecord(c));
    else if (c.name === 'EcoRelation') m.ecoRelations.push(leafRecord(c));
    else m.extra.push(c);
  }
  return m;
}

export function parseDecMessage(xml: string): DecMessage {
  return decMessageFromTree(parseTree(xml));
}

/**
 * Writes a DecMessage. A message read from XML (it has `order`) is written as it was read: its
 * elements in their order, each record's fields in their own order, its namespace and root
 * attributes as they were (none added), a section only where it was or where rows were added. A
 * message built in code is written in the official order (DEC_MESSAGE_SECTIONS, the order of the
 * public templates), every row section present, fields in the order of declaration-fields.ts, with
 * `xmlns="http://www.chinaport.gov.cn/dec"`.
 */
export function buildDecMessage(m: DecMessage): string {
  const asRead = m.order !== undefined;
  const ordered = (fields: Fields, order: readonly string[]): XmlElement[] =>
    asRead
      ? fieldElements(fields)
      : fieldElements(
          fields,
          order.filter((k) => k in fields),
        );
  const listRow = (r: DecListRow): XmlElement => {
    const limits = el(
      'DecGoodsLimits',
      r.goodsLimits.map((g) =>
        el('DecGoodsLimit', [
          ...ordered(g.fields, DEC_GOODS_LIMIT_FIELDS),
          ...g.vins.map((v) => el('DecGoodsLimitVin', ordered(v, DEC_GOODS_LIMIT_VIN_FIELDS))),
        ]),
      ),
    );
    const kids = ordered(r.fields, DEC_LIST_FIELDS);
    if (asRead && r.limitsAt === null) return el('DecList', r.goodsLimits.length ? [...kids, limits] : kids);
    if (asRead && typeof r.limitsAt === 'number') return el('DecList', [...kids.slice(0, r.limitsAt), limits, ...kids.slice(r.limitsAt)]);
    const at = DEC_LIST_FIELDS.indexOf('DecGoodsLimits');
    const before = kids.filter(
      (k) =>
        DEC_LIST_FIELDS.indexOf(k.name as (typeof DEC_LIST_FIELDS)[number]) < at &&
        DEC_LIST_FIELDS.includes(k.name as (typeof DEC_LIST_FIELDS)[number]),
    );
    const after = kids.filter((k) => !before.includes(k));
    return el('DecList', [...before, limits, ...after]);
  };
  const rowsOf = (section: string) => {
    const spec = SECTION_ROWS[section];
    return el(
      section,
      (m[spec.key] as Fields[]).map((f) =>
        el(section === 'DecContainers' ? (m.containerRow ?? spec.row) : spec.row, ordered(f, SECTION_FIELDS[section])),
      ),
    );
  };
  // one writer per element name; repeated elements (EdocRealation, EcoRelation, unmodelled ones) take their rows in turn
  const taken: Record<string, number> = {};
  const next = <T>(name: string, rows: T[]): T | undefined => rows[(taken[name] = (taken[name] ?? 0) + 1) - 1];
  const extraNamed = (name: string) => m.extra.filter((x) => x.name === name);
  const write = (name: string): XmlElement | undefined => {
    if (name === 'DecHead') return el('DecHead', ordered(m.head, DEC_HEAD_FIELDS));
    if (name === 'DecLists') return el('DecLists', m.lists.map(listRow));
    if (SECTION_ROWS[name]) return rowsOf(name);
    if (name === 'DecFreeTxt') return m.freeText ? el('DecFreeTxt', ordered(m.freeText, DEC_FREE_TXT_FIELDS)) : undefined;
    if (name === 'DecSign') return m.sign ? el('DecSign', ordered(m.sign, DEC_SIGN_FIELDS)) : undefined;
    if (name === 'EdocRealation') {
      const e = next(name, m.edocs);
      return e && el('EdocRealation', ordered(e, EDOC_REALATION_FIELDS));
    }
    if (name === 'EcoRelation') {
      const e = next(name, m.ecoRelations);
      return e && el('EcoRelation', ordered(e, ECO_RELATION_FIELDS));
    }
    const x = next(name, extraNamed(name));
    return x && treeToElement(x);
  };
  const kids: XmlElement[] = [];
  const names = asRead ? withAddedSections(m.order!, m) : [...DEC_MESSAGE_SECTIONS];
  for (const name of names) {
    const e = write(name);
    if (e) kids.push(e);
  }
  // what the order does not name: further EdocRealation/EcoRelation rows, unmodelled elements, in that order
  for (const name of ['EdocRealation', 'EcoRelation']) for (let e = write(name); e; e = write(name)) kids.push(e);
  for (const x of m.extra) {
    const e = (taken[x.name] ?? 0) < extraNamed(x.name).length ? write(x.name) : undefined;
    if (e) kids.push(e);
  }
  const attrs = { version: m.version || undefined, xmlns: (m.namespace ?? DEC_NAMESPACE) || undefined, ...(m.rootAttributes ?? {}) };
  return writeXml(el('DecMessage', kids, attrs), { declaration: '<?xml version="1.0" encoding="UTF-8"?>', indent: '\t' });
}

const SECTION_FIELDS: Record<string, readonly string[]> = {
  DecContainers: DEC_CONTAINER_FIELDS,
  DecLicenseDocus: LICENSE_DOCU_FIELDS,
  DecRequestCerts: DEC_REQUEST_CERT_FIELDS,
  DecOtherPacks: DEC_OTHER_PACK_FIELDS,
  DecCopLimits: DEC_COP_LIMIT_FIELDS,
  DecCopPromises: DEC_COP_PROMISE_FIELDS,
  DecUsers: DEC_USER_FIELDS,
};

/**
 * The read order, with a modelled section that was not read but now has content (rows added, a
 * DecSign or DecFreeTxt set) put where the official order places it: just after the last read
 * element that officially comes before it (a DecSign after DecFreeTxt, wherever DecFreeTxt stands).
 */
function withAddedSections(order: readonly string[], m: DecMessage): string[] {
  const out = [...order];
  const has = (name: string): boolean => {
    if (name === 'DecHead') return Object.keys(m.head).length > 0;
    if (name === 'DecLists') return m.lists.length > 0;
    if (SECTION_ROWS[name]) return (m[SECTION_ROWS[name].key] as Fields[]).length > 0;
    if (name === 'DecFreeTxt') return !!m.freeText;
    if (name === 'DecSign') return !!m.sign;
    return false; // EdocRealation/EcoRelation rows beyond the read ones are appended by build
  };
  DEC_MESSAGE_SECTIONS.forEach((name, i) => {
    if (out.includes(name) || !has(name)) return;
    const earlier: readonly string[] = DEC_MESSAGE_SECTIONS.slice(0, i);
    let at = -1;
    out.forEach((n, k) => {
      if (earlier.includes(n)) at = k;
    });
    out.splice(at + 1, 0, name);
  });
  return out;
}

/** The ClientSeqNo of a declaration: DecSign's, else DecHead's. */
export function decClientSeqNo(m: DecMessage): string {
  return (m.sign?.ClientSeqNo || m.head.ClientSeqNo || '').trim();
}

/** Every problem of a DecMessage at once, each with its path and a Chinese and English message. */
export function validateDecMessage(m: DecMessage): Problem[] {
  const p = new Problems();
  if (m.version && !/^\d+\.\d+$/.test(m.version))
    p.add('DecMessage@version', `版本号格式不正确: ${m.version}`, `version must look like 3.1 or 4.8, got ${m.version}`);
  const h = m.head;
  if (Object.keys(h).length === 0) p.add('DecHead', '缺少表头DecHead', 'DecHead is missing');
  else {
    p.oneOf('DecHead.IEFlag', h.IEFlag, ['I', 'E'], '进出口标志', { required: true });
    p.pattern(
      'DecHead.TradeCode',
      h.TradeCode,
      /^[0-9A-Z]{10}$/,
      '境内收发货人编码须为10位海关编码',
      'TradeCode must be a 10-character customs code',
      { required: true, zhName: '境内收发货人编码' },
    );
    p.pattern(
      'DecHead.OwnerCode',
      h.OwnerCode,
      /^[0-9A-Z]{10}$/,
      '消费使用/生产销售单位编码须为10位海关编码',
      'OwnerCode must be a 10-character customs code',
    );
    p.pattern(
      'DecHead.AgentCode',
      h.AgentCode,
      /^[0-9A-Z]{10}$/,
      '申报单位编码须为10位海关编码',
      'AgentCode must be a 10-character customs code',
    );
    for (const f of ['TradeCoScc', 'OwnerCodeScc', 'AgentCodeScc', 'CopCodeScc']) p.uscc(`DecHead.${f}`, h[f]);
    p.required('DecHead.TradeName', h.TradeName, '境内收发货人名称');
    p.pattern('DecHead.SeqNo', h.SeqNo, /^E?\d{17,18}$/, '统一编号格式不正确', 'SeqNo must be E + 17 digits');
    p.pattern('DecHead.EntryId', h.EntryId, /^\d{18}$/, '海关编号须为18位数字', 'EntryId must be 18 digits');
  }
  if (m.lists.length === 0) p.add('DecLists', '至少须有一项商品DecList', 'at least one DecList is required');
  if (m.lists.length > 50) p.add('DecLists', `商品项不能超过50项，实为${m.lists.length}`, `at most 50 DecList rows, got ${m.lists.length}`);
  m.lists.forEach((r, i) => {
    const at = `DecLists.DecList[${i + 1}]`;
    const f = r.fields;
    p.pattern(`${at}.GNo`, f.GNo, /^\d+$/, '商品序号须为整数', 'GNo must be a whole number', { required: true, zhName: '商品序号' });
    if (f.GNo && Number(f.GNo) !== i + 1)
      p.add(`${at}.GNo`, `商品序号须连续，应为${i + 1}`, `GNo must be consecutive: expected ${i + 1}, got ${f.GNo}`);
  });
  if (!m.sign) p.add('DecSign', '缺少加签信息DecSign', 'DecSign is missing');
  else {
    p.oneOf('DecSign.OperType', m.sign.OperType, OPER_TYPES, '操作类型', { required: true });
    p.required('DecSign.ClientSeqNo', decClientSeqNo(m), 'ClientSeqNo(客户端报关单编号)');
    p.pattern('DecSign.ICCode', m.sign.ICCode, /^\d{13}$/, '操作员IC卡号须为13位数字', 'ICCode must be a 13-digit card number');
  }
  m.edocs.forEach((e, i) => {
    p.required(`EdocRealation[${i + 1}].EdocID`, e.EdocID, '随附单据编号');
    p.pattern(`EdocRealation[${i + 1}].EdocCode`, e.EdocCode, /^\d{8}$/, '随附单证类别须为8位代码', 'EdocCode must be an 8-digit code');
  });
  // the values of head and goods rows: code tables, numbers, required fields
  return [...p.list, ...checkDeclarationValues(m)];
}

/**
 * The PDFs of a declaration ZIP against its 随附单证 (FAQ 15): a ZIP with attachments needs
 * EdocRealation entries, and each PDF is named by one, by its customs file name (EdocID) or its
 * original name (EdocCopId). Customs refuses a package whose attachments the message does not list.
 */
export function attachmentProblems(m: DecMessage, attachmentNames: readonly string[]): Problem[] {
  const p = new Problems();
  if (!attachmentNames.length) return p.list;
  if (!m.edocs.length) {
    p.add(
      'EdocRealation',
      `ZIP包含随附单据${attachmentNames.length}个，报文中缺少随附单证EdocRealation`,
      `the ZIP holds ${attachmentNames.length} attachment(s) but the message has no EdocRealation`,
    );
    return p.list;
  }
  const named = new Set(m.edocs.flatMap((e) => [e.EdocID, e.EdocCopId]).filter((n): n is string => !!n));
  for (const name of attachmentNames)
    if (!named.has(name))
      p.add(
        'EdocRealation',
        `随附单据[${name}]在EdocRealation中没有对应的EdocID或EdocCopId`,
        `attachment ${name} is named by no EdocRealation (EdocID or EdocCopId)`,
      );
  return p.list;
}

/** The import response to a DecMessage. ResponseCode 0 = accepted. */
export interface DecImportResponse {
  responseCode: string;
  errorMessage: string;
  clientSeqNo: string;
  seqNo?: string;
  trnPreId?: string;
}

export function buildDecImportResponse(r: DecImportResponse): string {
  const lines = [
    XML_DECLARATION,
    `<DecImportResponse xmlns="${DEC_NAMESPACE}">`,
    `    <ResponseCode>${escapeXml(r.responseCode)}</ResponseCode>`,
    `    <ErrorMessage>${escapeXml(r.errorMessage)}</ErrorMessage>`,
    `    <ClientSeqNo>${escapeXml(r.clientSeqNo)}</ClientSeqNo>`,
  ];
  if (r.seqNo !== undefined) lines.push(`    <SeqNo>${escapeXml(r.seqNo)}</SeqNo>`);
  if (r.trnPreId !== undefined) lines.push(`    <TrnPreId>${escapeXml(r.trnPreId)}</TrnPreId>`);
  lines.push('</DecImportResponse>', '');
  return lines.join('\n');
}

export function parseDecImportResponse(xml: string): DecImportResponse {
  const root = rootOf(parseXml(xml));
  if (root.name !== 'DecImportResponse') throw new MessageRejected('C903', `not a DecImportResponse (root ${root.name})`);
  const n = root.node;
  return {
    responseCode: text(n, 'ResponseCode') ?? '',
    errorMessage: text(n, 'ErrorMessage') ?? '',
    clientSeqNo: text(n, 'ClientSeqNo') ?? '',
    seqNo: text(n, 'SeqNo'),
    trnPreId: text(n, 'TrnPreId'),
  };
}

/** A declaration business receipt (DEC_RESULT). */
export interface DecResult {
  cusCiqNo: string;
  entryId: string;
  noticeDate: string;
  channel: string;
  note: string;
  customMaster: string;
  ieDate: string;
  dDate: string;
}

const DEC_RESULT_ORDER = ['CUS_CIQ_NO', 'ENTRY_ID', 'NOTICE_DATE', 'CHANNEL', 'NOTE', 'CUSTOM_MASTER', 'I_E_DATE', 'D_DATE'] as const;

export function buildDecResult(r: DecResult): string {
  const rec: Record<string, string> = {
    CUS_CIQ_NO: r.cusCiqNo,
    ENTRY_ID: r.entryId,
    NOTICE_DATE: r.noticeDate,
    CHANNEL: r.channel,
    NOTE: r.note,
    CUSTOM_MASTER: r.customMaster,
    I_E_DATE: r.ieDate,
    D_DATE: r.dDate,
  };
  return [XML_DECLARATION, '<DEC_RESULT>', elements(rec, DEC_RESULT_ORDER, '    '), '</DEC_RESULT>', ''].join('\n');
}

/** Reads `DEC_RESULT`, and the older `DEC_DATA/DEC_RESULT` (SEQ_NO instead of CUS_CIQ_NO) with RESULT_INFO. */
export function parseDecResult(xml: string): DecResult & { resultInfo?: string; legacy: boolean } {
  const root = rootOf(parseXml(xml));
  let n: XmlNode | undefined;
  let legacy = false;
  let resultInfo: string | undefined;
  if (root.name === 'DEC_RESULT') n = root.node;
  else if (root.name === 'DEC_DATA') {
    n = at(root.node, 'DEC_RESULT');
    legacy = true;
    resultInfo = text(root.node, 'RESULT_INFO');
  }
  if (!n) throw new MessageRejected('C903', `not a DEC_RESULT receipt (root ${root.name})`);
  const f = fields(n);
  return {
    cusCiqNo: f.CUS_CIQ_NO ?? f.SEQ_NO ?? '',
    entryId: f.ENTRY_ID ?? '',
    noticeDate: f.NOTICE_DATE ?? '',
    channel: f.CHANNEL ?? '',
    note: f.NOTE ?? '',
    customMaster: f.CUSTOM_MASTER ?? f.DECL_PORT ?? '',
    ieDate: f.I_E_DATE ?? '',
    dDate: f.D_DATE ?? '',
    resultInfo,
    legacy,
  };
}

/** The older receipt form `DEC_DATA/DEC_RESULT` + `RESULT_INFO`, every field kept in order. */
export interface DecData {
  result: Fields;
  resultInfo: string;
}

export function parseDecData(xml: string): DecData {
  const root = parseTree(xml);
  if (root.name !== 'DEC_DATA') throw new MessageRejected('C903', `not a DEC_DATA receipt (root ${root.name})`);
  return { result: leafRecord(child(root, 'DEC_RESULT')), resultInfo: child(root, 'RESULT_INFO')?.text ?? '' };
}

export function buildDecData(d: DecData): string {
  return writeXml(el('DEC_DATA', [el('DEC_RESULT', fieldElements(d.result)), el('RESULT_INFO', d.resultInfo)]), {
    declaration: '<?xml version="1.0" encoding="UTF-8"?>',
  });
}
