/**
 * Declaration CHANNEL codes (DEC_RESULT) and the subscription manuals' receipt-type names.
 * This is the one table that maps the Chinese receipt names to CHANNEL codes.
 */
/** What a CHANNEL (or another family's status) means for the declaration's life. */
export type StatusGroup =
  | 'declared'
  | 'accepted'
  | 'reviewing'
  | 'inspection'
  | 'released'
  | 'closed'
  | 'refused'
  | 'deleted'
  | 'held'
  | 'failed'
  | 'duties'
  | 'other';

export interface ChannelInfo {
  code: string;
  /** 中文状态 */
  name: string;
  english: string;
  group: StatusGroup;
  /** the note customs typically writes with this receipt */
  note: string;
}

export const CHANNELS: readonly ChannelInfo[] = [
  { code: '7', name: '申报成功', english: 'declared', group: 'declared', note: '直接申报成功' },
  { code: 'a', name: '签证/检务收单', english: 'inspection-and-quarantine documents received', group: 'reviewing', note: '检务收单' },
  {
    code: 'A',
    name: '放行前删除或异常处理',
    english: 'deleted or handled as exception before release',
    group: 'deleted',
    note: '放行前删除或异常处理',
  },
  {
    code: 'b',
    name: '已发检验检疫审核',
    english: 'sent for inspection-and-quarantine review',
    group: 'reviewing',
    note: '已发检验检疫审核',
  },
  { code: 'B', name: '担保放行', english: 'released under guarantee', group: 'released', note: '担保放行' },
  { code: 'C', name: '查验通知', english: 'inspection notice', group: 'inspection', note: '查验通知，请联系现场海关办理查验手续' },
  { code: 'c', name: '检验检疫撤单', english: 'withdrawn by inspection and quarantine', group: 'deleted', note: '检验检疫撤单' },
  { code: 'D', name: '海关删单', english: 'deleted by customs', group: 'deleted', note: '海关删单' },
  {
    code: 'd',
    name: '申请检验检疫成功',
    english: 'inspection-and-quarantine application accepted',
    group: 'reviewing',
    note: '申请检验检疫成功',
  },
  { code: 'E', name: '退单/不受理', english: 'refused', group: 'refused', note: '退单' },
  { code: 'F', name: '放行交单', english: 'released, hand in documents', group: 'released', note: '放行交单' },
  { code: 'G', name: '已审结', english: 'review concluded', group: 'reviewing', note: '报关单已审结' },
  { code: 'H', name: '挂起需手工申报', english: 'suspended, declare on paper', group: 'held', note: '挂起，需手工申报' },
  { code: 'I', name: '无纸放行通知', english: 'paperless release notice', group: 'released', note: '无纸放行通知' },
  { code: 'J', name: '通关无纸化审结', english: 'paperless clearance concluded', group: 'reviewing', note: '通关无纸化审结' },
  { code: 'K', name: '通关无纸化担保放行', english: 'paperless release under guarantee', group: 'released', note: '通关无纸化担保放行' },
  { code: 'L', name: '海关入库成功', english: 'accepted into the customs system', group: 'accepted', note: '海关入库成功' },
  { code: 'M', name: '重审', english: 'under review again', group: 'reviewing', note: '重审' },
  { code: 'N', name: '重传文件', english: 'send the documents again', group: 'held', note: '请重新上传随附单据' },
  { code: 'P', name: '海关已放行', english: 'released', group: 'released', note: '报关单放行' },
  { code: 'R', name: '已结关', english: 'cleared (closed)', group: 'closed', note: '报关单已结关' },
  { code: 'S', name: '施检', english: 'under inspection', group: 'inspection', note: '施检' },
  { code: 'T', name: '需交税费', english: 'duties due', group: 'duties', note: '需交税费' },
  {
    code: 'W',
    name: '无纸验放通知(审结)',
    english: 'paperless inspection-and-release notice (concluded)',
    group: 'reviewing',
    note: '无纸验放通知',
  },
  { code: 'X', name: '准予进港', english: 'allowed into port', group: 'released', note: '准予进港' },
  { code: 'Y', name: '申报失败', english: 'declaration failed', group: 'failed', note: '申报失败' },
  { code: 'Z', name: '退回修改', english: 'returned for change', group: 'refused', note: '退回修改' },
  { code: 'SpL', name: '两步申报概要申报入库成功', english: 'two-step: summary accepted', group: 'accepted', note: '概要申报入库成功' },
  { code: 'SpE', name: '两步申报概要申报退单', english: 'two-step: summary refused', group: 'refused', note: '概要申报退单' },
  { code: 'SpJ', name: '两步申报概要申报审结', english: 'two-step: summary concluded', group: 'reviewing', note: '概要申报审结' },
  { code: 'Sp1', name: '两步申报概要申报提货', english: 'two-step: goods may be collected', group: 'released', note: '概要申报准予提离' },
  { code: 'SpC', name: '两步申报概要申报查验', english: 'two-step: summary inspection', group: 'inspection', note: '概要申报查验' },
  {
    code: 'SpK',
    name: '两步申报概要申报担保放行',
    english: 'two-step: summary released under guarantee',
    group: 'released',
    note: '概要申报担保放行',
  },
] as const;

const BY_CODE = new Map(CHANNELS.map((c) => [c.code, c]));

export function channelInfo(code: string): ChannelInfo | undefined {
  return BY_CODE.get(code);
}

/** The receipt-type names of the subscription manuals and the CHANNEL codes each stands for. */
export const RECEIPT_TYPES: Readonly<Record<string, readonly string[]>> = {
  接单: ['7'],
  海关入库: ['L'],
  审核: ['J', 'G'],
  审结: ['J', 'G'],
  查验通知: ['C'],
  放行: ['P'],
  结关: ['R'],
  退单: ['E', 'Z', 'Y'],
};

/** Accepts a manual name or a CHANNEL code; returns the CHANNEL codes, or null when unknown. */
export function receiptTypeToChannels(nameOrCode: string): readonly string[] | null {
  if (RECEIPT_TYPES[nameOrCode]) return RECEIPT_TYPES[nameOrCode];
  return BY_CODE.has(nameOrCode) ? [nameOrCode] : null;
}

export { FAIL_CODES, type FailCode } from './errors.js';

// The other families' code tables, so that every code table can be imported from one place.
export { MANIFEST_STATEMENT_CODES, manifestStatementInfo, MANIFEST_FUNCTION_CODES, MANIFEST_MESSAGE_TYPES } from './families/manifest.js';
export { CEB_RETURN_STATUS, cebReturnStatus } from './families/ceb.js';
export { SAS_MESSAGE_TYPES } from './families/sas.js';
export { MODF_MARK } from './families/manual.js';
