/**
 * Processing-trade manual data (加工贸易账册数据): this project's push format for the 账册存量
 * (stock snapshot, message type OSWEMS01) and 账册增量 (incremental change, OSWEMS02) subscriptions.
 * It travels in the 金关二期 `Package` envelope; element names follow the 金关二期 NEMS vocabulary
 * (EmsNo, GdsSeqno, GdsMtno, Gdecd, GdsNm, GdsSpcfModelDesc, DclUnitcd, DclQty, ModfMarkcd).
 * docs/messages.md describes it.
 */
import { MessageRejected } from '../errors.js';
import { child, children, leafRecord, node, parseTree, recordNode, type XNode } from '../tree.js';
import { Problems, type Problem } from '../validation.js';
import type { Fields } from './declaration.js';
import { buildSasPackage, sasPackageFromTree } from './sas.js';

export const MANUAL_STOCK_TYPE = 'OSWEMS01';
export const MANUAL_INCREMENTAL_TYPE = 'OSWEMS02';

/** 修改标志 ModfMarkcd (金关二期): 0 未修改, 1 修改, 2 删除, 3 增加. */
export const MODF_MARK = { unchanged: '0', modified: '1', deleted: '2', added: '3' } as const;
export type ModfMark = (typeof MODF_MARK)[keyof typeof MODF_MARK];

export const MANUAL_ITEM_FIELDS = [
  'GdsSeqno',
  'ModfMarkcd',
  'GdsMtno',
  'Gdecd',
  'GdsNm',
  'GdsSpcfModelDesc',
  'DclUnitcd',
  'DclQty',
] as const;

export interface ManualItem {
  /** 序号 GdsSeqno */
  serial: number;
  /** ModfMarkcd */
  mark: ModfMark;
  /** the other fields, in order (GdsMtno, Gdecd, GdsNm, GdsSpcfModelDesc, DclUnitcd, DclQty, …) */
  fields: Fields;
}

export interface ManualData {
  kind: 'stock' | 'incremental';
  /** 账册号 EmsNo: E + 11 digits */
  manualNo: string;
  /** per-manual version after this change (stock: the version the snapshot shows) */
  version: number;
  /** other head fields (经营单位, 加工单位, 主管海关, 有效期 …) */
  head: Fields;
  /** 料件 */
  imgs: ManualItem[];
  /** 成品 */
  exgs: ManualItem[];
}

function itemNode(name: string, i: ManualItem): XNode {
  return recordNode(name, { GdsSeqno: String(i.serial), ModfMarkcd: i.mark, ...i.fields });
}

function itemFrom(n: XNode): ManualItem {
  const { GdsSeqno, ModfMarkcd, ...fields } = leafRecord(n);
  return { serial: Number(GdsSeqno), mark: (ModfMarkcd ?? '0') as ModfMark, fields };
}

/** The BussinessData tree of manual data. */
export function manualDataTree(m: ManualData): XNode {
  return node('EmsData', [
    recordNode('EmsHead', {
      EmsNo: m.manualNo,
      Version: String(m.version),
      DataType: m.kind === 'stock' ? 'STOCK' : 'INCREMENTAL',
      ...m.head,
    }),
    node(
      'EmsImgList',
      m.imgs.map((i) => itemNode('EmsImg', i)),
    ),
    node(
      'EmsExgList',
      m.exgs.map((i) => itemNode('EmsExg', i)),
    ),
  ]);
}

export function buildManualData(m: ManualData, envelope: Fields): string {
  const type = m.kind === 'stock' ? MANUAL_STOCK_TYPE : MANUAL_INCREMENTAL_TYPE;
  return buildSasPackage({
    messageType: type,
    envelope: { ...envelope, business_id: envelope.business_id || m.manualNo, message_type: type },
    pocket: null,
    business: [manualDataTree(m)],
    packageAttrs: {},
    signature: null,
  });
}

export function parseManualData(xml: string): { envelope: Fields; data: ManualData } {
  const p = sasPackageFromTree(parseTree(xml));
  const ems = p.business.find((b) => b.name === 'EmsData');
  if (!ems || (p.messageType !== MANUAL_STOCK_TYPE && p.messageType !== MANUAL_INCREMENTAL_TYPE))
    throw new MessageRejected('C903', `not manual data (message_type ${p.messageType || 'missing'})`);
  const { EmsNo, Version, DataType, ...head } = leafRecord(child(ems, 'EmsHead'));
  return {
    envelope: p.envelope,
    data: {
      kind: DataType === 'STOCK' ? 'stock' : 'incremental',
      manualNo: EmsNo ?? '',
      version: Number(Version),
      head,
      imgs: children(child(ems, 'EmsImgList'), 'EmsImg').map(itemFrom),
      exgs: children(child(ems, 'EmsExgList'), 'EmsExg').map(itemFrom),
    },
  };
}

/** The most rows of one type (料件 or 成品) one stock subscription may ask for. */
export const STOCK_ROWS_LIMIT = 10_000;

export function validateManualData(m: ManualData): Problem[] {
  const p = new Problems();
  p.pattern('EmsHead.EmsNo', m.manualNo, /^E\d{11}$/, '账册号须为E加11位数字', 'EmsNo must be E followed by 11 digits', {
    required: true,
    zhName: '账册号',
  });
  if (!Number.isInteger(m.version) || m.version < 1)
    p.add('EmsHead.Version', '版本号须为正整数', 'Version must be a positive whole number');
  for (const [list, rows] of [
    ['EmsImgList.EmsImg', m.imgs],
    ['EmsExgList.EmsExg', m.exgs],
  ] as const) {
    if (m.kind === 'stock' && rows.length > STOCK_ROWS_LIMIT)
      p.add(list, `存量数据每类不能超过${STOCK_ROWS_LIMIT}条`, `a stock snapshot holds at most ${STOCK_ROWS_LIMIT} rows per type`);
    const seen = new Set<number>();
    rows.forEach((r, i) => {
      const at = `${list}[${i + 1}]`;
      if (!Number.isInteger(r.serial) || r.serial < 1)
        p.add(`${at}.GdsSeqno`, '序号须为正整数', 'GdsSeqno must be a positive whole number');
      if (seen.has(r.serial)) p.add(`${at}.GdsSeqno`, `序号${r.serial}重复`, `GdsSeqno ${r.serial} appears twice`);
      seen.add(r.serial);
      p.oneOf(`${at}.ModfMarkcd`, r.mark, Object.values(MODF_MARK), '修改标志', { required: true });
      if (m.kind === 'stock' && r.mark !== '0') p.add(`${at}.ModfMarkcd`, '存量数据的修改标志须为0', 'stock rows carry ModfMarkcd 0');
      p.pattern(`${at}.Gdecd`, r.fields.Gdecd, /^\d{10}$/, '商品编码须为10位数字', 'Gdecd must be 10 digits');
    });
  }
  return p.list;
}
