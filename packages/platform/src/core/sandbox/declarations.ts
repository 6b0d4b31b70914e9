/**
 * Customs sandbox for declarations: every accepted declaration lives the life customs gives it,
 * as DEC_RESULT receipts issued for the sending client (the exchange's outbound road names them
 * `Receipt_<CUS_CIQ_NO>_<ts>.xml`, queues them and pushes them to the subscribers).
 *
 * Paths (CHANNEL codes) come from the scenario (scenario.ts): normal `7 → L → J → P → R`; a
 * DecHead/NoteS containing `#查验` takes the inspection path `7 → L → C → P → R`; `#退单` ends in
 * refusal `7 → L → E`; `#退回修改` in `7 → L → Z`; `#删单` in `7 → L → D`. Receipts are scheduled
 * as jobs in the store in the same transaction as the acceptance, so a restart loses none. Each
 * receipt is also a business event: its pushes to the subscribers are written in the receipt's
 * transaction (core/exchange/outbound.ts). The API can issue a chosen receipt on a chosen declaration.
 */
import { buildDecResult, channelInfo, chinaIsoSeconds, chinaYear, entryId } from '@osw/messages';
import type { CustomsPort } from '../exchange/accept.js';
import type { AcceptedDeclaration } from '../push/matching.js';
import { issueReceipts, type IssuedReceipt, type ReceiptIssued } from '../exchange/outbound.js';
import type { DeclarationFacts, DeclarationReceiptRow, DeclarationRow, DeclarationStatus, SandboxJobRow, Store } from '../store.js';
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
export function declarationPlan(
  xml: string,
  scenario: Scenario = DEFAULT_SCENARIO,
): { path: readonly string[]; paceMs?: number; rule?: string } {
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

export class DeclarationSandbox implements CustomsPort {
  constructor(private readonly options: DeclarationSandboxOptions) {}

  get scenario(): Scenario {
    return this.options.scenario ?? DEFAULT_SCENARIO;
  }

  async declarationAccepted(tx: Store, declaration: DeclarationRow, now: Date): Promise<void> {
    await this.declarationsAccepted(tx, [{ declaration, now }]);
  }

  /** Plans the receipts of accepted declarations: their jobs written with one insert. */
  async declarationsAccepted(tx: Store, accepted: readonly AcceptedDeclaration[]): Promise<void> {
    await tx.sandbox.insertJobs(
      accepted.flatMap(({ declaration, now, traceparent }) => {
        const plan = declarationPlan(declaration.xml, this.scenario);
        const pace = plan.paceMs ?? this.scenario.paceMs ?? this.options.paceMs;
        return plan.path.map((channel, i) => ({
          kind: DEC_RECEIPT_JOB,
          documentKey: declaration.seqNo,
          payload: { channel },
          dueAt: new Date(now.getTime() + (i + 1) * pace).toISOString(),
          traceparent: traceparent ?? null,
        }));
      }),
    );
  }

  /** Runs one sandbox job of this sandbox inside the job's transaction. */
  runJob(tx: Store, job: SandboxJobRow, now: Date): Promise<IssuedReceipt | null> {
    if (job.kind === DEC_RECEIPT_JOB) return this.issueReceipt(tx, job, now);
    return Promise.resolve(null);
  }

  /** Runs a set of this sandbox's jobs (one per document) inside one transaction: the receipts issued as a batch. */
  async runJobs(tx: Store, jobs: readonly SandboxJobRow[], now: Date): Promise<(IssuedReceipt | null)[]> {
    const receipts = jobs.filter((j) => j.kind === DEC_RECEIPT_JOB);
    const issued = await this.issueReceipts(tx, receipts, now);
    return jobs.map((j) => (j.kind === DEC_RECEIPT_JOB ? issued[receipts.indexOf(j)] : null));
  }

  /** Issues one receipt: updates the declaration, keeps the receipt, and hands it to the outbound road (sender and subscribers). */
  async issueReceipt(
    tx: Store,
    job: Pick<SandboxJobRow, 'documentKey' | 'payload' | 'traceparent'>,
    now: Date,
  ): Promise<IssuedReceipt | null> {
    return (await this.issueReceipts(tx, [job], now))[0];
  }

  /**
   * Issues receipts of several declarations at once (one job per document: a document's receipts
   * follow each other in later sets): new entry ids from one serial range per customs and year, the
   * receipts' file stamps from one range, and their pushes matched as a set (outbound issueReceipts).
   * Resolves with one result per job, null for a declaration that is gone.
   */
  async issueReceipts(
    tx: Store,
    jobs: readonly Pick<SandboxJobRow, 'documentKey' | 'payload' | 'traceparent'>[],
    now: Date,
  ): Promise<(IssuedReceipt | null)[]> {
    const found: { k: number; d: DeclarationFacts; channel: string; eid: string }[] = [];
    const rows = new Map((await tx.declarations.getMany(jobs.map((j) => j.documentKey))).map((d) => [d.seqNo, d]));
    for (const [k, job] of jobs.entries()) {
      const d = rows.get(job.documentKey);
      if (d) found.push({ k, d, channel: job.payload.channel, eid: d.entryId });
    }
    const year = chinaYear(now);
    const customsOf = (d: DeclarationFacts) => (/^\d{4}$/.test(d.customMaster) ? d.customMaster : '0000');
    const needing = found.filter((f) => !f.eid && f.channel !== '7');
    for (const customs of new Set(needing.map((f) => customsOf(f.d)))) {
      const mine = needing.filter((f) => customsOf(f.d) === customs);
      const first = await tx.serials.nextMany(`entryId:${customs}:${year}`, mine.length);
      mine.forEach((f, i) => (f.eid = entryId(customs, year, f.d.ieFlag === 'E' ? 'E' : 'I', first + i)));
    }
    const events: ReceiptIssued[] = [];
    const statuses: DeclarationStatus[] = [];
    const kept: DeclarationReceiptRow[] = [];
    for (const { k, d, channel, eid } of found) {
      const declared = chinaIsoSeconds(new Date(d.declaredAt));
      const note = jobs[k].payload.note || receiptNote(channel, d);
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
      statuses.push({ seqNo: d.seqNo, channel, entryId: eid, updatedAt: now.toISOString() });
      kept.push({ seqNo: d.seqNo, channel, note, xml, createdAt: now.toISOString() });
      events.push({
        clientId: d.senderClientId,
        business: 'declaration',
        issuerId: CUSTOMS_SENDER_ID,
        namedAfter: { document: d.seqNo },
        body: () => xml,
        at: now,
        declaration: { row: { ...d, channel, entryId: eid }, channel, note, entryId: channel === '7' ? '' : eid },
        traceparent: jobs[k].traceparent,
      });
    }
    await tx.declarations.updateStatuses(statuses);
    await tx.declarations.insertReceipts(kept);
    const issued = await issueReceipts(tx, events);
    const out: (IssuedReceipt | null)[] = jobs.map(() => null);
    found.forEach((f, i) => (out[f.k] = issued[i]));
    return out;
  }
}
