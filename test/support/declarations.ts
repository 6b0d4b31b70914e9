/** Declarations and their receipts for tests and benches that seed the store directly. */

/** A declaration row as the exchange stores an accepted import declaration (进口), for tests and benches that seed the store directly. */
import { buildDecResult } from '@osw/messages';
import type { ReceiptToRaise } from '../../packages/platform/src/core/push/receipts.js';
import type { DeclarationRow } from '../../packages/platform/src/core/store.js';

export function declarationRow(o: {
  seqNo: string;
  /** what ClientSeqNo and the message id are made of (default: the SeqNo) */
  key?: string | number;
  senderClientId: string;
  /** the declaring broker (申报单位) */
  broker: string;
  /** the consignee (收发货人), also the trade code */
  owner: string;
  at: string;
  xml?: string;
}): DeclarationRow {
  const key = o.key ?? o.seqNo;
  return {
    seqNo: o.seqNo,
    clientSeqNo: `C${key}`,
    senderClientId: o.senderClientId,
    senderEnterprise: o.broker,
    tradeCode: o.owner,
    ownerCode: o.owner,
    agentCode: o.broker,
    ieFlag: 'I',
    customMaster: '5300',
    entryId: '',
    channel: '',
    messageId: `M${key}`,
    xml: o.xml ?? '<DecMessage/>',
    declaredAt: o.at,
    updatedAt: o.at,
  };
}

/** A plain receipt (DEC_RESULT) of a declaration on `channel`, named as the exchange names it, ready to raise. */
export function receiptFor(d: DeclarationRow, channel: string, at: Date, stamp: string): ReceiptToRaise {
  const xml = buildDecResult({
    cusCiqNo: d.seqNo,
    entryId: '',
    noticeDate: '',
    channel,
    note: '',
    customMaster: '5300',
    ieDate: '',
    dDate: '',
  });
  return { declaration: d, channel, note: '', entryId: '', xml, at, fileName: `Receipt_${d.seqNo}_${stamp}.xml`, stamp };
}
