/**
 * CEB (跨境电商) return statuses (returnStatus of the receipts) and what each means for the
 * document's life.
 */
import type { StatusGroup } from '../codes.js';

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
