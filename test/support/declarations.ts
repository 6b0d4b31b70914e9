/** Declarations and their receipts for tests and benches that seed the store directly. */

/** A declaration row as the exchange stores an accepted import declaration (进口), for tests and benches that seed the store directly. */
import { buildDecMessage, buildDecResult, parseDecMessage } from '@osw/messages';
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
    icCode: /<ICCode>\s*([^<\s]+)/.exec(o.xml ?? '')?.[1] ?? '',
    typistNo: /<TypistNo>\s*([^<\s]+)/.exec(o.xml ?? '')?.[1] ?? '',
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

/**
 * A declaration of about `bytes` bytes made from `example`: under 4 KB the head's main fields, one
 * goods row and the signature block (padded with a comment); above, goods rows repeated.
 */
export function declarationOfSize(example: string, bytes: number): string {
  const m = parseDecMessage(example);
  if (bytes < 4096) {
    // a small declaration: the head's required fields, one goods row, the signature block
    const head = Object.fromEntries(
      [
        'IEFlag',
        'AgentCode',
        'AgentName',
        'CustomMaster',
        'IEPort',
        'OwnerCode',
        'OwnerName',
        'TradeCode',
        'TradeName',
        'TradeMode',
        'TrafMode',
        'GrossWet',
        'NetWt',
        'PackNo',
      ].map((k) => [k, m.head[k] ?? '']),
    );
    const list = Object.fromEntries(
      ['GNo', 'CodeTS', 'GName', 'GModel', 'GQty', 'GUnit', 'DeclPrice', 'DeclTotal', 'TradeCurr', 'OriginCountry'].map((k) => [
        k,
        m.lists[0].fields[k] ?? '',
      ]),
    );
    let xml = buildDecMessage({
      ...m,
      head,
      lists: [{ fields: list, goodsLimits: [] }],
      containers: [],
      licenses: [],
      copPromises: [],
      users: [],
      edocs: [],
      ecoRelations: [],
      freeText: null,
    });
    while (Buffer.byteLength(xml) < bytes)
      xml = xml.replace(
        '</DecMessage>',
        '<!-- padding ============================================================================== -->\n</DecMessage>',
      );
    return xml;
  }
  const rows = [];
  let xml = '';
  for (let i = 0; Buffer.byteLength(xml) < bytes; i++) {
    rows.push({ fields: { ...m.lists[i % m.lists.length].fields, GNo: String(i + 1) }, goodsLimits: [] });
    xml = buildDecMessage({ ...m, lists: rows });
  }
  return xml;
}
