/**
 * The customs sandbox as one business system behind the exchange: declarations, manifests,
 * 金关二期, cross-border e-commerce (CEB) and processing-trade manuals, with one scenario. Its jobs run in the sandbox worker.
 */
import { channelInfo } from '@osw/messages';
import type { Actor } from '../audit/audit-log.js';
import type { AcceptedCeb, AcceptedManifest, AcceptedPackage, CustomsPort } from '../exchange/accept.js';
import type { AcceptedDeclaration } from '../push/matching.js';
import { notFound, problem } from '../problem.js';
import type { PlatformDeps } from '../ports.js';
import type { DeclarationRow, SandboxJobRow, Store } from '../store.js';
import type { IssuedReceipt } from '../exchange/outbound.js';
import { CEB_RECEIPT_JOB, CebSandbox } from './ceb.js';
import { DEC_RECEIPT_JOB, DeclarationSandbox } from './declarations.js';
import { approveManualChangeIn } from './manuals.js';
import { MANIFEST_RESPONSE_JOB, ManifestSandbox } from './manifests.js';
import { SAS_RECEIPT_JOB, SasSandbox } from './sas.js';
import { DEFAULT_SCENARIO, type Scenario } from './scenario.js';

export interface CustomsSandboxOptions {
  /** time between two receipts (a scenario's paceMs wins) */
  paceMs: number;
  /** a manual change request is approved this long after it was made (a scenario's manualApprovalMs wins) */
  manualApprovalMs?: number;
  scenario?: Scenario;
}

export class CustomsSandbox implements CustomsPort {
  readonly declarations: DeclarationSandbox;
  readonly manifests: ManifestSandbox;
  readonly packages: SasSandbox;
  readonly ceb: CebSandbox;
  readonly scenario: Scenario;
  readonly manualApprovalMs: number;

  constructor(opts: CustomsSandboxOptions) {
    this.scenario = opts.scenario ?? DEFAULT_SCENARIO;
    this.declarations = new DeclarationSandbox({ paceMs: opts.paceMs, scenario: this.scenario });
    this.manifests = new ManifestSandbox({ paceMs: opts.paceMs, scenario: this.scenario });
    this.packages = new SasSandbox({ paceMs: opts.paceMs, scenario: this.scenario });
    this.ceb = new CebSandbox({ paceMs: opts.paceMs, scenario: this.scenario });
    this.manualApprovalMs = this.scenario.manualApprovalMs ?? opts.manualApprovalMs ?? 5000;
  }

  declarationAccepted(tx: Store, d: DeclarationRow, now: Date): Promise<void> {
    return this.declarations.declarationAccepted(tx, d, now);
  }
  declarationsAccepted(tx: Store, accepted: readonly AcceptedDeclaration[]): Promise<void> {
    return this.declarations.declarationsAccepted(tx, accepted);
  }
  manifestAccepted(tx: Store, m: AcceptedManifest, now: Date): Promise<void> {
    return this.manifests.manifestAccepted(tx, m, now);
  }
  packageAccepted(tx: Store, p: AcceptedPackage, now: Date): Promise<void> {
    return this.packages.packageAccepted(tx, p, now);
  }
  cebAccepted(tx: Store, c: AcceptedCeb, now: Date): Promise<void> {
    return this.ceb.cebAccepted(tx, c, now);
  }

  runJob(tx: Store, job: SandboxJobRow, now: Date): Promise<IssuedReceipt | null> {
    if (job.kind === MANIFEST_RESPONSE_JOB) return this.manifests.respond(tx, job, now);
    if (job.kind === SAS_RECEIPT_JOB) return this.packages.issue(tx, job, now);
    if (job.kind === CEB_RECEIPT_JOB) return this.ceb.issue(tx, job, now);
    return this.declarations.runJob(tx, job, now);
  }

  /** Runs a set of due jobs (one per document) in one transaction: declarations' and CEB receipts as batches, the others one by one. */
  async runJobs(tx: Store, jobs: readonly SandboxJobRow[], now: Date): Promise<(IssuedReceipt | null)[]> {
    const out: (IssuedReceipt | null)[] = jobs.map(() => null);
    const receipts = jobs.filter((j) => j.kind === DEC_RECEIPT_JOB);
    const issued = await this.declarations.issueReceipts(tx, receipts, now);
    receipts.forEach((j, i) => (out[jobs.indexOf(j)] = issued[i]));
    const ceb = jobs.filter((j) => j.kind === CEB_RECEIPT_JOB);
    const cebIssued = ceb.length ? await this.ceb.issueMany(tx, ceb, now) : [];
    ceb.forEach((j, i) => (out[jobs.indexOf(j)] = cebIssued[i]));
    for (const [k, job] of jobs.entries())
      if (job.kind !== DEC_RECEIPT_JOB && job.kind !== CEB_RECEIPT_JOB) out[k] = await this.runJob(tx, job, now);
    return out;
  }

  /** Approves the change requests whose delay has passed; returns how many. */
  async approveDueManualChanges(deps: Pick<PlatformDeps, 'store' | 'clock'>): Promise<number> {
    const now = deps.clock.now();
    let n = 0;
    for (const ch of await deps.store.sandbox.dueManualChanges(new Date(now.getTime() - this.manualApprovalMs).toISOString(), 20)) {
      const done = await deps.store.transaction((tx) => approveManualChangeIn(tx, ch.id, now)).catch(() => null);
      if (done) n++;
    }
    return n;
  }
}

/** The API's "issue this receipt now" on a declaration the operator's enterprise is a party of. */
export async function issueChosenReceipt(
  deps: PlatformDeps,
  actor: Actor,
  seqNo: string,
  channel: string,
  note?: string,
): Promise<IssuedReceipt & { seqNo: string; channel: string }> {
  const d = await deps.store.declarations.findByNumber(seqNo);
  if (!d || ![d.senderEnterprise, d.tradeCode, d.ownerCode, d.agentCode].includes(actor.enterpriseCode))
    throw notFound('报关单', 'declaration', seqNo);
  if (!channelInfo(channel))
    throw problem('OSW_SANDBOX_CHANNEL_UNKNOWN', `未知的回执类型CHANNEL[${channel}]`, `unknown CHANNEL code ${channel}`);
  const sandbox = new DeclarationSandbox({ paceMs: 0 });
  const now = deps.clock.now();
  const issued = await deps.store.transaction((tx) =>
    sandbox.issueReceipt(tx, { documentKey: d.seqNo, payload: note ? { channel, note } : { channel } }, now),
  );
  if (!issued) throw notFound('报关单', 'declaration', seqNo);
  deps.notifier.notify(issued.clientId);
  return { ...issued, seqNo: d.seqNo, channel };
}
