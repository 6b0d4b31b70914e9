/** The customs sandbox's jobs and manual change requests on Kysely. */
import type { Selectable } from 'kysely';
import type { ListQuery } from '../../../core/paging.js';
import type { ManualChangeRow, SandboxJobRow, SandboxStore } from '../../../core/sandbox/store.js';
import type { Database } from '../schema.js';
import { claimRow, createdRange, paged, type SliceContext } from './common.js';

function manualChangeRow(r: Selectable<Database['manualChanges']>): ManualChangeRow {
  const { changeJson, autoApprove, ...rest } = r;
  return {
    ...rest,
    id: Number(r.id),
    autoApprove: Number(autoApprove) === 1,
    version: r.version == null ? null : Number(r.version),
    change: JSON.parse(changeJson),
  };
}

export class KyselySandboxStore implements SandboxStore {
  constructor(private readonly ctx: SliceContext) {}

  private get db() {
    return this.ctx.db;
  }

  async insertJobs(rows: readonly Omit<SandboxJobRow, 'id'>[]): Promise<number[]> {
    if (!rows.length) return [];
    const r = await this.db
      .insertInto('sandboxJobs')
      .values(
        rows.map((j) => ({
          kind: j.kind,
          documentKey: j.documentKey,
          payloadJson: JSON.stringify(j.payload),
          dueAt: j.dueAt,
          traceparent: j.traceparent ?? null,
        })),
      )
      .returning('id')
      .execute();
    return r.map((x) => Number(x.id));
  }
  async dueJobs(now: string, limit: number): Promise<SandboxJobRow[]> {
    // one document's jobs run strictly in order: a job waits while an earlier one of its document is
    // open (or being run, uncommitted, by another instance), so receipts never overtake each other
    const rows = await this.db
      .selectFrom('sandboxJobs as j')
      .selectAll('j')
      .where('j.doneAt', 'is', null)
      .where('j.dueAt', '<=', now)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('sandboxJobs as e')
              .select('e.id')
              .whereRef('e.documentKey', '=', 'j.documentKey')
              .where('e.doneAt', 'is', null)
              .where((eb) =>
                eb.or([
                  eb('e.dueAt', '<', eb.ref('j.dueAt')),
                  eb.and([eb('e.dueAt', '=', eb.ref('j.dueAt')), eb('e.id', '<', eb.ref('j.id'))]),
                ]),
              ),
          ),
        ),
      )
      .orderBy('j.dueAt')
      .orderBy('j.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      documentKey: r.documentKey,
      payload: JSON.parse(r.payloadJson),
      dueAt: r.dueAt,
      traceparent: r.traceparent ?? null,
    }));
  }
  async completeJob(id: number, at: string): Promise<boolean> {
    if (!(await claimRow(this.ctx, 'sandboxJobs', id))) return false;
    const r = await this.db
      .updateTable('sandboxJobs')
      .set({ doneAt: at })
      .where('id', '=', id)
      .where('doneAt', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async completeJobs(ids: readonly number[], at: string): Promise<number[]> {
    if (!ids.length) return [];
    let mine = [...ids];
    if (this.ctx.caps.forUpdateSkipLocked) {
      // as claimRow, for the set: rows another instance holds are skipped at once
      const locked = await this.db
        .selectFrom('sandboxJobs')
        .select('id')
        .where('id', 'in', mine)
        .where('doneAt', 'is', null)
        .orderBy('id')
        .forUpdate()
        .skipLocked()
        .execute();
      const held = new Set(locked.map((r) => Number(r.id)));
      mine = mine.filter((id) => held.has(id));
      if (!mine.length) return [];
    }
    const done = await this.db
      .updateTable('sandboxJobs')
      .set({ doneAt: at })
      .where('id', 'in', mine)
      .where('doneAt', 'is', null)
      .returning('id')
      .execute();
    const completed = new Set(done.map((r) => Number(r.id)));
    return ids.filter((id) => completed.has(id));
  }

  async insertManualChange(row: Omit<ManualChangeRow, 'id'>): Promise<number> {
    const { change, autoApprove, ...rest } = row;
    const r = await this.db
      .insertInto('manualChanges')
      .values({ ...rest, autoApprove: autoApprove ? 1 : 0, changeJson: JSON.stringify(change) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async getManualChange(id: number) {
    const r = await this.db.selectFrom('manualChanges').selectAll().where('id', '=', id).executeTakeFirst();
    return r && manualChangeRow(r);
  }
  listManualChanges(manualNo: string, q: ListQuery) {
    const base = this.db.selectFrom('manualChanges').where('manualNo', '=', manualNo);
    return paged(
      createdRange(base, q, 'requestedAt'),
      q,
      (qb) => qb.selectAll().orderBy('requestedAt', 'desc').orderBy('id', 'desc'),
      manualChangeRow,
    );
  }
  async dueManualChanges(requestedBefore: string, limit: number) {
    const rows = await this.db
      .selectFrom('manualChanges')
      .selectAll()
      .where('status', '=', 'pending')
      .where('requestedAt', '<=', requestedBefore)
      .where('autoApprove', '=', 1)
      .orderBy('requestedAt')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(manualChangeRow);
  }
  async approveManualChange(id: number, version: number, at: string) {
    const r = await this.db
      .updateTable('manualChanges')
      .set({ status: 'approved', version, decidedAt: at })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
