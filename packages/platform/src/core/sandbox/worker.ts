/**
 * Runs due sandbox jobs and approves due manual changes. The due jobs are taken in sets (one per
 * document: a document's next job is due only once its earlier one is committed) and run in one
 * transaction when the sandbox can (runJobs); a set that fails is run again job by job, each in its
 * own transaction, so one failing job holds up no other. Then the receiving clients are woken.
 * With tracing on, each job has a span (`osw.sandbox.job`), a child of the trace context stored with
 * the job by the import that planned it; the receipt it issues carries the job's span on.
 */
import { startPeriodic } from '../periodic.js';
import type { PlatformDeps, TraceSpan } from '../ports.js';
import type { SandboxJobRow, Store } from '../store.js';
import type { IssuedReceipt } from '../exchange/outbound.js';

export interface SandboxWorker {
  /** runs what is due now; resolves with how many jobs ran */
  runDue(): Promise<number>;
  stop(): Promise<void>;
}

/** What the worker needs of a sandbox: run one job; optionally approve due manual changes. */
export interface SandboxJobs {
  runJob(tx: Store, job: SandboxJobRow, now: Date): Promise<IssuedReceipt | null>;
  /** runs a set of jobs of distinct documents in one transaction; one result per job */
  runJobs?(tx: Store, jobs: readonly SandboxJobRow[], now: Date): Promise<(IssuedReceipt | null)[]>;
  approveDueManualChanges?(deps: Pick<PlatformDeps, 'store' | 'clock'>): Promise<number>;
}

/**
 * Due jobs taken per round: a round's set runs in one transaction with a few set statements, so a
 * burst of declarations costs a few rounds instead of one per 20 documents.
 */
const SET_SIZE = 200;

export function startSandboxWorker(deps: PlatformDeps, sandbox: SandboxJobs, opts: { tickMs: number }): SandboxWorker {
  const retryAt = new Map<number, number>();
  const failures = new Map<number, number>();
  const log = deps.logger.child({ component: 'sandbox' });
  /** a job's span (tracing on), a child of the trace its import stored with it */
  const jobSpan = (job: SandboxJobRow): TraceSpan =>
    deps.tracing!.start('osw.sandbox.job', {
      parent: job.traceparent,
      attributes: {
        'osw.job_id': job.id,
        'osw.job_kind': job.kind,
        'osw.document': job.documentKey,
        'osw.sandbox.step': job.payload.channel ?? job.payload.returnStatus ?? job.payload.messageType ?? job.payload.statementCode ?? '',
      },
    });
  /** what a job issued, on its span */
  const spanIssued = (span: TraceSpan, issued: IssuedReceipt | null) =>
    span.set(
      issued ? { 'osw.receipt': issued.fileName, 'osw.client_id': issued.clientId, 'osw.pushes': issued.pushes } : { 'osw.receipt': '' },
    );

  async function runDueOnce(): Promise<number> {
    let ran = 0;
    if (sandbox.approveDueManualChanges) {
      const approved = await sandbox.approveDueManualChanges(deps);
      if (approved) log.info({ approved }, 'manual change requests approved');
      ran += approved;
    }
    for (;;) {
      const now = deps.clock.now();
      const jobs = (await deps.store.sandbox.dueJobs(now.toISOString(), SET_SIZE)).filter((j) => (retryAt.get(j.id) ?? 0) <= now.getTime());
      let progressed = false;
      const wake = (issued: IssuedReceipt | null) => {
        if (!issued) return;
        log.info({ clientId: issued.clientId, file: issued.fileName, pushes: issued.pushes }, 'receipt issued');
        deps.notifier.notify(issued.clientId);
      };
      const set = sandbox.runJobs && jobs.length > 1 ? await runSet(firstPerDocument(jobs), now) : null;
      if (set) {
        for (const { job, issued } of set) {
          retryAt.delete(job.id);
          failures.delete(job.id);
          wake(issued);
        }
        ran += set.length;
        if (set.length) progressed = true;
      }
      for (const job of set ? [] : jobs) {
        let issued: IssuedReceipt | null = null;
        let span: TraceSpan | undefined;
        try {
          const outcome = await deps.store.transaction(async (tx) => {
            if (!(await tx.sandbox.completeJob(job.id, now.toISOString()))) return 'held elsewhere' as const;
            if (!deps.tracing) return { issued: await sandbox.runJob(tx, job, deps.clock.now()) };
            span = jobSpan(job);
            return { issued: await sandbox.runJob(tx, { ...job, traceparent: span.traceparent }, deps.clock.now()) };
          });
          if (outcome === 'held elsewhere') continue; // another instance has it
          issued = outcome.issued;
          if (span) spanIssued(span, issued);
          retryAt.delete(job.id);
          failures.delete(job.id);
          progressed = true;
        } catch (err) {
          // one failing job must not hold up the others: it is tried again later, with backoff
          const tries = (failures.get(job.id) ?? 0) + 1;
          failures.set(job.id, tries);
          retryAt.set(job.id, now.getTime() + Math.min(60_000, 500 * 2 ** Math.min(tries - 1, 7)));
          log.error({ err, jobId: job.id, document: job.documentKey, tries }, 'sandbox job failed; it is tried again later');
          span?.fail(err);
          continue;
        } finally {
          span?.end();
        }
        ran++;
        wake(issued);
      }
      // nothing due, or only jobs another instance holds or that wait for a retry: done for this tick
      if (!progressed) return ran;
    }
  }

  /** A set in one transaction: the jobs this instance claims, run together; null when the set failed (then each runs alone). */
  async function runSet(jobs: SandboxJobRow[], now: Date): Promise<{ job: SandboxJobRow; issued: IssuedReceipt | null }[] | null> {
    let spans: TraceSpan[] = [];
    try {
      const ran = await deps.store.transaction(async (tx) => {
        const claimed = new Set(
          await tx.sandbox.completeJobs(
            jobs.map((j) => j.id),
            now.toISOString(),
          ),
        );
        const mine = jobs.filter((j) => claimed.has(j.id)); // the others another instance has
        if (!mine.length) return [];
        // tracing on: each job's span, whose context the receipt it issues carries on
        spans = deps.tracing ? mine.map(jobSpan) : [];
        const run = deps.tracing ? mine.map((j, k) => ({ ...j, traceparent: spans[k].traceparent })) : mine;
        const issued = await sandbox.runJobs!(tx, run, deps.clock.now());
        return mine.map((job, k) => ({ job, issued: issued[k] }));
      });
      spans.forEach((span, k) => spanIssued(span, ran[k].issued));
      return ran;
    } catch (err) {
      for (const span of spans) span.fail(err);
      log.warn({ err, jobs: jobs.length }, 'a set of sandbox jobs failed; its jobs are run one by one');
      return null;
    } finally {
      for (const span of spans) span.end();
    }
  }

  const rounds = startPeriodic(runDueOnce, { tickMs: opts.tickMs, logger: log, what: 'sandbox round' });
  return { runDue: rounds.runNow, stop: rounds.stop };
}

/** The first job of each document (due jobs of one document never come together, but a set must not hold two). */
function firstPerDocument(jobs: readonly SandboxJobRow[]): SandboxJobRow[] {
  const seen = new Set<string>();
  return jobs.filter((j) => !seen.has(j.documentKey) && seen.add(j.documentKey));
}
