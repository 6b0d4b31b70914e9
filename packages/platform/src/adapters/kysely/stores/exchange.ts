/** The exchange's stores on Kysely: inbound messages and the clients' delivery queues. */
import type { AckedDelivery, DeliveryRow, DeliveryStore, InboundRow, InboundStore, NewDelivery } from '../../../core/exchange/store.js';
import { chunks, inTransaction, type SliceContext, type Db } from './common.js';

export class KyselyInboundStore implements InboundStore {
  constructor(private readonly db: Db) {}

  async get(clientId: string, messageId: string): Promise<InboundRow | undefined> {
    const r = await this.db
      .selectFrom('inboundMessages')
      .selectAll()
      .where('clientId', '=', clientId)
      .where('messageId', '=', messageId)
      .executeTakeFirst();
    return r && { ...r, accepted: Number(r.accepted) === 1 };
  }
  async getMany(clientId: string, messageIds: readonly string[]): Promise<InboundRow[]> {
    const out: InboundRow[] = [];
    for (const part of chunks([...new Set(messageIds)], 500)) {
      const rows = await this.db
        .selectFrom('inboundMessages')
        .selectAll()
        .where('clientId', '=', clientId)
        .where('messageId', 'in', part)
        .execute();
      out.push(...rows.map((r) => ({ ...r, accepted: Number(r.accepted) === 1 })));
    }
    return out;
  }
  async insert(row: InboundRow) {
    await this.db
      .insertInto('inboundMessages')
      .values({ ...row, accepted: row.accepted ? 1 : 0 })
      .execute();
  }
  async insertMany(rows: readonly InboundRow[]) {
    for (const part of chunks(rows, 100))
      await this.db
        .insertInto('inboundMessages')
        .values(part.map((row) => ({ ...row, accepted: row.accepted ? 1 : 0 })))
        .execute();
  }
}

export class KyselyDeliveryStore implements DeliveryStore {
  constructor(private readonly ctx: SliceContext) {}

  private get db() {
    return this.ctx.db;
  }

  async enqueue(rows: readonly NewDelivery[]): Promise<number[]> {
    const ids: number[] = [];
    // (client, message id) is unique: a known message goes back in line with its new body, name and
    // resend attempt; a push's delivery stores no copy of the body, it refers to the push
    for (const part of chunks(rows, 100)) {
      const r = await this.db
        .insertInto('deliveries')
        .values(
          part.map(({ pushId, resend, traceparent, ...d }) =>
            pushId == null
              ? { ...d, resend: resend ?? 0, pushId: null, traceparent: traceparent ?? null }
              : { ...d, body: '', resend: resend ?? 0, pushId, traceparent: traceparent ?? null },
          ),
        )
        .onConflict((oc) =>
          oc.columns(['clientId', 'messageId']).doUpdateSet((eb) => ({
            ackedAt: null,
            body: eb.ref('excluded.body'),
            pushId: eb.ref('excluded.pushId'),
            fileName: eb.ref('excluded.fileName'),
            resend: eb.ref('excluded.resend'),
            traceparent: eb.ref('excluded.traceparent'),
          })),
        )
        .returning('id')
        .execute();
      ids.push(...r.map((x) => Number(x.id)));
    }
    return ids;
  }

  take(clientId: string, max: number): Promise<DeliveryRow[]> {
    return inTransaction(this.db, async (db) => {
      const rows = await db
        .selectFrom('deliveries as d')
        .select(['d.id', 'd.clientId', 'd.messageId', 'd.business', 'd.fileName', 'd.createdAt', 'd.attempts', 'd.resend', 'd.traceparent'])
        // a push's delivery carries its push's body (the push keeps it while the delivery is not acknowledged)
        .select((eb) =>
          eb.fn.coalesce(eb.selectFrom('pushes as p').select('p.body').whereRef('p.id', '=', 'd.pushId'), eb.ref('d.body')).as('body'),
        )
        .where('clientId', '=', clientId)
        .where('ackedAt', 'is', null)
        .orderBy('id')
        .limit(max)
        // another instance taking this client's deliveries at the same moment gets the next ones
        .$if(this.ctx.caps.forUpdateSkipLocked, (qb) => qb.forUpdate().skipLocked())
        .execute();
      if (rows.length)
        await db
          .updateTable('deliveries')
          .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
      return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) + 1, resend: Number(r.resend) }));
    });
  }

  async ack(clientId: string, ids: readonly number[], at: string): Promise<AckedDelivery[]> {
    if (!ids.length) return [];
    const rows = await this.db
      .updateTable('deliveries')
      .set({ ackedAt: at })
      .where('clientId', '=', clientId)
      .where('id', 'in', [...ids])
      .where('ackedAt', 'is', null)
      .returning(['id', 'messageId', 'resend', 'createdAt'])
      .execute();
    // in id order: an UPDATE … RETURNING answers in the order the engine met the rows, which differs between engines and row layouts
    return rows
      .map((r) => ({ id: Number(r.id), messageId: r.messageId, resend: Number(r.resend), createdAt: r.createdAt }))
      .sort((a, b) => a.id - b.id);
  }

  async backlog(): Promise<{ clientId: string; count: number }[]> {
    // the index on acked_at holds the unacknowledged ones together: the acknowledged history is not read
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['clientId', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('ackedAt', 'is', null)
      .groupBy('clientId')
      .execute();
    return rows.map((r) => ({ clientId: r.clientId, count: Number(r.n) }));
  }

  async countPending(clientId: string): Promise<number> {
    const r = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('clientId', '=', clientId)
      .where('ackedAt', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async ackedSince(clientId: string, since: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('deliveries')
      .select('id')
      .where('clientId', '=', clientId)
      .where('ackedAt', '>=', since)
      .limit(1)
      .executeTakeFirst();
    return !!r;
  }

  async dropAcked(before: string): Promise<number> {
    const r = await this.db.deleteFrom('deliveries').where('ackedAt', 'is not', null).where('ackedAt', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
