/**
 * 重发已推送数据: resend chosen pushes, or every push matching a filter as a background job with
 * progress. A resend keeps the message id (receivers drop what they already have), sets 重发标识 and
 * 重发时间, and puts the push back in line; a push whose payload the retention period dropped cannot
 * be resent and is reported as skipped.
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { notFound } from '../problem.js';
import type { PlatformDeps } from '../ports.js';
import type { PushJobRow, PushQuery, PushRow, Store } from '../store.js';

type Deps = Pick<PlatformDeps, 'store' | 'clock'>;

export type PushFilter = Omit<PushQuery, 'offset' | 'limit' | 'enterpriseCode' | 'idAfter' | 'idAtMost'>;

/** Largest id list one resend call takes; bigger sets go through a filter job. */
export const RESEND_IDS_MAX = 1000;
const JOB_CHUNK = 500;

export async function resendPushes(
  deps: Deps,
  actor: Actor,
  ids: readonly number[],
): Promise<{ resent: number[]; skipped: { id: number; reason: string }[] }> {
  const at = deps.clock.now().toISOString();
  const pushes: PushRow[] = [];
  for (const id of new Set(ids)) {
    const p = await deps.store.pushes.get(id);
    if (!p || p.enterpriseCode !== actor.enterpriseCode) throw notFound('推送记录', 'push', id);
    pushes.push(p);
  }
  return deps.store.transaction(async (tx) => {
    const marked = new Set(
      await tx.pushes.markResent(
        pushes.map((p) => p.id),
        at,
      ),
    );
    const resent = pushes.filter((p) => marked.has(p.id)).map((p) => p.id);
    const skipped = pushes
      .filter((p) => !marked.has(p.id))
      .map((p) => ({ id: p.id, reason: '报文已超过保存期限，无法重发 (the payload is past its retention period)' }));
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'push.resend',
      entity: 'push',
      entityId: resent.join(',') || '-',
      before: null,
      after: { resent, skipped },
    });
    return { resent, skipped };
  });
}

/** Starts a bulk resend: a job over every push of the enterprise matching the filter now. */
export async function startBulkResend(deps: Deps, actor: Actor, filter: PushFilter): Promise<PushJobRow> {
  const at = deps.clock.now().toISOString();
  const base = { ...filter, enterpriseCode: actor.enterpriseCode };
  const page = await deps.store.pushes.list({ ...base, offset: 0, limit: 1 });
  const newest = page.rows[0]?.id ?? 0;
  const snapshot = { ...filter, idAtMost: newest, idAfter: 0 };
  return deps.store.transaction(async (tx) => {
    const row: Omit<PushJobRow, 'id'> = {
      enterpriseCode: actor.enterpriseCode,
      kind: 'resend',
      filter: snapshot,
      status: page.total ? 'running' : 'done',
      total: page.total,
      doneCount: 0,
      skippedCount: 0,
      createdAt: at,
      finishedAt: page.total ? null : at,
      error: null,
    };
    const id = await tx.pushJobs.insert(row);
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'push.resend.bulk',
      entity: 'push-job',
      entityId: String(id),
      before: null,
      after: row,
    });
    return { id, ...row };
  });
}

/** Moves running jobs on by one chunk each; the cursor (`idAfter`) is saved with the progress. */
export async function runResendJobs(deps: Deps): Promise<number> {
  let moved = 0;
  for (const job of await deps.store.pushJobs.running(5)) {
    const f = job.filter as PushFilter & { idAfter: number; idAtMost: number };
    try {
      const ids = await deps.store.pushes.ids({ ...f, enterpriseCode: job.enterpriseCode }, JOB_CHUNK);
      const at = deps.clock.now().toISOString();
      await deps.store.transaction(async (tx) => {
        const done = (await tx.pushes.markResent(ids, at)).length;
        const skipped = ids.length - done;
        const finished = ids.length < JOB_CHUNK;
        await tx.pushJobs.update(job.id, {
          doneCount: job.doneCount + done,
          skippedCount: job.skippedCount + skipped,
          filter: { ...f, idAfter: ids.length ? ids[ids.length - 1] : f.idAfter },
          ...(finished ? { status: 'done', finishedAt: at } : {}),
        });
      });
      moved++;
    } catch (err) {
      await deps.store.pushJobs.update(job.id, {
        status: 'failed',
        error: (err as Error).message,
        finishedAt: deps.clock.now().toISOString(),
      });
    }
  }
  return moved;
}

export async function pushJobOf(store: Store, enterpriseCode: string, id: number): Promise<PushJobRow> {
  const job = await store.pushJobs.get(id);
  if (!job || job.enterpriseCode !== enterpriseCode) throw notFound('任务', 'job', id);
  return job;
}
