/** The push log, its attempts, target health, stock requests and resend jobs on Kysely. */
import type { Selectable, SelectQueryBuilder } from 'kysely';
import type {
  ClientReceipt,
  NewPush,
  PushAttempt,
  PushAttemptRow,
  PushEventRow,
  PushQuery,
  PushRow,
  PushStatus,
  PushStore,
  PushTargetRow,
  StockPushCounts,
} from '../../../core/push/store.js';
import type { Database } from '../schema.js';
import { chunks, createdRange, inTransaction, paged, type Db, type SliceContext } from './common.js';

function pushRow(r: Selectable<Database['pushes']>): PushRow {
  return {
    ...r,
    id: Number(r.id),
    eventId: r.eventId == null ? null : Number(r.eventId),
    subscriptionId: Number(r.subscriptionId),
    attempts: Number(r.attempts),
    resent: Number(r.resent) === 1,
    resendCount: Number(r.resendCount),
  };
}

function targetRow(r: PushTargetRow): PushTargetRow {
  return { ...r, consecutiveFailures: Number(r.consecutiveFailures) };
}

/** The push log's filters as SQL conditions. */
function pushFilter<O>(
  qb: SelectQueryBuilder<Database, 'pushes', O>,
  q: Omit<PushQuery, 'offset' | 'limit'>,
): SelectQueryBuilder<Database, 'pushes', O> {
  return qb
    .where('enterpriseCode', '=', q.enterpriseCode)
    .$if(!!q.manualNo, (r) => r.where('manualNo', '=', q.manualNo!))
    .$if(!!q.documentNo, (r) => r.where('documentNo', '=', q.documentNo!))
    .$if(!!q.clientId, (r) => r.where('clientId', '=', q.clientId!))
    .$if(!!q.messageId, (r) => r.where('messageId', '=', q.messageId!))
    .$if(q.subscriptionId !== undefined, (r) => r.where('subscriptionId', '=', q.subscriptionId!))
    .$if(!!q.subscriptionKind, (r) => r.where('subscriptionKind', '=', q.subscriptionKind!))
    .$if(!!q.status, (r) => r.where('status', '=', q.status!))
    .$if(!!q.targetKey, (r) => r.where('targetKey', '=', q.targetKey!))
    .$if(q.idAfter !== undefined, (r) => r.where('id', '>', q.idAfter!))
    .$if(q.idAtMost !== undefined, (r) => r.where('id', '<=', q.idAtMost!));
}

export class KyselyPushStore implements PushStore {
  constructor(private readonly ctx: SliceContext) {}

  private get db() {
    return this.ctx.db;
  }

  async deliveredSince(enterpriseCode: string, since: string, limit: number) {
    const rows = await this.db
      .selectFrom('pushes')
      .select(['clientId', 'createdAt', 'deliveredAt'])
      .where('enterpriseCode', '=', enterpriseCode)
      .where('method', '=', 'client')
      .where('status', '=', 'delivered')
      .where('deliveredAt', '>=', since)
      .orderBy('deliveredAt', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ clientId: r.clientId!, createdAt: r.createdAt, deliveredAt: r.deliveredAt! }));
  }

  async insertEvent(row: Omit<PushEventRow, 'id'>): Promise<number> {
    const { payload, ...rest } = row;
    const r = await this.db
      .insertInto('pushEvents')
      .values({ ...rest, payloadJson: JSON.stringify(payload) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async insertEvents(rows: readonly Omit<PushEventRow, 'id'>[]): Promise<number[]> {
    const ids: number[] = [];
    for (const part of chunks(rows, 500)) {
      const r = await this.db
        .insertInto('pushEvents')
        .values(part.map(({ payload, ...rest }) => ({ ...rest, payloadJson: JSON.stringify(payload) })))
        .returning('id')
        .execute();
      // one statement takes its ids in the order of its rows (gaps aside): sorted, they follow the rows
      ids.push(...r.map((x) => Number(x.id)).sort((a, b) => a - b));
    }
    return ids;
  }
  onDue(listener: () => void): () => void {
    return this.ctx.pushesDue?.listen(listener) ?? (() => undefined);
  }
  async insert(rows: readonly NewPush[]): Promise<void> {
    for (const part of chunks(rows, 400))
      await this.db
        .insertInto('pushes')
        .values(
          part.map((p) => ({
            ...p,
            status: 'pending' as const,
            attempts: 0,
            handedAt: null,
            deliveredAt: null,
            lastError: null,
            resent: 0,
            resentAt: null,
            clientOutcome: null,
            traceparent: p.traceparent ?? null,
          })),
        )
        .execute();
    if (rows.length) this.ctx.pushesDue?.raise();
  }
  async stockProgress(subscriptions: readonly { id: number; manualNo: string }[]): Promise<Map<number, StockPushCounts>> {
    const out = new Map<number, StockPushCounts>();
    if (!subscriptions.length) return out;
    const rows = await this.db
      .selectFrom('pushes')
      .select(['subscriptionId', 'status', (eb) => eb.fn.countAll().as('n')])
      .where('manualNo', 'in', [...new Set(subscriptions.map((s) => s.manualNo))])
      .where('source', '=', 'manual-stock')
      .where('method', '=', 'client')
      .where('subscriptionKind', '=', 'manual')
      .where(
        'subscriptionId',
        'in',
        subscriptions.map((s) => s.id),
      )
      .groupBy(['subscriptionId', 'status'])
      .execute();
    for (const r of rows) {
      const id = Number(r.subscriptionId);
      const c = out.get(id) ?? { total: 0, delivered: 0 };
      c.total += Number(r.n);
      if (r.status === 'delivered') c.delivered += Number(r.n);
      out.set(id, c);
    }
    return out;
  }
  async get(id: number) {
    const r = await this.db.selectFrom('pushes').selectAll().where('id', '=', id).executeTakeFirst();
    return r && pushRow(r);
  }
  list(q: PushQuery) {
    return paged(
      createdRange(pushFilter(this.db.selectFrom('pushes'), q), q, 'createdAt'),
      q,
      (qb) => qb.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc'),
      pushRow,
    );
  }
  async ids(q: Omit<PushQuery, 'offset' | 'limit'>, limit: number): Promise<number[]> {
    const qb = createdRange(pushFilter(this.db.selectFrom('pushes').select('id'), q), q, 'createdAt');
    const rows = await qb.orderBy('id').limit(limit).execute();
    return rows.map((r) => Number(r.id));
  }
  claimDue(now: string, leaseUntil: string, limit: number): Promise<PushRow[]> {
    return inTransaction(this.db, async (db) => {
      const candidates = await this.dueIn(db, now, limit);
      if (!candidates.length) return [];
      // another instance claimed some of them in between (engines without row locks): leave this round's to the lease
      const leased = await this.leaseIn(
        db,
        candidates.map((c) => c.id),
        now,
        leaseUntil,
      );
      if (leased.length !== candidates.length) return [];
      return candidates.map((c) => ({ ...c, nextAttemptAt: leaseUntil }));
    });
  }
  dueInTransaction(now: string, limit: number): Promise<PushRow[]> {
    if (!this.db.isTransaction) throw new Error('dueInTransaction needs the transaction that ends the pushes it returns');
    return this.dueIn(this.db, now, limit);
  }
  async lease(ids: readonly number[], now: string, leaseUntil: string): Promise<number[]> {
    return this.leaseIn(this.db, ids, now, leaseUntil);
  }
  /**
   * Due pushes, each the first not-handed one of its (target, order key). On PostgreSQL the select locks its
   * rows (FOR UPDATE SKIP LOCKED) until the transaction ends, so instances take different pushes.
   */
  private async dueIn(db: Db, now: string, limit: number): Promise<PushRow[]> {
    const rows = await db
      .selectFrom('pushes as p')
      .selectAll('p')
      .where('p.handedAt', 'is', null)
      .where('p.nextAttemptAt', '<=', now)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('pushes as e')
              .select('e.id')
              .whereRef('e.targetKey', '=', 'p.targetKey')
              .whereRef('e.orderKey', '=', 'p.orderKey')
              .where('e.handedAt', 'is', null)
              .whereRef('e.id', '<', 'p.id'),
          ),
        ),
      )
      .orderBy('p.nextAttemptAt')
      .orderBy('p.id')
      .limit(limit)
      .$if(this.ctx.caps.forUpdateSkipLocked, (qb) => qb.forUpdate().skipLocked())
      .execute();
    return rows.map(pushRow);
  }
  /** the conditional update that makes a claim exclusive on every engine: only pushes still due and not handed move */
  private async leaseIn(db: Db, ids: readonly number[], now: string, leaseUntil: string): Promise<number[]> {
    const out: number[] = [];
    for (const part of chunks(ids, 1000)) {
      const r = await db
        .updateTable('pushes')
        .set({ nextAttemptAt: leaseUntil })
        .where('id', 'in', part)
        .where('handedAt', 'is', null)
        .where('nextAttemptAt', '<=', now)
        .returning('id')
        .execute();
      out.push(...r.map((x) => Number(x.id)));
    }
    return out;
  }
  async recordAttempts(attempts: readonly PushAttempt[]): Promise<void> {
    if (!attempts.length) return;
    // pushes that end the same way (a batch handed over, delivered, held) change with one statement
    const groups = new Map<string, { change: PushAttempt['change']; ids: number[] }>();
    for (const { pushId, change } of attempts) {
      const key = JSON.stringify(change);
      const g = groups.get(key) ?? { change, ids: [] };
      if (!g.ids.length) groups.set(key, g);
      g.ids.push(pushId);
    }
    await inTransaction(this.db, async (db) => {
      for (const { change, ids } of groups.values()) {
        const { countAttempt, ...set } = change;
        for (const part of chunks(ids, 1000))
          await db
            .updateTable('pushes')
            .set((eb) => ({ ...set, ...(countAttempt ? { attempts: eb('attempts', '+', 1) } : {}) }))
            .where('id', 'in', part)
            .execute();
      }
      for (const part of chunks(attempts, 1000))
        await db
          .insertInto('pushAttempts')
          .values(part.map((a) => ({ pushId: a.pushId, ...a.attempt })))
          .execute();
    });
  }
  async listAttempts(pushId: number): Promise<PushAttemptRow[]> {
    const rows = await this.db.selectFrom('pushAttempts').selectAll().where('pushId', '=', pushId).orderBy('id').execute();
    return rows.map((r) => ({
      ...r,
      id: Number(r.id),
      pushId: Number(r.pushId),
      durationMs: Number(r.durationMs),
      resend: r.resend == null ? null : Number(r.resend),
    }));
  }
  async countClientTakes(clientId: string, messageIds: readonly string[], at: string): Promise<void> {
    if (!messageIds.length) return;
    const pushes = await this.db
      .updateTable('pushes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('clientId', '=', clientId)
      .where('messageId', 'in', [...messageIds])
      .returning('id')
      .execute();
    await this.attemptsOf(
      pushes.map((p) => p.id),
      at,
      'taken',
    );
  }
  async deliveredToClient(clientId: string, messages: readonly ClientReceipt[], at: string): Promise<void> {
    if (!messages.length) return;
    const byId = new Map(messages.map((m) => [m.messageId, m]));
    // the client said the same of most (written): one statement per outcome
    const groups = new Map<ClientReceipt['outcome'], string[]>();
    for (const m of byId.values()) {
      const g = groups.get(m.outcome) ?? [];
      if (!g.length) groups.set(m.outcome, g);
      g.push(m.messageId);
    }
    const changed: { id: number; messageId: string }[] = [];
    for (const [outcome, ids] of groups)
      for (const part of chunks(ids, 1000)) {
        const rows = await this.db
          .updateTable('pushes')
          .set({ status: 'delivered', deliveredAt: at, lastError: null, ...(outcome !== undefined ? { clientOutcome: outcome } : {}) })
          .where('clientId', '=', clientId)
          .where('messageId', 'in', part)
          .where('status', '<>', 'delivered')
          .returning(['id', 'messageId'])
          .execute();
        changed.push(...rows.map((r) => ({ id: Number(r.id), messageId: r.messageId })));
      }
    for (const part of chunks(changed, 1000))
      await this.db
        .insertInto('pushAttempts')
        .values(
          part.map(({ id, messageId }) => {
            const m = byId.get(messageId)!;
            return {
              pushId: id,
              at,
              outcome: 'delivered',
              error: null,
              durationMs: 0,
              ...(m.outcome != null ? { resend: m.resend ?? 0, clientOutcome: m.outcome } : {}),
            };
          }),
        )
        .execute();
    // a push delivered before (its acknowledgement lost, then the redelivery acknowledged): the client's word still counts
    if (changed.length < byId.size) {
      for (const c of changed) byId.delete(c.messageId);
      const said = [...byId.values()].filter((m) => m.outcome != null);
      if (said.length) await this.recordClientOutcomes(clientId, said, at);
    }
  }
  async recordClientOutcomes(clientId: string, reports: readonly ClientReceipt[], at: string): Promise<number> {
    const said = reports.filter((r) => r.outcome != null);
    if (!said.length) return 0;
    const pushes: { id: number; messageId: string; resendCount: number; clientOutcome: string | null }[] = [];
    for (const part of chunks([...new Set(said.map((r) => r.messageId))], 1000))
      pushes.push(
        ...(
          await this.db
            .selectFrom('pushes')
            .select(['id', 'messageId', 'resendCount', 'clientOutcome'])
            .where('clientId', '=', clientId)
            .where('messageId', 'in', part)
            .execute()
        ).map((p) => ({ ...p, id: Number(p.id), resendCount: Number(p.resendCount) })),
      );
    const byMessage = new Map(pushes.map((p) => [p.messageId, p]));
    const attempts: Omit<PushAttemptRow, 'id'>[] = [];
    // the push shows what the client did with its latest resend attempt; a redelivery dropped after it was written leaves it written
    const set = new Map<string, number[]>();
    for (const r of said) {
      const p = byMessage.get(r.messageId);
      if (!p) continue; // a receipt for the sender, not a push
      const resend = r.resend ?? 0;
      attempts.push({ pushId: p.id, at, outcome: 'received', error: null, durationMs: 0, resend, clientOutcome: r.outcome });
      if (resend !== p.resendCount || (p.clientOutcome === 'written' && r.outcome !== 'written')) continue;
      p.clientOutcome = r.outcome!;
      const ids = set.get(r.outcome!) ?? [];
      if (!ids.length) set.set(r.outcome!, ids);
      ids.push(p.id);
    }
    await inTransaction(this.db, async (db) => {
      for (const [outcome, ids] of set)
        for (const part of chunks(ids, 1000))
          await db
            .updateTable('pushes')
            .set({ clientOutcome: outcome as PushRow['clientOutcome'] })
            .where('id', 'in', part)
            .execute();
      for (const part of chunks(attempts, 1000)) await db.insertInto('pushAttempts').values(part).execute();
    });
    return attempts.length;
  }
  private async attemptsOf(ids: readonly (number | string | bigint)[], at: string, outcome: string): Promise<void> {
    for (const part of chunks(ids, 1000))
      await this.db
        .insertInto('pushAttempts')
        .values(part.map((pushId) => ({ pushId: Number(pushId), at, outcome, error: null, durationMs: 0 })))
        .execute();
  }
  async staleClientTargets(handedBefore: string, maxTakes: number): Promise<string[]> {
    // A handed client push stays 'pending' until its delivery is acknowledged (the acknowledgement marks it
    // delivered in the same transaction), so the pushes alone say which wait too long. The takes are counted
    // on the unacknowledged deliveries, each matched to its push through the unique message id. Two indexed
    // reads instead of a join whose plan, without fresh statistics, walked a client's whole queue per push.
    const rows = await this.db
      .selectFrom('pushes as p')
      .select('p.clientId')
      .where('p.method', '=', 'client')
      .where('p.status', '=', 'pending')
      .where('p.handedAt', 'is not', null)
      .where('p.handedAt', '<=', handedBefore)
      .union(
        this.db
          .selectFrom('deliveries as d')
          .select('d.clientId')
          .where('d.ackedAt', 'is', null)
          .where('d.attempts', '>=', maxTakes)
          .where(({ exists, selectFrom }) =>
            exists(
              selectFrom('pushes as q')
                .select('q.id')
                .whereRef('q.messageId', '=', 'd.messageId')
                .whereRef('q.clientId', '=', 'd.clientId')
                .where('q.method', '=', 'client')
                .where('q.status', '=', 'pending')
                .where('q.handedAt', 'is not', null),
            ),
          ),
      )
      .execute();
    return rows.map((r) => r.clientId).filter((c): c is string => !!c);
  }

  async getTarget(targetKey: string): Promise<PushTargetRow | undefined> {
    const r = await this.db.selectFrom('pushTargets').selectAll().where('targetKey', '=', targetKey).executeTakeFirst();
    return r && targetRow(r);
  }
  async getTargets(targetKeys: readonly string[]): Promise<PushTargetRow[]> {
    if (!targetKeys.length) return [];
    const out: PushTargetRow[] = [];
    for (const part of chunks([...new Set(targetKeys)], 1000))
      out.push(...(await this.db.selectFrom('pushTargets').selectAll().where('targetKey', 'in', part).execute()).map(targetRow));
    return out;
  }
  async upsertTarget(row: PushTargetRow): Promise<void> {
    const { targetKey: _key, ...change } = row;
    await this.db
      .insertInto('pushTargets')
      .values(row)
      .onConflict((oc) => oc.column('targetKey').doUpdateSet(change))
      .execute();
  }
  async suspendedTargets(): Promise<PushTargetRow[]> {
    const rows = await this.db.selectFrom('pushTargets').selectAll().where('suspendedAt', 'is not', null).execute();
    return rows.map(targetRow);
  }
  async setTargetStatus(targetKey: string, status: PushStatus, nextAttemptAt: string): Promise<number> {
    const n = await inTransaction(this.db, async (db) => {
      // queued pushes stay in the client's queue; only their status says the target is suspended
      await db
        .updateTable('pushes')
        .set({ status })
        .where('targetKey', '=', targetKey)
        .where('handedAt', 'is not', null)
        .where('status', '<>', 'delivered')
        .execute();
      const r = await db
        .updateTable('pushes')
        .set({ status, nextAttemptAt })
        .where('targetKey', '=', targetKey)
        .where('handedAt', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    });
    if (status === 'pending' && n) this.ctx.pushesDue?.raise();
    return n;
  }

  async markResent(ids: readonly number[], at: string): Promise<number[]> {
    if (!ids.length) return [];
    const rows = await this.db
      .updateTable('pushes')
      .set((eb) => ({
        resent: 1,
        resentAt: at,
        resendCount: eb('resendCount', '+', 1),
        clientOutcome: null,
        status: 'pending',
        handedAt: null,
        deliveredAt: null,
        nextAttemptAt: at,
        lastError: null,
      }))
      .where('id', 'in', [...ids])
      .where('body', 'is not', null)
      .returning('id')
      .execute();
    if (rows.length) this.ctx.pushesDue?.raise();
    return rows.map((r) => Number(r.id));
  }
  async dropPayloads(before: string): Promise<number> {
    const r = await this.db
      .updateTable('pushes')
      .set({ body: null })
      .where('status', '=', 'delivered')
      .where('createdAt', '<', before)
      .where('body', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
