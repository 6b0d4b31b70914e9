/**
 * Customs sandbox for manifests (舱单): an accepted MT1101/MT2101/MT3101/MT4101 gets the customs
 * response `Manifest` (ns `…:MTRES4:1`, FunctionCode 11 通关回执) with StatementCode 01 海关接受申报, or 03
 * 海关退单 when a code is not in its code table (the reason names each field) or a scenario rule of family
 * `manifest` says `refuse`, as `Receipt_<MessageID>_<ts>.xml` to the sender.
 */
import { buildManifestResponse, checkManifestCodes, chinaCompactMillis, manifestStatementInfo, type ManifestHead } from '@osw/messages';
import type { AcceptedManifest } from '../exchange/accept.js';
import type { SandboxJobRow, Store } from '../store.js';
import { issueReceipt, type IssuedReceipt } from '../exchange/outbound.js';
import { firstRule, type Scenario } from './scenario.js';

export const MANIFEST_RESPONSE_JOB = 'manifest-response';
/** The DXP id customs' manifest system sends from. */
export const CUSTOMS_MANIFEST_SENDER_ID = 'DXPEDCMFT0000001';

export class ManifestSandbox {
  constructor(private readonly options: { paceMs: number; scenario: Scenario }) {}

  async manifestAccepted(tx: Store, m: AcceptedManifest, now: Date): Promise<void> {
    const rule = firstRule(this.options.scenario, 'manifest', m.xml);
    // codes against the customs code tables first, as at customs: a wrong one is refused whatever the scenario says
    const codes = checkManifestCodes(m.manifest);
    const refuse = codes.length > 0 || rule?.outcome === 'refuse';
    const pace = rule?.paceMs ?? this.options.scenario.paceMs ?? this.options.paceMs;
    await tx.sandbox.insertJobs([
      {
        kind: MANIFEST_RESPONSE_JOB,
        documentKey: m.manifest.head.MessageID ?? m.messageId,
        payload: {
          clientId: m.client.clientId,
          business: m.business,
          statementCode: refuse ? '03' : '01',
          headJson: JSON.stringify(m.manifest.head),
          ...(codes.length ? { reason: codes.map((p) => `${p.path} ${p.zh}`).join('；') } : {}),
        },
        dueAt: new Date(now.getTime() + pace).toISOString(),
        traceparent: m.traceparent ?? null,
      },
    ]);
  }

  async respond(tx: Store, job: SandboxJobRow, now: Date): Promise<IssuedReceipt> {
    const head = JSON.parse(job.payload.headJson) as ManifestHead;
    const code = job.payload.statementCode;
    const info = manifestStatementInfo(code);
    const xml = buildManifestResponse({
      head: {
        MessageID: head.MessageID,
        // 11 通关回执: customs answers with its own function code, whatever the manifest's was
        FunctionCode: '11',
        MessageType: head.MessageType,
        SenderID: 'EPORT',
        ReceiverID: head.SenderID,
        SendTime: chinaCompactMillis(now),
        Version: head.Version ?? '1.0',
      },
      responseType: { Code: code, Text: info?.zh },
      statementCode: code,
      statementDescription:
        code === '03' ? `${info?.zh ?? '海关退单'}：${job.payload.reason ?? '舱单数据与申报不符，请核实后重新发送'}` : info?.zh,
    });
    return issueReceipt(tx, {
      clientId: job.payload.clientId,
      business: job.payload.business,
      issuerId: CUSTOMS_MANIFEST_SENDER_ID,
      namedAfter: { document: job.documentKey },
      body: () => xml,
      at: now,
      traceparent: job.traceparent,
    });
  }
}
