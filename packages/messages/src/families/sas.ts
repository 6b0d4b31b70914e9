/**
 * Processing trade 金关二期 (Sas, Npts): `Package` messages with `EnvelopInfo` and
 * `DataInfo/BussinessData`, sent wrapped in `Signature/Object` (INV101 核注清单, SAS121 核放单,
 * ICP101 …) and received bare (INV201, INV202, INV211, SAS221, SAS223, SAS224); the import response
 * `CommonResponeMessage`. The real misspellings stay on the wire (`BussinessData`, `DelcareFlag`,
 * `CommonResponeMessage`); `CommonResponseMessage` and `BusinessData` are accepted when reading.
 */
import {
  COUNTRIES,
  CURRENCIES,
  CUSTOMS_AREAS,
  DUTY_MODES,
  PURPOSES,
  TRADE_MODES,
  TRANSPORT_MODES,
  UNITS,
  type CodeTable,
} from '../code-tables/index.js';
import { MessageRejected } from '../errors.js';
import { chinaIsoSeconds } from '../time.js';
import { child, children, leaf, leafRecord, node, parseTree, recordNode, treeToElement, type XNode } from '../tree.js';
import { Problems, type Problem } from '../validation.js';
import { el, writeXml } from '../writer.js';
import type { Fields } from './declaration.js';

export const ENVELOP_FIELDS = [
  'version',
  'business_id',
  'message_id',
  'file_name',
  'message_type',
  'sender_id',
  'receiver_id',
  'send_time',
] as const;
export const POCKET_FIELDS = ['pocket_id', 'total_pocket_qty', 'cur_pocket_no', 'is_unstructured'] as const;

/** Outbound (enterprise → customs) and receipt message types of the family, with their meaning. */
export const SAS_MESSAGE_TYPES: Readonly<Record<string, { name: string; direction: 'out' | 'in' }>> = {
  INV101: { name: '保税核注清单申报', direction: 'out' },
  INV201: { name: '核注清单审批回执', direction: 'in' },
  INV202: { name: '核注清单生成报关单回执', direction: 'in' },
  INV211: { name: '核注清单记账回执', direction: 'in' },
  SAS121: { name: '核放单申报', direction: 'out' },
  SAS221: { name: '核放单审批回执', direction: 'in' },
  SAS223: { name: '核放单过卡回执', direction: 'in' },
  SAS224: { name: '核放单查验/作废回执', direction: 'in' },
  ICP101: { name: '加工贸易账册/手册申报', direction: 'out' },
  OSWEMS01: { name: '加工贸易账册存量数据 (open-single-window 推送格式)', direction: 'in' },
  OSWEMS02: { name: '加工贸易账册增量数据 (open-single-window 推送格式)', direction: 'in' },
};

/**
 * The identifying fields of a Package that `osw message inspect` shows, matched whatever their case:
 * what enterprises send is written in PascalCase (INV101 `InvtHeadType/EtpsInnerInvtNo`, SAS121
 * `SasPassportBsc/PassportNo`), what customs sends back in camelCase (INV201/INV211
 * `BondInvtBsc/etpsInnerInvtNo`, SAS221/223/224 `SasPassportBsc/passportNo`, INV202
 * `InvApprResult/invPreentNo`). Listed once here, in the order they are shown.
 */
export const SAS_KEY_FIELDS = [
  // 核注清单 (INV101 InvtHeadType; BondInvtBsc in INV201 审批回执 and INV211 记账回执)
  'SeqNo', // 预录入统一编号 (INV101, SAS121)
  'BondInvtNo', // 清单编号
  'InvtPreentNo', // 清单预录入统一编号
  'EtpsInnerInvtNo', // 企业内部清单编号
  'PutrecNo', // 备案编号 (账册号)
  'EntryNo', // 报关单号
  'RltEntryNo', // 关联报关单号
  // 核放单 (SAS121 SasPassportBsc; SAS221/223/224 SasPassportBsc)
  'PassportNo', // 核放单编号
  'SasPassportPreentNo', // 核放单预录入统一编号
  // approval results (HdeApprResult in INV201, SAS221/223/224; InvApprResult in INV202)
  'EtpsPreentNo', // 预录入统一编号 as customs echoes it (企业内部编号 in SAS121)
  'BusinessId', // 业务单证编号 (清单编号 / 核放单编号)
  'InvPreentNo', // 清单预录入统一编号 (INV202)
  'EntrySeqNo', // 报关单统一编号 (INV202)
  'ManageResult', // 处理结果
  // 加工贸易账册 (ICP101, OSWEMS01/02)
  'EmsNo', // 账册号
  'DelcareFlag', // 申报标志 (BussinessData, misspelt on the wire)
] as const;

/** The `Signature` wrapper of an outbound Package, kept as it came. */
export interface SasSignature {
  attrs: Record<string, string>;
  /** children before `Object`: SignedInfo, SignatureValue, KeyInfo */
  parts: XNode[];
}

export interface SasPackage {
  messageType: string;
  envelope: Fields;
  /** DataInfo/PocketInfo, null when absent */
  pocket: Fields | null;
  /** children of DataInfo/BussinessData, as trees */
  business: XNode[];
  /** attributes of <Package> (e.g. xmlns) */
  packageAttrs: Record<string, string>;
  /** present when the Package came wrapped in Signature/Object */
  signature: SasSignature | null;
  /** `BusinessData` when read so; absent: the wire's own `BussinessData`, which build writes */
  businessName?: 'BusinessData';
}

export function sasPackageFromTree(root: XNode): SasPackage {
  let pkg: XNode | undefined;
  let signature: SasSignature | null = null;
  if (root.name === 'Package') pkg = root;
  else if (root.name === 'Signature') {
    const object = child(root, 'Object');
    pkg = child(object, 'Package');
    signature = { attrs: root.attrs, parts: root.children.filter((c) => c.name !== 'Object') };
  }
  const envelopeNode = child(pkg, 'EnvelopInfo');
  if (!pkg || !envelopeNode) throw new MessageRejected('C903', `not a 金关二期 Package (root ${root.name})`);
  const dataInfo = child(pkg, 'DataInfo');
  const pocketNode = child(dataInfo, 'PocketInfo');
  const business = child(dataInfo, 'BussinessData') ?? child(dataInfo, 'BusinessData');
  const envelope = leafRecord(envelopeNode);
  return {
    messageType: envelope.message_type ?? '',
    envelope,
    pocket: pocketNode ? leafRecord(pocketNode) : null,
    business: business ? business.children : [],
    packageAttrs: pkg.attrs,
    signature,
    ...(business?.name === 'BusinessData' ? { businessName: 'BusinessData' as const } : {}),
  };
}

export function parseSasPackage(xml: string): SasPackage {
  return sasPackageFromTree(parseTree(xml));
}

export function sasPackageTree(p: SasPackage): XNode {
  const envelope = recordNode('EnvelopInfo', orderedFields(p.envelope, ENVELOP_FIELDS));
  const dataKids: XNode[] = [];
  if (p.pocket) dataKids.push(recordNode('PocketInfo', orderedFields(p.pocket, POCKET_FIELDS)));
  dataKids.push(node(p.businessName ?? 'BussinessData', p.business));
  const pkg = node('Package', [envelope, node('DataInfo', dataKids)], p.packageAttrs);
  if (!p.signature) return pkg;
  return node('Signature', [...p.signature.parts, node('Object', [pkg])], p.signature.attrs);
}

export function buildSasPackage(p: SasPackage): string {
  return writeXml(treeToElement(sasPackageTree(p)), { declaration: '<?xml version="1.0" encoding="UTF-8"?>' });
}

function orderedFields(f: Fields, order: readonly string[]): Fields {
  const out: Fields = {};
  for (const k of order) if (k in f) out[k] = f[k];
  for (const k of Object.keys(f)) if (!(k in out)) out[k] = f[k];
  return out;
}

/** An empty xmldsig wrapper, as the official client writes before it signs. */
export function emptySasSignature(): SasSignature {
  return {
    attrs: { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' },
    parts: [
      node('SignedInfo', [
        node('CanonicalizationMethod', [], { Algorithm: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315' }),
        node('SignatureMethod', [], { Algorithm: SAS_SIGNATURE_METHOD }),
        node('Reference', [node('DigestMethod', [], { Algorithm: SAS_DIGEST_METHOD }), leaf('DigestValue', '')], { URI: 'Package' }),
      ]),
      leaf('SignatureValue', ''),
      node('KeyInfo', [leaf('KeyName', '')]),
    ],
  };
}

export const SAS_SIGNATURE_METHOD = 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3';
export const SAS_DIGEST_METHOD = 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm3';

/** First element of a business tree by local name, searched depth-first. */
export function findInBusiness(p: SasPackage, name: string): XNode | undefined {
  const stack = [...p.business];
  while (stack.length) {
    const n = stack.shift()!;
    if (n.name === name) return n;
    stack.push(...n.children);
  }
  return undefined;
}

/**
 * The head of an SAS121 核放单 and the message element that holds it. The head is written `SasPassportBsc`
 * (as customs' SAS221/223 echo it) or `PassportHead` under `PassPortMessage` (the SAS121 an open-source
 * customs bridge sends, ronannnn/gx-customs-bridge `sas121_models.go`); either is taken. The message
 * element carries `OperCusRegCode` (操作卡的海关十位) beside it, as INV101's InvtMessage does.
 */
export function sas121Head(p: SasPackage): { head: XNode; message: XNode | undefined } | undefined {
  const head = findInBusiness(p, 'SasPassportBsc') ?? findInBusiness(p, 'PassportHead');
  if (!head) return undefined;
  const stack = [...p.business];
  while (stack.length) {
    const n = stack.shift()!;
    if (n.children.includes(head)) return { head, message: n };
    stack.push(...n.children);
  }
  return { head, message: undefined };
}

/** INV101 核注清单: head, list rows and 申报标志 (DelcareFlag 0 暂存, 1 申报). */
export interface Inv101 {
  envelope: Fields;
  head: Fields;
  lists: Fields[];
  /** other leaf fields of InvtMessage after the list (OperCusRegCode, SysId, …) */
  messageFields: Fields;
  delcareFlag: string;
}

export function inv101From(p: SasPackage): Inv101 {
  const msg = findInBusiness(p, 'InvtMessage');
  if (!msg) throw new MessageRejected('C903', 'INV101 without BussinessData/InvtMessage');
  return {
    envelope: p.envelope,
    head: leafRecord(child(msg, 'InvtHeadType')),
    lists: children(msg, 'InvtListType').map(leafRecord),
    messageFields: leafRecord(msg),
    delcareFlag: p.business.find((b) => b.name === 'DelcareFlag')?.text ?? '',
  };
}

export function buildInv101(i: Inv101, opts: { signed?: boolean } = {}): string {
  const extra = Object.entries(i.messageFields).map(([k, v]) => leaf(k, v));
  const msg = node('InvtMessage', [recordNode('InvtHeadType', i.head), ...i.lists.map((l) => recordNode('InvtListType', l)), ...extra]);
  return buildSasPackage({
    messageType: 'INV101',
    envelope: { ...i.envelope, message_type: 'INV101' },
    pocket: { pocket_id: '', total_pocket_qty: '', cur_pocket_no: '', is_unstructured: '' },
    business: [msg, leaf('DelcareFlag', i.delcareFlag)],
    packageAttrs: {},
    signature: opts.signed === false ? null : emptySasSignature(),
  });
}

/** InvtHeadType fields that hold a 统一社会信用代码 (USCC). */
export const INV101_USCC_FIELDS = [
  'BizopEtpsSccd', // 经营企业
  'RvsngdEtpsSccd', // 加工单位 (收发货企业)
  'DclEtpsSccd', // 申报企业
  'InputCreditCode', // 录入单位
  'CorrEntryDclEtpsSccd', // 对应报关单申报单位
  'RltEntryBizopEtpsSccd', // 关联报关单境内收发货人
  'RltEntryRvsngdEtpsSccd', // 关联报关单消费使用/生产销售单位
  'RltEntryDclEtpsSccd', // 关联报关单申报单位
] as const;

/** 核注清单 fields checked against the customs code tables; `old` also takes the table's pre-2018 code (real lists carry `142` for China). */
const INV101_HEAD_CODES: readonly { field: string; zh: string; table: CodeTable; old?: true }[] = [
  { field: 'SupvModecd', zh: '监管方式', table: TRADE_MODES },
  { field: 'TrspModecd', zh: '运输方式', table: TRANSPORT_MODES },
  { field: 'StshipTrsarvNatcd', zh: '起运/运抵国(地区)', table: COUNTRIES, old: true },
];
const INV101_LIST_CODES: readonly { field: string; zh: string; table: CodeTable; old?: true }[] = [
  { field: 'DclUnitcd', zh: '申报计量单位', table: UNITS },
  { field: 'LawfUnitcd', zh: '法定计量单位', table: UNITS },
  { field: 'SecdLawfUnitcd', zh: '法定第二计量单位', table: UNITS },
  { field: 'Natcd', zh: '原产国(地区)', table: COUNTRIES, old: true },
  { field: 'DestinationNatcd', zh: '最终目的国(地区)', table: COUNTRIES, old: true },
  { field: 'DclCurrcd', zh: '币制', table: CURRENCIES, old: true },
  { field: 'LvyrlfModecd', zh: '征免方式', table: DUTY_MODES },
  { field: 'UseCd', zh: '用途', table: PURPOSES },
];

/**
 * The codes of a 核注清单 against the customs code tables (the same tables the declaration rules use),
 * and its 关区 fields as 4 digits of a 直属海关 in the 关区代码表. Blank fields are not judged here.
 */
function checkInv101Codes(p: Problems, i: Inv101): void {
  const check = (at: string, fields: Fields, rules: typeof INV101_HEAD_CODES) => {
    for (const r of rules) {
      const v = fields[r.field]?.trim() ?? '';
      if (v === '' || r.table.has(v) || (r.old && r.table.entries.some((e) => e[3] === v))) continue;
      p.add(
        `${at}.${r.field}`,
        `${r.zh}(${r.field})[${v}]不在${r.table.zh}中`,
        `${r.field} ${v} is not in the ${r.table.en} table (${r.table.zh})`,
      );
    }
  };
  check('InvtHeadType', i.head, INV101_HEAD_CODES);
  for (const f of ['DclPlcCuscd', 'ImpexpPortcd'] as const) {
    const v = i.head[f]?.trim() ?? '';
    if (v && !(/^\d{4}$/.test(v) && CUSTOMS_AREAS.has(`${v.slice(0, 2)}00`)))
      p.add(
        `InvtHeadType.${f}`,
        `关区代码(${f})[${v}]不在${CUSTOMS_AREAS.zh}中`,
        `${f} ${v} is not a customs area of the ${CUSTOMS_AREAS.zh}`,
      );
  }
  i.lists.forEach((l, n) => check(`InvtListType[${n + 1}]`, l, INV101_LIST_CODES));
}

export function validateInv101(i: Inv101): Problem[] {
  const p = new Problems();
  p.required('EnvelopInfo.message_id', i.envelope.message_id, '报文编号');
  p.required('EnvelopInfo.sender_id', i.envelope.sender_id, '发送方编号');
  p.oneOf('BussinessData.DelcareFlag', i.delcareFlag, ['0', '1'], '申报标志', { required: true });
  p.required('InvtHeadType.PutrecNo', i.head.PutrecNo, '备案编号');
  p.required('InvtHeadType.EtpsInnerInvtNo', i.head.EtpsInnerInvtNo, '企业内部清单编号');
  p.pattern(
    'InvtHeadType.BizopEtpsno',
    i.head.BizopEtpsno,
    /^[0-9A-Z]{10}$/,
    '经营企业编号须为10位海关编码',
    'BizopEtpsno must be a 10-character customs code',
    { required: true, zhName: '经营企业编号' },
  );
  for (const f of INV101_USCC_FIELDS) p.uscc(`InvtHeadType.${f}`, i.head[f]);
  p.oneOf('InvtHeadType.ImpexpMarkcd', i.head.ImpexpMarkcd, ['I', 'E'], '进出口标记代码');
  if (i.lists.length === 0) p.add('InvtMessage.InvtListType', '至少须有一项表体', 'at least one InvtListType row is required');
  i.lists.forEach((l, n) =>
    p.pattern(`InvtListType[${n + 1}].Gdecd`, l.Gdecd, /^\d{10}$/, '商品编码须为10位数字', 'Gdecd must be 10 digits'),
  );
  // FAQ 18: a 商品序号 or 报关单商品序号 used twice, and a change or deletion without the 预录入统一编号
  for (const [field, zh] of [
    ['GdsSeqno', '商品序号'],
    ['EntryGdsSeqno', '报关单商品序号'],
  ] as const) {
    const seen = new Map<string, number>();
    i.lists.forEach((l, n) => {
      const v = l[field]?.trim();
      if (!v) return;
      const first = seen.get(v);
      if (first === undefined) seen.set(v, n + 1);
      else p.add(`InvtListType[${n + 1}].${field}`, `${zh}[${v}]重复(与第${first}项相同)`, `${field} ${v} repeats row ${first}`);
    });
  }
  checkInv101Codes(p, i);
  if (['2', '3'].includes(i.head.DclTypecd ?? '') && !i.head.SeqNo?.trim())
    p.add(
      'InvtHeadType.SeqNo',
      `${i.head.DclTypecd === '2' ? '变更' : '删除'}申请须填写预录入统一编号SeqNo`,
      `a ${i.head.DclTypecd === '2' ? 'change' : 'deletion'} (DclTypecd ${i.head.DclTypecd}) needs the SeqNo of the list it changes`,
    );
  return p.list;
}

/** A receipt Package (INV201, INV202, SAS221 …): its named record sections in order. */
export interface SasReceipt {
  messageType: string;
  envelope: Fields;
  /** e.g. [{ name: 'HdeApprResult', fields }, { name: 'BondInvtBsc', fields }, …] under BussinessData/<messageType> */
  sections: { name: string; fields: Fields }[];
  /**
   * DataInfo/PocketInfo as read, null when the receipt had none (INV202 comes without). Undefined
   * for a receipt built in code: build writes one pocket of one (`pocketId` names it).
   */
  pocket?: Fields | null;
  /** attributes of <Package> as read; undefined: the xmldsig default namespace for INV receipts, none for SAS */
  packageAttrs?: Record<string, string>;
  /** `BusinessData` when read so (SasPackage.businessName) */
  businessName?: 'BusinessData';
}

export function sasReceiptFrom(p: SasPackage): SasReceipt {
  const holder = p.business.find((b) => b.name === p.messageType) ?? (p.business.length === 1 ? p.business[0] : undefined);
  return {
    messageType: p.messageType,
    envelope: p.envelope,
    sections: (holder?.children ?? []).map((s) => ({ name: s.name, fields: leafRecord(s) })),
    pocket: p.pocket,
    packageAttrs: p.packageAttrs,
    ...(p.businessName ? { businessName: p.businessName } : {}),
  };
}

/**
 * Builds a receipt the way customs sends it: bare Package, xmldsig default namespace for INV
 * receipts. A receipt read with sasReceiptFrom is written back with its own PocketInfo (or none)
 * and Package attributes; `pocketId`, when given, names the pocket either way.
 */
export function buildSasReceipt(r: SasReceipt, opts: { pocketId?: string } = {}): string {
  const pocket =
    r.pocket === undefined
      ? { pocket_id: opts.pocketId ?? '', total_pocket_qty: '1', cur_pocket_no: '1', is_unstructured: '' }
      : r.pocket && (opts.pocketId === undefined ? r.pocket : { ...r.pocket, pocket_id: opts.pocketId });
  return buildSasPackage({
    messageType: r.messageType,
    envelope: { version: '1.0', ...r.envelope, message_type: r.messageType },
    pocket,
    business: [
      node(
        r.messageType,
        r.sections.map((s) => recordNode(s.name, s.fields)),
      ),
    ],
    packageAttrs: r.packageAttrs ?? (r.messageType.startsWith('INV') ? { xmlns: 'http://www.w3.org/2000/09/xmldsig#' } : {}),
    signature: null,
    ...(r.businessName ? { businessName: r.businessName } : {}),
  });
}

/** The envelope of a message sent now: ids and names as the platform writes them. */
export function sasEnvelope(e: {
  messageId: string;
  messageType: string;
  senderId: string;
  receiverId: string;
  businessId?: string;
  fileName?: string;
  at: Date;
}): Fields {
  return {
    version: '1.0',
    business_id: e.businessId ?? '',
    message_id: e.messageId,
    file_name: e.fileName ?? `${e.messageId}.${e.messageType.slice(0, 3)}`,
    message_type: e.messageType,
    sender_id: e.senderId,
    receiver_id: e.receiverId,
    send_time: chinaIsoSeconds(e.at),
  };
}

/** CommonResponeMessage: the import response of the family. DealFlag 0 accepted, -1 refused. */
export interface CommonResponse {
  seqNo?: string;
  etpsPreentNo: string;
  checkInfo: string;
  dealFlag: string;
}

export function parseCommonResponse(xml: string): CommonResponse {
  const root = parseTree(xml);
  if (root.name !== 'CommonResponeMessage' && root.name !== 'CommonResponseMessage')
    throw new MessageRejected('C903', `not a CommonResponeMessage (root ${root.name})`);
  const f = leafRecord(root);
  return { seqNo: f.SeqNo, etpsPreentNo: f.EtpsPreentNo ?? '', checkInfo: f.CheckInfo ?? '', dealFlag: f.DealFlag ?? '' };
}

export function buildCommonResponse(r: CommonResponse): string {
  const kids = [];
  if (r.seqNo !== undefined) kids.push(el('SeqNo', r.seqNo));
  kids.push(el('EtpsPreentNo', r.etpsPreentNo), el('CheckInfo', r.checkInfo), el('DealFlag', r.dealFlag));
  return writeXml(el('CommonResponeMessage', kids));
}
