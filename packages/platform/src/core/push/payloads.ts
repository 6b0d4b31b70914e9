/**
 * What each push carries: the file a client gets, the SMS text, the app/WeChat feed message and the
 * webhook JSON. Message ids are stable: they are fixed when the push is written and kept by every
 * retry and resend.
 */
import {
  buildSasPackage,
  channelInfo,
  chinaDateTime,
  manualDataTree,
  MANUAL_INCREMENTAL_TYPE,
  MANUAL_STOCK_TYPE,
  MODF_MARK,
  parseDecResult,
  sasEnvelope,
  type ManualData,
  type ManualItem,
} from '@osw/messages';
import { PUSH_SENDER_ID } from '../exchange/outbound.js';
import type { DeclarationRow, ManualItemRow, ManualRow } from '../store.js';

/** The status text of an SMS, the app and WeChat: 报关单号, status, time. */
export function receiptText(d: Pick<DeclarationRow, 'seqNo'>, r: { channel: string; entryId: string; at: Date }): string {
  const name = channelInfo(r.channel)?.name ?? r.channel;
  const no = r.entryId ? `报关单${r.entryId}(统一编号${d.seqNo})` : `报关单(统一编号${d.seqNo})`;
  return `【单一窗口】${no}状态：${name}，时间${chinaDateTime(r.at)}。`;
}

export interface ReceiptFacts {
  channel: string;
  note: string;
  entryId: string;
  xml: string;
  at: Date;
}

/** The webhook JSON: type, message id, time, the parsed receipt and the original XML. */
export function receiptWebhookBody(messageId: string, d: Pick<DeclarationRow, 'seqNo'>, r: ReceiptFacts): string {
  return JSON.stringify({
    type: 'declaration.receipt',
    messageId,
    timestamp: r.at.toISOString(),
    data: {
      seqNo: d.seqNo,
      entryId: r.entryId,
      channel: r.channel,
      channelName: channelInfo(r.channel)?.name ?? '',
      note: r.note,
      receipt: parseDecResult(r.xml),
      xml: r.xml,
    },
  });
}

export function declarationWebhookBody(messageId: string, d: DeclarationRow, at: Date): string {
  const { xml, ...facts } = d;
  return JSON.stringify({ type: 'declaration.data', messageId, timestamp: at.toISOString(), data: { ...facts, xml } });
}

export function manualWebhookBody(
  type: 'manual.change' | 'manual.stock',
  messageId: string,
  data: Record<string, unknown>,
  at: Date,
): string {
  return JSON.stringify({ type, messageId, timestamp: at.toISOString(), data });
}

export function feedBody(title: string, text: string, payload: Record<string, unknown>): string {
  return JSON.stringify({ title, text, payload });
}

/** Head fields of a manual in the NEMS vocabulary the push format uses. */
const HEAD_NAMES: Record<string, string> = {
  tradeCode: 'BizopEtpsno',
  tradeName: 'BizopEtpsNm',
  processingCode: 'RcvgdEtpsno',
  processingName: 'RcvgdEtpsNm',
  masterCustoms: 'MasterCuscd',
  manualType: 'EmsTypecd',
  validUntil: 'FinishValidDate',
};

export function manualHeadFields(head: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(head)) if (k !== 'manualNo') out[HEAD_NAMES[k] ?? k] = v;
  return out;
}

export function manualItem(i: ManualItemRow, mark: ManualItem['mark'] = MODF_MARK.unchanged): ManualItem {
  return {
    serial: i.serial,
    mark,
    fields: {
      GdsMtno: `${i.kind === 'img' ? 'M' : 'P'}-${String(i.serial).padStart(3, '0')}`,
      Gdecd: i.code,
      GdsNm: i.name,
      GdsSpcfModelDesc: i.model,
      DclUnitcd: i.unit,
      DclQty: i.quantity,
    },
  };
}

/** One OSWEMS01/OSWEMS02 Package; `part` fills PocketInfo (k of n) for split snapshots. */
export function manualDataXml(
  m: ManualData,
  e: { messageId: string; clientId: string; at: Date },
  part?: { pocketId: string; k: number; n: number },
): string {
  const type = m.kind === 'stock' ? MANUAL_STOCK_TYPE : MANUAL_INCREMENTAL_TYPE;
  return buildSasPackage({
    messageType: type,
    envelope: sasEnvelope({
      messageId: e.messageId,
      messageType: type,
      senderId: PUSH_SENDER_ID,
      receiverId: e.clientId,
      businessId: m.manualNo,
      fileName: `${e.messageId}.EMS`,
      at: e.at,
    }),
    pocket: part
      ? { pocket_id: part.pocketId, total_pocket_qty: String(part.n), cur_pocket_no: String(part.k), is_unstructured: '0' }
      : null,
    business: [manualDataTree(m)],
    packageAttrs: {},
    signature: null,
  });
}

export type { ManualRow };
