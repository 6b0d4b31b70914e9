/**
 * Customs sandbox for declarations: every accepted declaration lives the life customs gives it,
 * as DEC_RESULT receipts delivered to the sending client (`Receipt_<CUS_CIQ_NO>_<ts>.xml`).
 *
 * Paths (CHANNEL codes) come from the scenario (scenario.ts): normal `7 → L → J → P → R`; a
 * DecHead/NoteS containing `#查验` takes the inspection path `7 → L → C → P → R`; `#退单` ends in
 * refusal `7 → L → E`; `#退回修改` in `7 → L → Z`; `#删单` in `7 → L → D`. Receipts are scheduled
 * as jobs in the store in the same transaction as the acceptance, so a restart loses none. Each
 * receipt is also a business event: its pushes to the subscribers are written in the receipt's
 * transaction (core/push/matching.ts). The API can issue a chosen receipt on a chosen declaration.
 */
import {
  buildDecResult,
  channelInfo,
  chinaIsoSeconds,
  chinaYear,
  dxpMessageId,
  entryId,
  fileStamp,
  receiptName,
} from '@osw/messages';
import type { CustomsPort } from '../core/exchange/accept.js';
import { raiseDeclarationReceipt } from '../core/push/matching.js';
import type { DeclarationRow, SandboxJobRow, Store } from '../core/store.js';
import { DEFAULT_SCENARIO, firstRule, NORMAL_PATH, REFUSAL_PATH, type Scenario } from './scenario.js';

export { NORMAL_PATH, INSPECTION_PATH, REFUSAL_PATH, RETURN_PATH, DELETE_PATH } from './scenario.js';

export const DEC_RECEIPT_JOB = 'declaration-receipt';

/** The DXP id customs' declaration system sends from. */
export const CUSTOMS_SENDER_ID = 'DXPEDCDEC0000001';

export interface DeclarationSandboxOptions {
  /** time between two receipts of one declaration (a scenario's paceMs wins) */
  paceMs: number;
  scenario?: Scenario;
}

/** Chooses the path and pace by the declaration's content (the scenario rules). */
export function declarationPlan(xml: string, scenario: Scenario = DEFAULT_SCENARIO): { path: readonly string[]; paceMs?: number; rule?: string } {
  const rule = firstRule(scenario, 'declaration', xml);
  if (!rule) return { path: NORMAL_PATH };
  return { path: rule.path ?? REFUSAL_PATH, paceMs: rule.paceMs, rule: rule.name };
}

export function declarationPath(xml: string, scenario?: Scenario): readonly string[] {
  return declarationPlan(xml, scenario).path;
}

/** The NOTE customs writes with a receipt. */
export function receiptNote(channel: string, d: { seqNo: string }): string {
  switch (channel) {
    case '7':
      return `${d.seqNo},${d.seqNo}直接申报成功`;
    case 'L':
      return '海关入库成功';
    case 'C':
      return '查验通知：请联系现场海关办理查验手续';
    case 'P':
      return ';报关单放行';
    case 'E':
      return '退单：商品申报要素填制不规范，请核实后重新申报';
    case 'Z':
      return '退回修改：请核实商品规格型号及申报价格后重新申报';
    case 'D':
      return '海关删单';
    default:
      return channelInfo(channel)?.note ?? channelInfo(channel)?.name ?? '';
  }
}

/** What one receipt job did: the client to wake. */
export interface ReceiptIssued {
  clientId: string;
  fileName: string;
  /** pushes written for subscribers */
  pushes?: number;
}

export class DeclarationSandbox implements CustomsPort {
  constructor(private readonly options: DeclarationSandboxOptions) {}

  get scenario(): Scenario {
    return this.options.scenario ?? DEFAULT_SCENARIO;
  }

  async declarationAccepted(tx: Store, declaration: DeclarationRow, now: Date): Promise<void> {
    const plan = declarationPlan(declaration.xml, this.scenario);
    const pace = plan.paceMs ?? this.scenario.paceMs ?? this.options.paceMs;
    for (let i = 0; i < plan.path.length; i++) {
      const due = new Date(now.getTime() + (i + 1) * pace);
      await tx.insertSandboxJob({ kind: DEC_RECEIPT_JOB, documentKey: declaration.seqNo, payload: { channel: plan.path[i] }, dueAt: due.toISOString() });
    }
  }

  /** Runs one sandbox job of this sandbox inside the job's transaction. */
  runJob(tx: Store, job: SandboxJobRow, now: Date): Promise<ReceiptIssued | null> {
    if (job.kind === DEC_RECEIPT_JOB) return this.issueReceipt(tx, job, now);
    return Promise.resolve(null);
  }

  /** Issues one receipt: updates the declaration, keeps the receipt, queues it for the sender and pushes it to the subscribers. */
  async issueReceipt(tx: Store, job: Pick<SandboxJobRow, 'documentKey' | 'payload'>, now: Date): Promise<ReceiptIssued | null> {
    const d = await tx.getDeclaration(job.documentKey);
    if (!d) return null;
    const channel = job.payload.channel;
    let eid = d.entryId;
    if (!eid && channel !== '7') {
      const year = chinaYear(now);
      const customs = /^\d{4}$/.test(d.customMaster) ? d.customMaster : '0000';
      eid = entryId(customs, year, d.ieFlag === 'E' ? 'E' : 'I', await tx.nextSerial(`entryId:${customs}:${year}`));
    }
    const declared = chinaIsoSeconds(new Date(d.declaredAt));
    const note = job.payload.note || receiptNote(channel, d);
    const xml = buildDecResult({
      cusCiqNo: d.seqNo,
      entryId: channel === '7' ? '' : eid,
      noticeDate: chinaIsoSeconds(now),
      channel,
      note,
      customMaster: channel === '7' ? '' : d.customMaster,
      ieDate: channel === 'P' || channel === 'R' ? declared : '',
      dDate: channel === '7' ? '' : declared,
    });
    const stamp = fileStamp(now, await tx.nextSerial('fileStamp'));
    const fileName = receiptName(d.seqNo, stamp);
    await tx.updateDeclarationStatus(d.seqNo, channel, eid, now.toISOString());
    await tx.insertDeclarationReceipt({ seqNo: d.seqNo, channel, note, xml, createdAt: now.toISOString() });
    await tx.enqueueDelivery({ clientId: d.senderClientId, messageId: dxpMessageId(CUSTOMS_SENDER_ID, d.senderClientId, stamp), business: 'declaration', fileName, body: xml, createdAt: now.toISOString() });
    const pushes = await raiseDeclarationReceipt(tx, { ...d, channel, entryId: eid }, { channel, note, entryId: channel === '7' ? '' : eid, xml, at: now, fileName, stamp });
    return { clientId: d.senderClientId, fileName, pushes };
  }
}
