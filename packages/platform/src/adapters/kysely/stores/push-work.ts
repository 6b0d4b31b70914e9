/** The push engine's work that is not a business event, on Kysely: stock requests and bulk resend jobs. */
import type { Selectable } from 'kysely';
import type { PushJobRow, PushJobStore, PushRequestRow, PushRequestStore } from '../../../core/push/store.js';
import type { Database } from '../schema.js';
import { claimRow, type SliceContext } from './common.js';

function jobRow(r: Selectable<Database['pushJobs']>): PushJobRow {
  const { filterJson, ...rest } = r;
  return {
    ...rest,
    id: Number(r.id),
    total: Number(r.total),
    doneCount: Number(r.doneCount),
    skippedCount: Number(r.skippedCount),
    filter: JSON.parse(filterJson),
  };
}

export class KyselyPushRequestStore implements PushRequestStore {
  constructor(private readonly ctx: SliceContext) {}

  private get db() {
    return this.ctx.db;
  }

  async insert(row: Omit<PushRequestRow, 'id' | 'doneAt'>): Promise<number> {
    const { payload, ...rest } = row;
    const r = await this.db
      .insertInto('pushRequests')
      .values({ ...rest, payloadJson: JSON.stringify(payload), doneAt: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.ctx.pushesDue?.raise();
    return Number(r.id);
  }
  async pending(limit: number): Promise<PushRequestRow[]> {
    const rows = await this.db.selectFrom('pushRequests').selectAll().where('doneAt', 'is', null).orderBy('id').limit(limit).execute();
    return rows.map(({ payloadJson, ...r }) => ({
      ...r,
      id: Number(r.id),
      subscriptionId: Number(r.subscriptionId),
      payload: JSON.parse(payloadJson),
    }));
  }
  async complete(id: number, at: string) {
    if (!(await claimRow(this.ctx, 'pushRequests', id))) return false;
    const r = await this.db
      .updateTable('pushRequests')
      .set({ doneAt: at })
      .where('id', '=', id)
      .where('doneAt', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

export class KyselyPushJobStore implements PushJobStore {
  constructor(private readonly ctx: SliceContext) {}

  private get db() {
    return this.ctx.db;
  }

  async insert(row: Omit<PushJobRow, 'id'>): Promise<number> {
    const { filter, ...rest } = row;
    const r = await this.db
      .insertInto('pushJobs')
      .values({ ...rest, filterJson: JSON.stringify(filter) })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.ctx.pushesDue?.raise();
    return Number(r.id);
  }
  async get(id: number) {
    const r = await this.db.selectFrom('pushJobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r && jobRow(r);
  }
  async running(limit: number) {
    const rows = await this.db.selectFrom('pushJobs').selectAll().where('status', '=', 'running').orderBy('id').limit(limit).execute();
    return rows.map(jobRow);
  }
  async update(
    id: number,
    change: Partial<Pick<PushJobRow, 'status' | 'total' | 'doneCount' | 'skippedCount' | 'finishedAt' | 'error' | 'filter'>>,
  ) {
    const { filter, ...rest } = change;
    await this.db
      .updateTable('pushJobs')
      .set({ ...rest, ...(filter ? { filterJson: JSON.stringify(filter) } : {}) })
      .where('id', '=', id)
      .execute();
  }
}
