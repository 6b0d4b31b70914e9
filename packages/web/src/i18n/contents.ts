/**
 * 订阅内容 in the console's language. In Chinese it is the platform's own text (the manuals'
 * wording, e.g. `申报数据; 状态回执[海关入库、放行]`); in English it is built from the record's
 * fields, so that no Chinese is left on an English page but the data itself.
 */
import type { DeclarationSubscription, ManualSubscription, ReceiptSubscription } from '../api/types.js';
import { CHANNELS, type Lang, type Translate } from './index.js';
import type { MessageKey } from './messages.js';

/** The manual's receipt types (审核 and 审结 stand for the same CHANNELs J, G) with their English names. */
export const RECEIPT_TYPES = ['接单', '海关入库', '审核', '查验通知', '放行', '结关', '退单'] as const;
const RECEIPT_TYPES_EN: Record<string, string> = {
  接单: 'accepted',
  海关入库: 'entered',
  审核: 'reviewed',
  查验通知: 'inspection',
  放行: 'released',
  结关: 'cleared',
  退单: 'refused',
};

/** A receipt type (or a CHANNEL code) as the language names it. */
export function receiptTypeText(lang: Lang, type: string): string {
  if (lang === 'zh') return type;
  return RECEIPT_TYPES_EN[type] ?? (CHANNELS[type] ? `${type} ${CHANNELS[type].en}` : type);
}

const ATTEMPT_OUTCOMES: Record<string, MessageKey> = {
  queued: 'push.outcome.queued',
  taken: 'push.outcome.taken',
  delivered: 'push.outcome.delivered',
  failed: 'push.outcome.failed',
  held: 'push.outcome.held',
  received: 'push.outcome.received',
};

/** A push attempt's outcome (the push log's and a webhook's delivery log) in the console's words; one it does not know, as sent. */
export function attemptOutcomeText(t: Translate, outcome: string): string {
  const key = ATTEMPT_OUTCOMES[outcome];
  return key ? t(key) : outcome;
}

export function declarationContent(lang: Lang, s: Pick<DeclarationSubscription, 'content' | 'declarationData' | 'receiptTypes'>): string {
  if (lang === 'zh') return s.content;
  const parts: string[] = [];
  if (s.declarationData) parts.push('declaration data');
  if (s.receiptTypes.length) parts.push(`status receipts [${s.receiptTypes.map((r) => receiptTypeText(lang, r)).join(', ')}]`);
  return parts.join('; ');
}

export function receiptContent(
  lang: Lang,
  s: Pick<ReceiptSubscription, 'content' | 'mode' | 'documentNo' | 'enterpriseCode' | 'operatorCode'>,
): string {
  if (lang === 'zh') return s.content;
  if (s.mode === 'document') return `status receipts of declaration ${s.documentNo ?? ''}`;
  if (s.mode === 'enterprise') return `status receipts of every declaration of enterprise ${s.enterpriseCode}`;
  return `status receipts of the declarations entered by ${s.operatorCode}`;
}

export function manualContent(
  lang: Lang,
  s: Pick<ManualSubscription, 'content' | 'kind' | 'manualNo' | 'pushTypes' | 'imgRange' | 'exgRange'>,
): string {
  if (lang === 'zh') return s.content;
  if (s.kind === 'incremental') return `incremental manual data: manual ${s.manualNo}`;
  const range = (name: string, on: boolean, r: string | null) => (on ? ` ${name} [${r ?? 'all'}]` : '');
  return `stock manual data: manual ${s.manualNo}${range('materials', s.pushTypes.includes('img'), s.imgRange)}${range('products', s.pushTypes.includes('exg'), s.exgRange)}`;
}
