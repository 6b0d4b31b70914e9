/**
 * Customs sandbox for manifests (舱单): an accepted MT1101/MT2101/MT3101/MT4101 gets the customs
 * response `Manifest` (ns `…:MTRES4:1`) with StatementCode 01 海关接受申报, or 03 海关退单 when a
 * scenario rule of family `manifest` says `refuse`, as `Receipt_<MessageID>_<ts>.xml` to the sender.
 */
import { buildManifestResponse, chinaCompactMillis, dxpMessageId, fileStamp, manifestStatementInfo, receiptName, type ManifestHead } from '@osw/messages';
import type { AcceptedManifest } from '../core/exchange/accept.js';
import type { SandboxJobRow, Store } from '../core/store.js';
import type { ReceiptIssued } from './declarations.js';
import { firstRule, type Scenario } from './scenario.js';

export const MANIFEST_RESPONSE_JOB = 'manifest-response';
/** The DXP id customs' manifest system sends from. */
export const CUSTOMS_MANIFEST_SENDER_ID = 'DXPEDCMFT0000001';

export class ManifestSandbox {
  constructor(private readonly options: { paceMs: number; scenario: Scenario }) {}

  async manifestAccepted(tx: Store, m: AcceptedManifest, now: Date): Promise<void> {
    const rule = firstRule(this.options.scenario, 'manifest', m.xml);
    const refuse = rule?.outcome === 'refuse';
    const pace = rule?.paceMs ?? this.options.scenario.paceMs ?? this.options.paceMs;
    await tx.insertSandboxJob({
      kind: MANIFEST_RESPONSE_JOB,
      documentKey: m.manifest.head.MessageID ?? m.messageId,
      payload: { clientId: m.client.clientId, business: m.business, statementCode: refuse ? '03' : '01', headJson: JSON.stringify(m.manifest.head) },
      dueAt: new Date(now.getTime() + pace).toISOString(),
    });
  }

  async respond(tx: Store, job: SandboxJobRow, now: Date): Promise<ReceiptIssued> {
    const head = JSON.parse(job.payload.headJson) as ManifestHead;
    const code = job.payload.statementCode;
    const info = manifestStatementInfo(code);
    const xml = buildManifestResponse({
      head: { MessageID: head.MessageID, FunctionCode: head.FunctionCode, MessageType: head.MessageType, SenderID: 'EPORT', ReceiverID: head.SenderID, SendTime: chinaCompactMillis(now), Version: head.Version ?? '1.0' },
      responseType: { Code: code, Text: info?.zh },
      statementCode: code,
      statementDescription: code === '03' ? `${info?.zh ?? '海关退单'}：舱单数据与申报不符，请核实后重新发送` : info?.zh,
    });
    const stamp = fileStamp(now, await tx.nextSerial('fileStamp'));
    const clientId = job.payload.clientId;
    const fileName = receiptName(job.documentKey, stamp);
    await tx.enqueueDelivery({ clientId, messageId: dxpMessageId(CUSTOMS_MANIFEST_SENDER_ID, clientId, stamp), business: job.payload.business, fileName, body: xml, createdAt: now.toISOString() });
    return { clientId, fileName };
  }
}
