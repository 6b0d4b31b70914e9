/**
 * Customs sandbox for 金关二期: an accepted INV101 (核注清单) gets INV201 (审批回执) and then INV202
 * (生成报关单回执); an accepted SAS121 (核放单) gets SAS221 (审批回执) and then SAS223 (过卡回执). A
 * scenario rule of family `sas` with `refuse` makes INV201/SAS221 a 退单 (manageResult 2) and ends
 * there. Receipts are bare `Package`s to the sender, `Receipt_<message_id>_<ts>.xml`.
 */
import {
  buildSasReceipt,
  chinaDateTime,
  chinaYear,
  declarationSeqNo,
  findInBusiness,
  leafRecord,
  sas121Head,
  sasEnvelope,
} from '@osw/messages';
import type { AcceptedPackage } from '../exchange/accept.js';
import type { SandboxJobRow, Store } from '../store.js';
import { issueReceipt, type IssuedReceipt } from '../exchange/outbound.js';
import { firstRule, type Scenario } from './scenario.js';

export const SAS_RECEIPT_JOB = 'sas-receipt';
/** The DXP ids the 金关二期 systems send from. */
export const CUSTOMS_INVT_SENDER_ID = 'DXPEDCINVT000001';
export const CUSTOMS_SAS_SENDER_ID = 'DXPEDCSAS0000001';

export class SasSandbox {
  constructor(private readonly options: { paceMs: number; scenario: Scenario }) {}

  async packageAccepted(tx: Store, p: AcceptedPackage, now: Date): Promise<void> {
    const rule = firstRule(this.options.scenario, 'sas', p.xml);
    const refuse = rule?.outcome === 'refuse';
    const pace = rule?.paceMs ?? this.options.scenario.paceMs ?? this.options.paceMs;
    const inv = p.messageType === 'INV101';
    const head = leafRecord(inv ? findInBusiness(p.pkg, 'InvtHeadType') : sas121Head(p.pkg)?.head);
    const customs = (inv ? head.DclPlcCuscd : head.MasterCuscd) || '5300';
    const ie = (inv ? head.ImpexpMarkcd : head.IoTypecd) === 'E' ? 'E' : 'I';
    const year = chinaYear(now);
    const serial = await tx.serials.next(`${inv ? 'bondInvtNo' : 'passportNo'}:${year}`);
    const day = chinaDateTime(now).slice(2, 10).replaceAll('-', '');
    const documentNo = inv
      ? `QD${customs}${String(year).slice(2)}${ie}${String(serial).padStart(9, '0')}`
      : `Z${customs}${ie}${day}${String(serial).padStart(12, '0')}`;
    const steps = inv ? (refuse ? ['INV201'] : ['INV201', 'INV202']) : refuse ? ['SAS221'] : ['SAS221', 'SAS223'];
    const common = {
      clientId: p.client.clientId,
      business: p.business,
      seqNo: p.seqNo,
      documentNo,
      result: refuse ? '2' : '1',
      headJson: JSON.stringify(head),
      customs,
      ie,
    };
    await tx.sandbox.insertJobs(
      steps.map((messageType, i) => ({
        kind: SAS_RECEIPT_JOB,
        documentKey: p.seqNo,
        payload: { ...common, messageType },
        dueAt: new Date(now.getTime() + (i + 1) * pace).toISOString(),
        traceparent: p.traceparent ?? null,
      })),
    );
  }

  async issue(tx: Store, job: SandboxJobRow, now: Date): Promise<IssuedReceipt> {
    const j = job.payload;
    const head = JSON.parse(j.headJson) as Record<string, string>;
    const when = chinaDateTime(now);
    const refused = j.result === '2';
    const rmk = refused ? '退单：表体商品信息与账册备案不符，请核实后重新申报' : '';
    const appr = {
      etpsPreentNo: j.seqNo,
      businessId: j.documentNo,
      tmsCnt: '0',
      typecd: '1',
      manageResult: j.result,
      manageDate: when,
      rmk,
    };
    let sections: { name: string; fields: Record<string, string> }[];
    switch (j.messageType) {
      case 'INV201':
        sections = [
          { name: 'HdeApprResult', fields: appr },
          {
            name: 'BondInvtBsc',
            fields: {
              bondInvtNo: j.documentNo,
              chgTmsCnt: '0',
              invtPreentNo: j.seqNo,
              putrecNo: head.PutrecNo ?? '',
              etpsInnerInvtNo: head.EtpsInnerInvtNo ?? '',
              bizopEtpsno: head.BizopEtpsno ?? '',
              bizopEtpsNm: head.BizopEtpsNm ?? '',
              dclPlcCuscd: j.customs,
              impexpMarkcd: j.ie,
              invtDclTime: when,
              vrfdedMarkcd: refused ? '0' : '1',
              invtStucd: refused ? '2' : '0',
              rmk,
            },
          },
        ];
        break;
      case 'INV202':
        sections = [
          {
            name: 'InvApprResult',
            fields: {
              invPreentNo: j.seqNo,
              businessId: j.documentNo,
              entrySeqNo: declarationSeqNo(chinaYear(now), await tx.serials.next(`seqNo:${chinaYear(now)}`)),
              manageResult: '1',
              createDate: when,
              reason: '',
            },
          },
        ];
        break;
      default:
        sections = [
          { name: 'HdeApprResult', fields: { ...appr, typecd: '' } },
          {
            name: 'SasPassportBsc',
            fields: {
              passportNo: j.documentNo,
              chgTmsCnt: '0',
              sasPassportPreentNo: j.seqNo,
              etpsPreentNo: head.EtpsPreentNo ?? '',
              ioTypecd: j.ie,
              masterCuscd: j.customs,
              stucd: j.messageType === 'SAS223' ? '3' : refused ? '2' : '1',
              rmk,
            },
          },
        ];
    }
    const sender = j.messageType.startsWith('INV') ? CUSTOMS_INVT_SENDER_ID : CUSTOMS_SAS_SENDER_ID;
    return issueReceipt(tx, {
      clientId: j.clientId,
      business: j.business,
      issuerId: sender,
      namedAfter: 'message-id',
      body: ({ messageId, stamp }) =>
        buildSasReceipt(
          {
            messageType: j.messageType,
            envelope: sasEnvelope({
              messageId,
              messageType: j.messageType,
              senderId: sender,
              receiverId: j.clientId,
              businessId: j.documentNo,
              fileName: `${messageId}.${j.messageType.slice(0, 3)}`,
              at: now,
            }),
            sections,
          },
          { pocketId: `${j.documentNo}-${stamp}` },
        ),
      at: now,
      traceparent: job.traceparent,
    });
  }
}
