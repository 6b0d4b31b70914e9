/** The three subscription services on Kysely: declaration data, receipts (报关状态), manuals. */
import type { Selectable, SelectQueryBuilder } from 'kysely';
import type {
  DeclarationSubscriptionRow,
  DeclarationSubscriptionStore,
  ManualSubscriptionQuery,
  ManualSubscriptionRow,
  ManualSubscriptionStore,
  ReceiptSubscriptionQuery,
  ReceiptSubscriptionRow,
  ReceiptSubscriptionStore,
  SerialRange,
  SubscriptionQuery,
  ValidityChange,
} from '../../../core/subscriptions/store.js';
import type { Database } from '../schema.js';
import { createdRange, inTransaction, paged, type Db } from './common.js';

type WithValidity = 'declarationSubscriptions' | 'manualSubscriptions';

/** `active`/`expired`/`cancelled` of a subscription with an expiry, as SQL conditions. */
function statusFilter<T extends WithValidity, O>(
  qb: SelectQueryBuilder<Database, T, O>,
  status: SubscriptionQuery['status'],
  now: string,
): SelectQueryBuilder<Database, T, O> {
  const q = qb as SelectQueryBuilder<Database, WithValidity, O>;
  let r: SelectQueryBuilder<Database, WithValidity, O>;
  if (status === 'cancelled') r = q.where('cancelledAt', 'is not', null);
  else if (status === 'active') r = q.where('cancelledAt', 'is', null).where('expiresAt', '>', now);
  else if (status === 'expired') r = q.where('cancelledAt', 'is', null).where('expiresAt', '<=', now);
  else r = q;
  return r as SelectQueryBuilder<Database, T, O>;
}

function range(from: number | null, to: number | null): SerialRange | null {
  return from == null || to == null ? null : { from: Number(from), to: Number(to) };
}

function declarationSubscription(r: Selectable<Database['declarationSubscriptions']>): DeclarationSubscriptionRow {
  const { receiptTypesJson, channelsJson, declarationData, ...rest } = r;
  return {
    ...rest,
    id: Number(r.id),
    declarationData: Number(declarationData) === 1,
    receiptTypes: JSON.parse(receiptTypesJson),
    channels: JSON.parse(channelsJson),
  };
}

function receiptSubscription(r: Selectable<Database['receiptSubscriptions']>): ReceiptSubscriptionRow {
  const { receiptTypesJson, channelsJson, ...rest } = r;
  return {
    ...rest,
    id: Number(r.id),
    receiptTypes: receiptTypesJson == null ? null : JSON.parse(receiptTypesJson),
    channels: channelsJson == null ? null : JSON.parse(channelsJson),
    validUntil: r.validUntil ?? null,
    expiresAt: r.expiresAt ?? null,
  };
}

function manualSubscription(r: Selectable<Database['manualSubscriptions']>): ManualSubscriptionRow {
  const { imgFrom, imgTo, exgFrom, exgTo, activeKey: _key, pushTypes, ...rest } = r;
  return { ...rest, id: Number(r.id), pushTypes: JSON.parse(pushTypes), imgRange: range(imgFrom, imgTo), exgRange: range(exgFrom, exgTo) };
}

/** 报关单数据订阅 */
export class KyselyDeclarationSubscriptionStore implements DeclarationSubscriptionStore {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<DeclarationSubscriptionRow, 'id'>): Promise<number> {
    const { receiptTypes, channels, declarationData, ...rest } = row;
    const r = await this.db
      .insertInto('declarationSubscriptions')
      .values({
        ...rest,
        declarationData: declarationData ? 1 : 0,
        receiptTypesJson: JSON.stringify(receiptTypes),
        channelsJson: JSON.stringify(channels),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async get(id: number) {
    const r = await this.db.selectFrom('declarationSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && declarationSubscription(r);
  }
  async getMany(ids: readonly number[]) {
    if (!ids.length) return [];
    const rows = await this.db
      .selectFrom('declarationSubscriptions')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map(declarationSubscription);
  }
  async update(id: number, change: ValidityChange) {
    await this.db.updateTable('declarationSubscriptions').set(change).where('id', '=', id).execute();
  }
  list(enterpriseCode: string, q: SubscriptionQuery) {
    const base = this.db
      .selectFrom('declarationSubscriptions')
      .where('enterpriseCode', '=', enterpriseCode)
      .$if(!!q.clientId, (qb) => qb.where('clientId', '=', q.clientId!));
    return paged(
      createdRange(statusFilter(base, q.status, q.now), q, 'createdAt'),
      q,
      (qb) => qb.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc'),
      declarationSubscription,
    );
  }
  async active(enterpriseCodes: readonly string[], now: string) {
    if (!enterpriseCodes.length) return [];
    const rows = await this.db
      .selectFrom('declarationSubscriptions')
      .selectAll()
      .where('enterpriseCode', 'in', [...enterpriseCodes])
      .where('expiresAt', '>', now)
      .where('cancelledAt', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(declarationSubscription);
  }
}

/** 报关状态订阅 */
export class KyselyReceiptSubscriptionStore implements ReceiptSubscriptionStore {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<ReceiptSubscriptionRow, 'id'>): Promise<number> {
    const { receiptTypes, channels, ...rest } = row;
    const r = await this.db
      .insertInto('receiptSubscriptions')
      .values({
        ...rest,
        validUntil: rest.validUntil ?? null,
        expiresAt: rest.expiresAt ?? null,
        receiptTypesJson: receiptTypes ? JSON.stringify(receiptTypes) : null,
        channelsJson: channels ? JSON.stringify(channels) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async setValidity(id: number, change: { validUntil: string; expiresAt: string }) {
    const r = await this.db
      .updateTable('receiptSubscriptions')
      .set(change)
      .where('id', '=', id)
      .where('cancelledAt', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async get(id: number) {
    const r = await this.db.selectFrom('receiptSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && receiptSubscription(r);
  }
  async getMany(ids: readonly number[]) {
    if (!ids.length) return [];
    const rows = await this.db
      .selectFrom('receiptSubscriptions')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map(receiptSubscription);
  }
  async cancel(id: number, at: string) {
    const r = await this.db
      .updateTable('receiptSubscriptions')
      .set({ cancelledAt: at })
      .where('id', '=', id)
      .where('cancelledAt', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  list(enterpriseCode: string, q: ReceiptSubscriptionQuery) {
    const base = this.db
      .selectFrom('receiptSubscriptions')
      .where('enterpriseCode', '=', enterpriseCode)
      .$if(q.status === 'active', (qb) =>
        qb
          .where('cancelledAt', 'is', null)
          .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', q.now ?? new Date().toISOString())])),
      )
      .$if(q.status === 'expired', (qb) =>
        qb
          .where('cancelledAt', 'is', null)
          .where('expiresAt', 'is not', null)
          .where('expiresAt', '<=', q.now ?? new Date().toISOString()),
      )
      .$if(q.status === 'cancelled', (qb) => qb.where('cancelledAt', 'is not', null))
      .$if(!!q.clientId, (qb) => qb.where('clientId', '=', q.clientId!))
      .$if(!!q.pushMethod, (qb) => qb.where('pushMethod', '=', q.pushMethod!))
      .$if(!!q.mode, (qb) => qb.where('mode', '=', q.mode!))
      .$if(!!q.documentNo, (qb) => qb.where('documentNo', '=', q.documentNo!));
    return paged(
      createdRange(base, q, 'createdAt'),
      q,
      (qb) => qb.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc'),
      receiptSubscription,
    );
  }
  async active(match: { seqNos?: readonly string[]; enterpriseCodes?: readonly string[]; operatorCodes?: readonly string[] }) {
    // one indexed lookup per way of subscribing (an OR over them makes SQLite scan the table), sent as
    // one statement: the lookups' rows together (no subscription has two modes), by id
    const base = () => this.db.selectFrom('receiptSubscriptions').selectAll().where('cancelledAt', 'is', null);
    const parts = [
      // by document: seq_no is set on document subscriptions only, so the mode is not asked for and
      // the seq_no index is the one used
      match.seqNos?.length ? base().where('seqNo', 'in', [...match.seqNos]) : null,
      match.enterpriseCodes?.length
        ? base()
            .where('mode', '=', 'enterprise')
            .where('enterpriseCode', 'in', [...match.enterpriseCodes])
        : null,
      match.operatorCodes?.length
        ? base()
            .where('mode', '=', 'operator')
            .where('operatorCode', 'in', [...match.operatorCodes])
        : null,
    ].filter((q) => q !== null);
    if (!parts.length) return [];
    const rows = await parts
      .slice(1)
      .reduce((all, q) => all.unionAll(q), parts[0])
      .execute();
    return rows
      .filter((r) => r.seqNo === null || r.mode === 'document')
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(receiptSubscription);
  }
}

/** 加工贸易账册数据订阅 */
export class KyselyManualSubscriptionStore implements ManualSubscriptionStore {
  constructor(private readonly db: Db) {}

  insert(row: Omit<ManualSubscriptionRow, 'id'>, opts: { exclusiveAt?: string }): Promise<number | null> {
    return inTransaction(this.db, async (db) => {
      const { imgRange, exgRange, pushTypes, ...rest } = row;
      let activeKey: string | null = null;
      if (opts.exclusiveAt) {
        activeKey = `${row.enterpriseCode}:${row.manualNo}`;
        // a subscription that ran out gives its key back; a unique index keeps the rest honest
        await db
          .updateTable('manualSubscriptions')
          .set({ activeKey: null })
          .where('activeKey', '=', activeKey)
          .where('expiresAt', '<=', opts.exclusiveAt)
          .execute();
        const held = await db.selectFrom('manualSubscriptions').select('id').where('activeKey', '=', activeKey).executeTakeFirst();
        if (held) return null;
      }
      const r = await db
        .insertInto('manualSubscriptions')
        .values({
          ...rest,
          pushTypes: JSON.stringify(pushTypes),
          imgFrom: imgRange?.from ?? null,
          imgTo: imgRange?.to ?? null,
          exgFrom: exgRange?.from ?? null,
          exgTo: exgRange?.to ?? null,
          activeKey,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(r.id);
    });
  }
  async get(id: number) {
    const r = await this.db.selectFrom('manualSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && manualSubscription(r);
  }
  async getMany(ids: readonly number[]) {
    if (!ids.length) return [];
    const rows = await this.db
      .selectFrom('manualSubscriptions')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map(manualSubscription);
  }
  async update(id: number, change: ValidityChange) {
    await this.db
      .updateTable('manualSubscriptions')
      .set(change.cancelledAt ? { ...change, activeKey: null } : change)
      .where('id', '=', id)
      .execute();
  }
  list(enterpriseCode: string, q: ManualSubscriptionQuery) {
    const base = this.db
      .selectFrom('manualSubscriptions')
      .where('enterpriseCode', '=', enterpriseCode)
      .$if(!!q.clientId, (qb) => qb.where('clientId', '=', q.clientId!))
      .$if(!!q.kind, (qb) => qb.where('kind', '=', q.kind!))
      .$if(!!q.manualNo, (qb) => qb.where('manualNo', '=', q.manualNo!));
    return paged(
      createdRange(statusFilter(base, q.status, q.now), q, 'createdAt'),
      q,
      (qb) => qb.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc'),
      manualSubscription,
    );
  }
  async active(manualNo: string, now: string) {
    const rows = await this.db
      .selectFrom('manualSubscriptions')
      .selectAll()
      .where('manualNo', '=', manualNo)
      .where('kind', '=', 'incremental')
      .where('expiresAt', '>', now)
      .where('cancelledAt', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(manualSubscription);
  }
}
