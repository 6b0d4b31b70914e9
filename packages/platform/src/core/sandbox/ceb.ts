/**
 * Customs sandbox for cross-border e-commerce (CEB, 跨境电商): after the e-port's answer (returnStatus 2
 * 电子口岸申报中, the import answer), an accepted declaration gets its receipts (CEB312 for a CEB311,
 * CEB622 for a CEB621, … ceb-receipts.ts in @osw/messages) one per step of its life: 120 海关入库, then
 * 399 海关审结 (800 放行 for a 清单; CEB513 has no 120). A 清单 gets its 清单编号 (invtNo) and a 入库明细单
 * its 入库单编号 (rkdNo) at 120. A scenario rule of family `ceb` chooses another path of returnStatus
 * codes, or with `refuse` one receipt with returnStatus -1 (处理异常回执) and its `reason`. Sections
 * sent with appStatus 1 (暂存) get nothing more. Receipts go to the sender, `Receipt_<message id>_<ts>.xml`.
 */
import crypto from 'node:crypto';
import {
  buildCeb,
  cebReceiptSpecOf,
  cebReturnKeys,
  cebReturnMessage,
  cebReturnWords,
  cebSectionSaved,
  chinaCompactMillis,
  chinaYear,
  type CebFields,
} from '@osw/messages';
import type { AcceptedCeb } from '../exchange/accept.js';
import type { SandboxJobRow, Store } from '../store.js';
import { issueReceipt, issueReceipts, type IssuedReceipt, type ReceiptIssued } from '../exchange/outbound.js';
import { CEB_REFUSAL_PATH, firstRule, type Scenario } from './scenario.js';

export const CEB_RECEIPT_JOB = 'ceb-receipt';
/** The DXP id customs' cross-border e-commerce system sends from (as a public mock of its DxpMsg writes it, docs/messages-manifest.md). */
export const CUSTOMS_CEB_SENDER_ID = 'DXPEDCCEB0000002';
/** returnInfo of a refusal when the scenario rule gives no reason. */
export const CEB_DEFAULT_REFUSAL_REASON = '订购人身份信息校验未通过';

/** 100 海关退单 and negative codes (处理异常回执) say why. */
const refuses = (status: string) => status === '100' || status.startsWith('-');

export class CebSandbox {
  constructor(private readonly options: { paceMs: number; scenario: Scenario }) {}

  async cebAccepted(tx: Store, c: AcceptedCeb, now: Date): Promise<void> {
    const declared = c.sections.map((s, i) => ({ s, preNo: c.preNos[i] })).filter(({ s }) => !cebSectionSaved(s));
    if (!declared.length) return; // 暂存 only: the e-port's 1 was the whole answer
    const rule = firstRule(this.options.scenario, 'ceb', c.xml);
    const path = rule?.path ?? (rule?.outcome === 'refuse' ? [...CEB_REFUSAL_PATH] : [...c.spec.life]);
    const pace = rule?.paceMs ?? this.options.scenario.paceMs ?? this.options.paceMs;
    // 清单编号 / 入库单编号: customs gives them at 120 (4位关区 + 4位年 + 进出口标记 + 9位流水号), one serial range per message
    const numbered = c.spec.customsNo && path.includes('120') ? c.spec.customsNo : undefined;
    const year = chinaYear(now);
    const first = numbered ? await tx.serials.nextMany(`ceb${numbered}:${year}`, declared.length) : 0;
    const rows = (withCustomsNo: boolean): CebFields[] =>
      declared.map(({ s, preNo }, i) => {
        const head = s.head ?? s.fields;
        const customs = /^\d{4}$/.test(head.customsCode ?? '') ? head.customsCode : '5300';
        const no = `${customs}${year}${head.ieFlag === 'E' ? 'E' : 'I'}${String(first + i).padStart(9, '0')}`;
        return cebReturnKeys(c.spec, s, numbered && withCustomsNo ? { preNo, [numbered]: no } : { preNo });
      });
    const at120 = path.indexOf('120');
    await tx.sandbox.insertJobs(
      path.map((returnStatus, i) => ({
        kind: CEB_RECEIPT_JOB,
        documentKey: `${c.client.clientId}:${c.messageId}`,
        payload: {
          clientId: c.client.clientId,
          business: c.business,
          messageType: c.spec.receipt,
          returnStatus,
          returnInfo: refuses(returnStatus)
            ? `${cebReturnWords(returnStatus)}：${rule?.reason ?? CEB_DEFAULT_REFUSAL_REASON}`
            : cebReturnWords(returnStatus),
          rowsJson: JSON.stringify(rows(at120 >= 0 && i >= at120)),
        },
        dueAt: new Date(now.getTime() + (i + 1) * pace).toISOString(),
        traceparent: c.traceparent ?? null,
      })),
    );
  }

  issue(tx: Store, job: SandboxJobRow, now: Date): Promise<IssuedReceipt> {
    return issueReceipt(tx, this.receipt(job, now));
  }

  /** A set of due jobs' receipts at once (one serial range, one insert into the delivery queues). */
  issueMany(tx: Store, jobs: readonly SandboxJobRow[], now: Date): Promise<IssuedReceipt[]> {
    return issueReceipts(
      tx,
      jobs.map((j) => this.receipt(j, now)),
    );
  }

  private receipt(job: SandboxJobRow, now: Date): ReceiptIssued {
    const j = job.payload;
    const spec = cebReceiptSpecOf(j.messageType);
    if (!spec) throw new Error(`not a CEB receipt type: ${j.messageType}`);
    const outcome = { returnStatus: j.returnStatus, returnTime: chinaCompactMillis(now), returnInfo: j.returnInfo };
    const xml = buildCeb(
      cebReturnMessage({
        spec,
        guid: crypto.randomUUID().toUpperCase(),
        rows: (JSON.parse(j.rowsJson) as CebFields[]).map((keys) => ({ keys, outcome })),
      }),
    );
    return {
      clientId: j.clientId,
      business: j.business,
      issuerId: CUSTOMS_CEB_SENDER_ID,
      namedAfter: 'message-id',
      body: () => xml,
      at: now,
      traceparent: job.traceparent,
    };
  }
}
