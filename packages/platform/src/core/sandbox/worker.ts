/** Runs due sandbox jobs (each in its own transaction, then wakes the receiving client) and approves due manual changes. */
import { startPeriodic } from '../periodic.js';
import type { PlatformDeps } from '../ports.js';
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
  approveDueManualChanges?(deps: Pick<PlatformDeps, 'store' | 'clock'>): Promise<number>;
}

export function startSandboxWorker(deps: PlatformDeps, sandbox: SandboxJobs, opts: { tickMs: number }): SandboxWorker {
  const retryAt = new Map<number, number>();
  const failures = new Map<number, number>();
  const log = deps.logger.child({ component: 'sandbox' });

  async function runDueOnce(): Promise<number> {
    let ran = 0;
    if (sandbox.approveDueManualChanges) {
      const approved = await sandbox.approveDueManualChanges(deps);
      if (approved) log.info({ approved }, 'manual change requests approved');
      ran += approved;
    }
    for (;;) {
      const now = deps.clock.now();
      const jobs = (await deps.store.sandbox.dueJobs(now.toISOString(), 20)).filter((j) => (retryAt.get(j.id) ?? 0) <= now.getTime());
      let progressed = false;
      for (const job of jobs) {
        let issued: IssuedReceipt | null = null;
        try {
          const outcome = await deps.store.transaction(async (tx) => {
            if (!(await tx.sandbox.completeJob(job.id, now.toISOString()))) return 'held elsewhere' as const;
            return { issued: await sandbox.runJob(tx, job, deps.clock.now()) };
          });
          if (outcome === 'held elsewhere') continue; // another instance has it
          issued = outcome.issued;
          retryAt.delete(job.id);
          progressed = true;
        } catch (err) {
          // one failing job must not hold up the others: it is tried again later, with backoff
          const tries = (failures.get(job.id) ?? 0) + 1;
          failures.set(job.id, tries);
          retryAt.set(job.id, now.getTime() + Math.min(60_000, 500 * 2 ** Math.min(tries - 1, 7)));
          log.error({ err, jobId: job.id, document: job.documentKey, tries }, 'sandbox job failed; it is tried again later');
          continue;
        }
        ran++;
        if (issued) {
          log.info({ clientId: issued.clientId, file: issued.fileName, pushes: issued.pushes }, 'receipt issued');
          deps.notifier.notify(issued.clientId);
        }
      }
      // nothing due, or only jobs another instance holds or that wait for a retry: done for this tick
      if (!progressed) return ran;
    }
  }

  const rounds = startPeriodic(runDueOnce, { tickMs: opts.tickMs, logger: log, what: 'sandbox round' });
  return { runDue: rounds.runNow, stop: rounds.stop };
}
