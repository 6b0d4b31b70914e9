/** The Store port on Kysely: the same code serves SQLite and PostgreSQL. */
import type { ExpressionBuilder, Kysely, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import type {
  AuditQuery,
  AuditRow,
  CardKind,
  CardRow,
  ClientQuery,
  ClientRow,
  ClientStatus,
  DeclarationSubscriptionRow,
  ListQuery,
  ManualSubscriptionQuery,
  ManualSubscriptionRow,
  Paged,
  PushRequestRow,
  ReceiptPushMethod,
  ReceiptSubscriptionMode,
  ReceiptSubscriptionQuery,
  ReceiptSubscriptionRow,
  SerialRange,
  SmsOutboxRow,
  SubscriptionQuery,
  VerificationCodeRow,
  DeclarationReceiptRow,
  DeclarationRow,
  DeliveryRow,
  InboundRow,
  ManualItemRow,
  ManualRow,
  SandboxJobRow,
  Store,
  FeedMessageRow,
  ManualChangeRow,
  NewPush,
  PushAttemptRow,
  PushEventRow,
  PushJobRow,
  PushQuery,
  PushRow,
  PushStatus,
  PushSubscriptionKind,
  PushTargetRow,
  WebhookEndpointRow,
} from '../../core/store.js';
import { sqliteCapabilities, type EngineCapabilities } from './capabilities.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

type Tables = keyof Database;

/** Runs the same filtered query twice: one page of rows (newest first) and the total. */
async function paged<T extends Tables, R>(
  db: Db,
  table: T,
  filter: (qb: SelectQueryBuilder<Database, T, {}>) => SelectQueryBuilder<Database, T, {}>,
  q: ListQuery,
  createdColumn: string,
  map: (row: any) => R,
): Promise<Paged<R>> {
  const base = filter(db.selectFrom(table as any) as any) as any;
  let range = base;
  if (q.createdFrom) range = range.where(createdColumn, '>=', q.createdFrom);
  if (q.createdBefore) range = range.where(createdColumn, '<', q.createdBefore);
  const count = await range.select((eb: ExpressionBuilder<any, any>) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const rows = await range.selectAll().orderBy(createdColumn, 'desc').orderBy(createdColumn === 'createdAt' && table === 'clients' ? 'clientId' : 'id', 'desc').limit(q.limit).offset(q.offset).execute();
  return { rows: rows.map(map), total: Number(count.n) };
}

/** `active`/`expired`/`cancelled` of a subscription with an expiry, as SQL conditions. */
function subscriptionStatusFilter(qb: any, status: SubscriptionQuery['status'], now: string): any {
  if (status === 'cancelled') return qb.where('cancelledAt', 'is not', null);
  if (status === 'active') return qb.where('cancelledAt', 'is', null).where('expiresAt', '>', now);
  if (status === 'expired') return qb.where('cancelledAt', 'is', null).where('expiresAt', '<=', now);
  return qb;
}

function range(from: number | null, to: number | null): SerialRange | null {
  return from == null || to == null ? null : { from: Number(from), to: Number(to) };
}

function declarationSubscription(r: Selectable<Database['declarationSubscriptions']>): DeclarationSubscriptionRow {
  const { receiptTypesJson, channelsJson, declarationData, ...rest } = r;
  return { ...rest, id: Number(r.id), declarationData: Number(declarationData) === 1, receiptTypes: JSON.parse(receiptTypesJson), channels: JSON.parse(channelsJson) };
}

function receiptSubscription(r: Selectable<Database['receiptSubscriptions']>): ReceiptSubscriptionRow {
  return { ...r, id: Number(r.id), pushMethod: r.pushMethod as ReceiptPushMethod, mode: r.mode as ReceiptSubscriptionMode };
}

function manualSubscription(r: Selectable<Database['manualSubscriptions']>): ManualSubscriptionRow {
  const { imgFrom, imgTo, exgFrom, exgTo, activeKey: _key, pushTypes, ...rest } = r;
  return {
    ...rest,
    id: Number(r.id),
    kind: r.kind as ManualSubscriptionRow['kind'],
    pushTypes: JSON.parse(pushTypes),
    imgRange: range(imgFrom, imgTo),
    exgRange: range(exgFrom, exgTo),
  };
}

function pushRow(r: Selectable<Database['pushes']>): PushRow {
  return {
    ...r,
    id: Number(r.id),
    eventId: r.eventId == null ? null : Number(r.eventId),
    subscriptionId: Number(r.subscriptionId),
    attempts: Number(r.attempts),
    resent: Number(r.resent) === 1,
  } as PushRow;
}

function webhookRow(r: Selectable<Database['webhookEndpoints']>): WebhookEndpointRow {
  return { ...r, id: Number(r.id), subscriptionId: Number(r.subscriptionId), subscriptionKind: r.subscriptionKind as PushSubscriptionKind };
}

function jobRow(r: Selectable<Database['pushJobs']>): PushJobRow {
  const { filterJson, ...rest } = r;
  return { ...rest, id: Number(r.id), kind: 'resend', status: r.status as PushJobRow['status'], total: Number(r.total), doneCount: Number(r.doneCount), skippedCount: Number(r.skippedCount), filter: JSON.parse(filterJson) };
}

function manualChangeRow(r: Selectable<Database['manualChanges']>): ManualChangeRow {
  const { changeJson, autoApprove, ...rest } = r;
  return { ...rest, id: Number(r.id), autoApprove: Number(autoApprove) === 1, status: r.status as ManualChangeRow['status'], version: r.version == null ? null : Number(r.version), change: JSON.parse(changeJson) };
}

/** The push log's filters as SQL conditions. */
function pushFilter(qb: any, q: Omit<PushQuery, 'offset' | 'limit'>): any {
  let r = qb.where('enterpriseCode', '=', q.enterpriseCode);
  if (q.manualNo) r = r.where('manualNo', '=', q.manualNo);
  if (q.documentNo) r = r.where('documentNo', '=', q.documentNo);
  if (q.clientId) r = r.where('clientId', '=', q.clientId);
  if (q.status) r = r.where('status', '=', q.status);
  if (q.idAfter !== undefined) r = r.where('id', '>', q.idAfter);
  if (q.idAtMost !== undefined) r = r.where('id', '<=', q.idAtMost);
  return r;
}

function clientRow(r: Database['clients']): ClientRow {
  return r as ClientRow;
}

export class KyselyStore implements Store {
  constructor(
    private readonly db: Db,
    private readonly inTransaction = false,
    /** engine differences (claims with FOR UPDATE SKIP LOCKED on PostgreSQL) */
    private readonly caps: EngineCapabilities = sqliteCapabilities,
  ) {}

  get singleProcess(): boolean {
    return !this.caps.forUpdateSkipLocked;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return (this.db as Kysely<Database>).transaction().execute((trx) => fn(new KyselyStore(trx, true, this.caps)));
  }

  /**
   * Claims one not-yet-done row for this transaction: on PostgreSQL it is locked (`FOR UPDATE SKIP
   * LOCKED`), so another instance claiming the same row at the same moment skips it at once instead
   * of waiting and doing the work twice. SQLite serialises writers, so there the claim is the update.
   */
  private async claimRow(table: 'sandboxJobs' | 'pushRequests', id: number): Promise<boolean> {
    if (!this.caps.forUpdateSkipLocked) return true;
    const r = await (this.db as Kysely<Database>).selectFrom(table).select('id').where('id', '=', id).where('doneAt', 'is', null).forUpdate().skipLocked().executeTakeFirst();
    return r !== undefined;
  }

  async nextSerial(name: string): Promise<number> {
    // one statement: two instances asking for the first value of a serial at once cannot both insert it
    const row = await this.db
      .insertInto('serials')
      .values({ name, value: 1 })
      .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('serials.value', '+', 1) })))
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  async insertEnterprise(row: Database['enterprises']) {
    await this.db.insertInto('enterprises').values(row).execute();
  }
  getEnterprise(customsCode: string) {
    return this.db.selectFrom('enterprises').selectAll().where('customsCode', '=', customsCode).executeTakeFirst();
  }
  async countEnterprises() {
    const r = await this.db.selectFrom('enterprises').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async insertOperator(row: Database['operators']) {
    await this.db.insertInto('operators').values(row).execute();
  }
  getOperator(account: string) {
    return this.db.selectFrom('operators').selectAll().where('account', '=', account).executeTakeFirst();
  }
  async updateOperatorLogin(account: string, failedLogins: number, lockedUntil: string | null) {
    await this.db.updateTable('operators').set({ failedLogins, lockedUntil }).where('account', '=', account).execute();
  }
  async insertCard(row: CardRow) {
    await this.db.insertInto('cards').values({ ...row, locked: row.locked ? 1 : 0 }).execute();
  }
  async getCard(cardNo: string): Promise<CardRow | undefined> {
    const r = await this.db.selectFrom('cards').selectAll().where('cardNo', '=', cardNo).executeTakeFirst();
    return r && { ...r, kind: r.kind as CardKind, locked: Number(r.locked) === 1, triesLeft: Number(r.triesLeft) };
  }
  async insertClient(row: ClientRow) {
    await this.db.insertInto('clients').values({ ...row, deviceBoundAt: row.deviceBoundAt ?? null }).execute();
  }
  async getClient(clientId: string): Promise<ClientRow | undefined> {
    const r = await this.db.selectFrom('clients').selectAll().where('clientId', '=', clientId).executeTakeFirst();
    return r && (r as ClientRow);
  }
  async setClientDevice(clientId: string, fingerprint: string | null, at: string | null) {
    await this.db.updateTable('clients').set({ deviceFingerprint: fingerprint, deviceBoundAt: at }).where('clientId', '=', clientId).execute();
  }
  async insertManual(row: ManualRow, items: ManualItemRow[]) {
    await this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      await db.insertInto('manuals').values({ manualNo: row.manualNo, enterpriseCode: row.enterpriseCode, headJson: JSON.stringify(row.head), version: row.version, createdAt: row.createdAt }).execute();
      for (let i = 0; i < items.length; i += 100) await db.insertInto('manualItems').values(items.slice(i, i + 100)).execute();
    });
  }
  async getManual(manualNo: string): Promise<ManualRow | undefined> {
    const r = await this.db.selectFrom('manuals').selectAll().where('manualNo', '=', manualNo).executeTakeFirst();
    return r && { manualNo: r.manualNo, enterpriseCode: r.enterpriseCode, head: JSON.parse(r.headJson), version: Number(r.version), createdAt: r.createdAt };
  }
  async listManuals(enterpriseCode: string): Promise<ManualRow[]> {
    const rows = await this.db.selectFrom('manuals').selectAll().where('enterpriseCode', '=', enterpriseCode).orderBy('manualNo').limit(1000).execute();
    return rows.map((r) => ({ manualNo: r.manualNo, enterpriseCode: r.enterpriseCode, head: JSON.parse(r.headJson), version: Number(r.version), createdAt: r.createdAt }));
  }
  async listManualItems(manualNo: string): Promise<ManualItemRow[]> {
    const rows = await this.db.selectFrom('manualItems').selectAll().where('manualNo', '=', manualNo).orderBy('kind').orderBy('serial').execute();
    return rows.map((r) => ({ ...r, kind: r.kind as 'img' | 'exg', serial: Number(r.serial) }));
  }
  async insertSession(row: Database['sessions']) {
    await this.db.insertInto('sessions').values(row).execute();
  }
  getSession(tokenHash: string) {
    return this.db.selectFrom('sessions').selectAll().where('tokenHash', '=', tokenHash).executeTakeFirst();
  }

  async getInbound(clientId: string, messageId: string): Promise<InboundRow | undefined> {
    const r = await this.db.selectFrom('inboundMessages').selectAll().where('clientId', '=', clientId).where('messageId', '=', messageId).executeTakeFirst();
    return r && { ...r, accepted: Number(r.accepted) === 1 };
  }
  async insertInbound(row: InboundRow) {
    await this.db.insertInto('inboundMessages').values({ ...row, accepted: row.accepted ? 1 : 0 }).execute();
  }

  async insertDeclaration(row: DeclarationRow) {
    await this.db.insertInto('declarations').values(row).execute();
  }
  getDeclaration(seqNo: string) {
    return this.db.selectFrom('declarations').selectAll().where('seqNo', '=', seqNo).executeTakeFirst();
  }
  async updateDeclarationStatus(seqNo: string, channel: string, entryId: string, updatedAt: string) {
    await this.db.updateTable('declarations').set({ channel, entryId, updatedAt }).where('seqNo', '=', seqNo).execute();
  }
  listDeclarationsFor(enterpriseCode: string, limit: number) {
    return this.db
      .selectFrom('declarations')
      .selectAll()
      .where((eb) => eb.or([eb('senderEnterprise', '=', enterpriseCode), eb('tradeCode', '=', enterpriseCode), eb('ownerCode', '=', enterpriseCode)]))
      .orderBy('declaredAt', 'desc')
      .limit(limit)
      .execute();
  }
  async insertDeclarationReceipt(row: DeclarationReceiptRow) {
    await this.db.insertInto('declarationReceipts').values(row).execute();
  }
  listDeclarationReceipts(seqNo: string): Promise<DeclarationReceiptRow[]> {
    return this.db.selectFrom('declarationReceipts').select(['seqNo', 'channel', 'note', 'xml', 'createdAt']).where('seqNo', '=', seqNo).orderBy('id').execute();
  }

  async enqueueDelivery(row: Omit<DeliveryRow, 'id' | 'attempts'>): Promise<number> {
    const r = await this.db.insertInto('deliveries').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async takeDeliveries(clientId: string, max: number): Promise<DeliveryRow[]> {
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      const rows = await db
        .selectFrom('deliveries')
        .select(['id', 'clientId', 'messageId', 'business', 'fileName', 'body', 'createdAt', 'attempts'])
        .where('clientId', '=', clientId)
        .where('ackedAt', 'is', null)
        .orderBy('id')
        .limit(max)
        // another instance taking this client's deliveries at the same moment gets the next ones
        .$if(this.caps.forUpdateSkipLocked, (qb) => qb.forUpdate().skipLocked())
        .execute();
      if (rows.length) {
        await db
          .updateTable('deliveries')
          .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', rows.map((r) => r.id))
          .execute();
        // the pushes among them: every fetch is an attempt in the push log
        const pushes = await db.selectFrom('pushes').select(['id']).where('clientId', '=', clientId).where('messageId', 'in', rows.map((r) => r.messageId)).execute();
        if (pushes.length) {
          const at = new Date().toISOString();
          await db.updateTable('pushes').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', 'in', pushes.map((p) => p.id)).execute();
          await db.insertInto('pushAttempts').values(pushes.map((p) => ({ pushId: p.id, at, outcome: 'taken', error: null, durationMs: 0 }))).execute();
        }
      }
      return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) + 1 }));
    });
  }
  async ackDeliveries(clientId: string, ids: readonly number[], at: string): Promise<number> {
    if (!ids.length) return 0;
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      const acked = await db.selectFrom('deliveries').select(['messageId']).where('clientId', '=', clientId).where('id', 'in', [...ids]).where('ackedAt', 'is', null).execute();
      if (!acked.length) return 0;
      const r = await db.updateTable('deliveries').set({ ackedAt: at }).where('clientId', '=', clientId).where('id', 'in', [...ids]).where('ackedAt', 'is', null).executeTakeFirst();
      const pushes = await db
        .selectFrom('pushes')
        .select(['id'])
        .where('clientId', '=', clientId)
        .where('messageId', 'in', acked.map((a) => a.messageId))
        .where('status', '<>', 'delivered')
        .execute();
      if (pushes.length) {
        await db.updateTable('pushes').set({ status: 'delivered', deliveredAt: at, lastError: null }).where('id', 'in', pushes.map((p) => p.id)).execute();
        await db.insertInto('pushAttempts').values(pushes.map((p) => ({ pushId: p.id, at, outcome: 'delivered', error: null, durationMs: 0 }))).execute();
      }
      return Number(r.numUpdatedRows);
    });
  }
  async touchClientSeen(clientId: string, at: string, notBefore: string): Promise<void> {
    await this.db
      .updateTable('clients')
      .set({ lastSeenAt: at })
      .where('clientId', '=', clientId)
      .where((eb) => eb.or([eb('lastSeenAt', 'is', null), eb('lastSeenAt', '<', notBefore)]))
      .execute();
  }
  async countPendingDeliveries(clientId: string): Promise<number> {
    const r = await this.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('clientId', '=', clientId).where('ackedAt', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insertSandboxJob(row: Omit<SandboxJobRow, 'id'>): Promise<number> {
    const r = await this.db
      .insertInto('sandboxJobs')
      .values({ kind: row.kind, documentKey: row.documentKey, payloadJson: JSON.stringify(row.payload), dueAt: row.dueAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async dueSandboxJobs(now: string, limit: number): Promise<SandboxJobRow[]> {
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
              .where((eb) => eb.or([eb('e.dueAt', '<', eb.ref('j.dueAt')), eb.and([eb('e.dueAt', '=', eb.ref('j.dueAt')), eb('e.id', '<', eb.ref('j.id'))])])),
          ),
        ),
      )
      .orderBy('j.dueAt')
      .orderBy('j.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), kind: r.kind, documentKey: r.documentKey, payload: JSON.parse(r.payloadJson), dueAt: r.dueAt }));
  }
  async completeSandboxJob(id: number, at: string): Promise<boolean> {
    if (!(await this.claimRow('sandboxJobs', id))) return false;
    const r = await this.db.updateTable('sandboxJobs').set({ doneAt: at }).where('id', '=', id).where('doneAt', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- client registry ----
  listClients(enterpriseCode: string, q: ClientQuery): Promise<Paged<ClientRow>> {
    return paged(
      this.db,
      'clients',
      (qb) => {
        let r = qb.where('enterpriseCode', '=', enterpriseCode);
        if (q.status) r = r.where('status', '=', q.status);
        if (q.clientId) r = r.where('clientId', '=', q.clientId);
        return r;
      },
      q,
      'createdAt',
      clientRow,
    );
  }
  async setClientStatus(clientId: string, status: ClientStatus) {
    await this.db.updateTable('clients').set({ status }).where('clientId', '=', clientId).execute();
  }
  async recordCardPinFailure(cardNo: string): Promise<{ triesLeft: number; locked: boolean }> {
    const r = await this.db
      .updateTable('cards')
      .set((eb) => ({
        triesLeft: eb.case().when('triesLeft', '>', 0).then(eb('triesLeft', '-', 1)).else(0).end(),
        locked: eb.case().when('triesLeft', '<=', 1).then(1).else(eb.ref('locked')).end(),
      }))
      .where('cardNo', '=', cardNo)
      .returning(['triesLeft', 'locked'])
      .executeTakeFirstOrThrow();
    return { triesLeft: Number(r.triesLeft), locked: Number(r.locked) === 1 };
  }
  async resetCardPinTries(cardNo: string, tries: number) {
    await this.db.updateTable('cards').set({ triesLeft: tries }).where('cardNo', '=', cardNo).where('locked', '=', 0).where('triesLeft', '<>', tries).execute();
  }
  findDeclarationByNumber(documentNo: string) {
    return this.db
      .selectFrom('declarations')
      .selectAll()
      .where((eb) => eb.or([eb('seqNo', '=', documentNo), eb('entryId', '=', documentNo)]))
      .executeTakeFirst();
  }

  // ---- 报关单数据订阅 ----
  async insertDeclarationSubscription(row: Omit<DeclarationSubscriptionRow, 'id'>): Promise<number> {
    const { receiptTypes, channels, declarationData, ...rest } = row;
    const r = await this.db
      .insertInto('declarationSubscriptions')
      .values({ ...rest, declarationData: declarationData ? 1 : 0, receiptTypesJson: JSON.stringify(receiptTypes), channelsJson: JSON.stringify(channels) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async getDeclarationSubscription(id: number) {
    const r = await this.db.selectFrom('declarationSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && declarationSubscription(r);
  }
  async updateDeclarationSubscription(id: number, change: Pick<DeclarationSubscriptionRow, 'validUntil' | 'expiresAt' | 'cancelledAt' | 'updatedAt'>) {
    await this.db.updateTable('declarationSubscriptions').set(change).where('id', '=', id).execute();
  }
  listDeclarationSubscriptions(enterpriseCode: string, q: SubscriptionQuery) {
    return paged(
      this.db,
      'declarationSubscriptions',
      (qb) => {
        let r = qb.where('enterpriseCode', '=', enterpriseCode);
        if (q.clientId) r = r.where('clientId', '=', q.clientId);
        return subscriptionStatusFilter(r, q.status, q.now);
      },
      q,
      'createdAt',
      declarationSubscription,
    );
  }
  async activeDeclarationSubscriptions(enterpriseCode: string, now: string) {
    const rows = await this.db
      .selectFrom('declarationSubscriptions')
      .selectAll()
      .where('enterpriseCode', '=', enterpriseCode)
      .where('expiresAt', '>', now)
      .where('cancelledAt', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(declarationSubscription);
  }

  // ---- 报关状态订阅 ----
  async insertReceiptSubscription(row: Omit<ReceiptSubscriptionRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('receiptSubscriptions').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async getReceiptSubscription(id: number) {
    const r = await this.db.selectFrom('receiptSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && receiptSubscription(r);
  }
  async cancelReceiptSubscription(id: number, at: string) {
    const r = await this.db.updateTable('receiptSubscriptions').set({ cancelledAt: at }).where('id', '=', id).where('cancelledAt', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  listReceiptSubscriptions(enterpriseCode: string, q: ReceiptSubscriptionQuery) {
    return paged(
      this.db,
      'receiptSubscriptions',
      (qb) => {
        let r = qb.where('enterpriseCode', '=', enterpriseCode);
        if (q.status === 'active') r = r.where('cancelledAt', 'is', null);
        if (q.status === 'cancelled') r = r.where('cancelledAt', 'is not', null);
        if (q.clientId) r = r.where('clientId', '=', q.clientId);
        if (q.pushMethod) r = r.where('pushMethod', '=', q.pushMethod);
        if (q.mode) r = r.where('mode', '=', q.mode);
        if (q.documentNo) r = r.where('documentNo', '=', q.documentNo);
        return r;
      },
      q,
      'createdAt',
      receiptSubscription,
    );
  }
  async activeReceiptSubscriptions(match: { seqNo?: string; enterpriseCodes?: string[]; operatorCodes?: string[] }) {
    // one indexed lookup per way of subscribing (an OR over them makes SQLite scan the table)
    const base = () => this.db.selectFrom('receiptSubscriptions').selectAll().where('cancelledAt', 'is', null);
    const parts = await Promise.all([
      // by document: seq_no is set on document subscriptions only; the mode is checked here, not in SQL, so the seq_no index is the one used
      match.seqNo ? base().where('seqNo', '=', match.seqNo).execute().then((rows) => rows.filter((r) => r.mode === 'document')) : [],
      match.enterpriseCodes?.length ? base().where('mode', '=', 'enterprise').where('enterpriseCode', 'in', match.enterpriseCodes).execute() : [],
      match.operatorCodes?.length ? base().where('mode', '=', 'operator').where('operatorCode', 'in', match.operatorCodes).execute() : [],
    ]);
    return parts
      .flat()
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(receiptSubscription);
  }

  // ---- 加工贸易账册数据订阅 ----
  async insertManualSubscription(row: Omit<ManualSubscriptionRow, 'id'>, opts: { exclusiveAt?: string }): Promise<number | null> {
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      const { imgRange, exgRange, pushTypes, ...rest } = row;
      let activeKey: string | null = null;
      if (opts.exclusiveAt) {
        activeKey = `${row.enterpriseCode}:${row.manualNo}`;
        // a subscription that ran out gives its key back; a unique index keeps the rest honest
        await db.updateTable('manualSubscriptions').set({ activeKey: null }).where('activeKey', '=', activeKey).where('expiresAt', '<=', opts.exclusiveAt).execute();
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
  async getManualSubscription(id: number) {
    const r = await this.db.selectFrom('manualSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && manualSubscription(r);
  }
  async updateManualSubscription(id: number, change: Pick<ManualSubscriptionRow, 'validUntil' | 'expiresAt' | 'cancelledAt' | 'updatedAt'>) {
    await this.db
      .updateTable('manualSubscriptions')
      .set(change.cancelledAt ? { ...change, activeKey: null } : change)
      .where('id', '=', id)
      .execute();
  }
  listManualSubscriptions(enterpriseCode: string, q: ManualSubscriptionQuery) {
    return paged(
      this.db,
      'manualSubscriptions',
      (qb) => {
        let r = qb.where('enterpriseCode', '=', enterpriseCode);
        if (q.clientId) r = r.where('clientId', '=', q.clientId);
        if (q.kind) r = r.where('kind', '=', q.kind);
        if (q.manualNo) r = r.where('manualNo', '=', q.manualNo);
        return subscriptionStatusFilter(r, q.status, q.now);
      },
      q,
      'createdAt',
      manualSubscription,
    );
  }
  async activeManualSubscriptions(manualNo: string, now: string) {
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

  // ---- push requests ----
  async insertPushRequest(row: Omit<PushRequestRow, 'id' | 'doneAt'>): Promise<number> {
    const r = await this.db
      .insertInto('pushRequests')
      .values({ kind: row.kind, subscriptionId: row.subscriptionId, clientId: row.clientId, payloadJson: JSON.stringify(row.payload), createdAt: row.createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async pendingPushRequests(limit: number): Promise<PushRequestRow[]> {
    const rows = await this.db.selectFrom('pushRequests').selectAll().where('doneAt', 'is', null).orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: Number(r.id), kind: r.kind as PushRequestRow['kind'], subscriptionId: Number(r.subscriptionId), clientId: r.clientId, payload: JSON.parse(r.payloadJson), createdAt: r.createdAt, doneAt: r.doneAt }));
  }
  async completePushRequest(id: number, at: string) {
    if (!(await this.claimRow('pushRequests', id))) return false;
    const r = await this.db.updateTable('pushRequests').set({ doneAt: at }).where('id', '=', id).where('doneAt', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- SMS ----
  async insertVerificationCode(row: Omit<VerificationCodeRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('verificationCodes').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async recentVerificationCodes(phone: string, since: string): Promise<VerificationCodeRow[]> {
    const rows = await this.db.selectFrom('verificationCodes').selectAll().where('phone', '=', phone).where('createdAt', '>=', since).orderBy('createdAt', 'desc').orderBy('id', 'desc').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }));
  }
  async countVerificationAttempt(id: number) {
    await this.db.updateTable('verificationCodes').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', id).execute();
  }
  async useVerificationCode(id: number, at: string) {
    const r = await this.db.updateTable('verificationCodes').set({ usedAt: at }).where('id', '=', id).where('usedAt', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async insertSmsOutbox(row: Omit<SmsOutboxRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('smsOutbox').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  listSmsOutbox(enterpriseCode: string, q: ListQuery) {
    return paged(this.db, 'smsOutbox', (qb) => qb.where('enterpriseCode', '=', enterpriseCode), q, 'createdAt', (r) => ({ ...r, id: Number(r.id) }) as SmsOutboxRow);
  }

  // ---- audit ----
  async insertAudit(row: Omit<AuditRow, 'id'>): Promise<number> {
    const { before, after, ...rest } = row;
    const r = await this.db
      .insertInto('auditLog')
      .values({ ...rest, beforeJson: before === undefined || before === null ? null : JSON.stringify(before), afterJson: after === undefined || after === null ? null : JSON.stringify(after) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  listAudit(enterpriseCode: string, q: AuditQuery) {
    return paged(
      this.db,
      'auditLog',
      (qb) => {
        let r = qb.where('enterpriseCode', '=', enterpriseCode);
        if (q.entity) r = r.where('entity', '=', q.entity);
        if (q.entityId) r = r.where('entityId', '=', q.entityId);
        return r;
      },
      q,
      'at',
      (r): AuditRow => {
        const { beforeJson, afterJson, ...rest } = r;
        return { ...rest, id: Number(r.id), before: beforeJson ? JSON.parse(beforeJson) : null, after: afterJson ? JSON.parse(afterJson) : null };
      },
    );
  }

  // ---- push engine ----
  async insertPushEvent(row: Omit<PushEventRow, 'id'>): Promise<number> {
    const r = await this.db
      .insertInto('pushEvents')
      .values({ kind: row.kind, documentKey: row.documentKey, payloadJson: JSON.stringify(row.payload), createdAt: row.createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async insertPushes(rows: NewPush[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 50)
      await this.db
        .insertInto('pushes')
        .values(rows.slice(i, i + 50).map((p) => ({ ...p, status: 'pending', attempts: 0, handedAt: null, deliveredAt: null, lastError: null, resent: 0, resentAt: null })))
        .execute();
  }
  async getPush(id: number) {
    const r = await this.db.selectFrom('pushes').selectAll().where('id', '=', id).executeTakeFirst();
    return r && pushRow(r);
  }
  listPushes(q: PushQuery): Promise<Paged<PushRow>> {
    return paged(this.db, 'pushes', (qb) => pushFilter(qb, q), q, 'createdAt', pushRow);
  }
  async pushIds(q: Omit<PushQuery, 'offset' | 'limit'>, limit: number): Promise<number[]> {
    let qb = pushFilter(this.db.selectFrom('pushes').select('id'), q);
    if (q.createdFrom) qb = qb.where('createdAt', '>=', q.createdFrom);
    if (q.createdBefore) qb = qb.where('createdAt', '<', q.createdBefore);
    const rows = await qb.orderBy('id').limit(limit).execute();
    return rows.map((r: { id: number }) => Number(r.id));
  }
  async claimDuePushes(now: string, leaseUntil: string, limit: number): Promise<PushRow[]> {
    // one transaction: on PostgreSQL the select locks its rows (FOR UPDATE SKIP LOCKED) so instances take
    // different pushes; on every engine the conditional update is what makes a claim exclusive
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      const candidates = await db
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
        .$if(this.caps.forUpdateSkipLocked, (qb) => qb.forUpdate().skipLocked())
        .execute();
      if (!candidates.length) return [];
      const r = await db
        .updateTable('pushes')
        .set({ nextAttemptAt: leaseUntil })
        .where('id', 'in', candidates.map((c) => c.id))
        .where('handedAt', 'is', null)
        .where('nextAttemptAt', '<=', now)
        .executeTakeFirst();
      // another instance claimed some of them in between (engines without row locks): leave this round's to the lease
      if (Number(r.numUpdatedRows) !== candidates.length) return [];
      return candidates.map((c) => pushRow({ ...c, nextAttemptAt: leaseUntil }));
    });
  }
  async recordPushAttempt(
    id: number,
    change: { status: PushStatus; nextAttemptAt: string; handedAt?: string | null; deliveredAt?: string | null; lastError: string | null; countAttempt: boolean },
    attempt: Omit<PushAttemptRow, 'id' | 'pushId'>,
  ): Promise<void> {
    await this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      const { countAttempt, ...set } = change;
      await db
        .updateTable('pushes')
        .set((eb) => ({ ...set, ...(countAttempt ? { attempts: eb('attempts', '+', 1) } : {}) }))
        .where('id', '=', id)
        .execute();
      await db.insertInto('pushAttempts').values({ pushId: id, ...attempt }).execute();
    });
  }
  async listPushAttempts(pushId: number): Promise<PushAttemptRow[]> {
    const rows = await this.db.selectFrom('pushAttempts').selectAll().where('pushId', '=', pushId).orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), pushId: Number(r.pushId), durationMs: Number(r.durationMs) }));
  }
  async queueClientPush(push: Pick<PushRow, 'clientId' | 'messageId' | 'business' | 'fileName' | 'body'>, at: string): Promise<number> {
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      const known = await db.selectFrom('deliveries').select(['id']).where('clientId', '=', push.clientId!).where('messageId', '=', push.messageId).executeTakeFirst();
      if (known) {
        await db.updateTable('deliveries').set({ ackedAt: null, body: push.body ?? '' }).where('id', '=', known.id).execute();
        return Number(known.id);
      }
      const r = await db
        .insertInto('deliveries')
        .values({ clientId: push.clientId!, messageId: push.messageId, business: push.business, fileName: push.fileName, body: push.body ?? '', createdAt: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(r.id);
    });
  }
  async staleClientTargets(handedBefore: string, maxTakes: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('pushes as p')
      .innerJoin('deliveries as d', (j) => j.onRef('d.clientId', '=', 'p.clientId').onRef('d.messageId', '=', 'p.messageId'))
      .select('p.clientId')
      .distinct()
      .where('p.method', '=', 'client')
      .where('p.status', '=', 'pending')
      .where('p.handedAt', 'is not', null)
      .where('d.ackedAt', 'is', null)
      .where((eb) => eb.or([eb('p.handedAt', '<=', handedBefore), eb('d.attempts', '>=', maxTakes)]))
      .execute();
    return rows.map((r) => r.clientId!).filter(Boolean);
  }
  async clientAckedSince(clientId: string, since: string): Promise<boolean> {
    const r = await this.db.selectFrom('deliveries').select('id').where('clientId', '=', clientId).where('ackedAt', '>=', since).limit(1).executeTakeFirst();
    return !!r;
  }
  async getPushTarget(targetKey: string): Promise<PushTargetRow | undefined> {
    const r = await this.db.selectFrom('pushTargets').selectAll().where('targetKey', '=', targetKey).executeTakeFirst();
    return r && { ...r, consecutiveFailures: Number(r.consecutiveFailures) };
  }
  async upsertPushTarget(row: PushTargetRow): Promise<void> {
    await this.db
      .insertInto('pushTargets')
      .values(row)
      .onConflict((oc) => oc.column('targetKey').doUpdateSet({ consecutiveFailures: row.consecutiveFailures, suspendedAt: row.suspendedAt, probeAt: row.probeAt, lastError: row.lastError, updatedAt: row.updatedAt }))
      .execute();
  }
  async suspendedPushTargets(): Promise<PushTargetRow[]> {
    const rows = await this.db.selectFrom('pushTargets').selectAll().where('suspendedAt', 'is not', null).execute();
    return rows.map((r) => ({ ...r, consecutiveFailures: Number(r.consecutiveFailures) }));
  }
  async setTargetPushesStatus(targetKey: string, status: PushStatus, nextAttemptAt: string): Promise<number> {
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      // queued pushes stay in the client's queue; only their status says the target is suspended
      await db.updateTable('pushes').set({ status }).where('targetKey', '=', targetKey).where('handedAt', 'is not', null).where('status', '<>', 'delivered').execute();
      const r = await db.updateTable('pushes').set({ status, nextAttemptAt }).where('targetKey', '=', targetKey).where('handedAt', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    });
  }
  async markPushResent(id: number, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('pushes')
      .set({ resent: 1, resentAt: at, status: 'pending', handedAt: null, deliveredAt: null, nextAttemptAt: at, lastError: null })
      .where('id', '=', id)
      .where('body', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async dropPushPayloads(before: string): Promise<{ pushes: number; deliveries: number }> {
    const p = await this.db.updateTable('pushes').set({ body: null }).where('status', '=', 'delivered').where('createdAt', '<', before).where('body', 'is not', null).executeTakeFirst();
    const d = await this.db.deleteFrom('deliveries').where('ackedAt', 'is not', null).where('ackedAt', '<', before).executeTakeFirst();
    return { pushes: Number(p.numUpdatedRows), deliveries: Number(d.numDeletedRows) };
  }

  async insertWebhookEndpoint(row: Omit<WebhookEndpointRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('webhookEndpoints').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async getWebhookEndpoint(id: number) {
    const r = await this.db.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return r && webhookRow(r);
  }
  async listWebhookEndpoints(enterpriseCode: string) {
    const rows = await this.db.selectFrom('webhookEndpoints').selectAll().where('enterpriseCode', '=', enterpriseCode).orderBy('id', 'desc').execute();
    return rows.map(webhookRow);
  }
  async disableWebhookEndpoint(id: number, at: string) {
    const r = await this.db.updateTable('webhookEndpoints').set({ disabledAt: at }).where('id', '=', id).where('disabledAt', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async webhooksFor(subscriptionKind: PushSubscriptionKind, subscriptionIds: readonly number[]) {
    if (!subscriptionIds.length) return [];
    const rows = await this.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('subscriptionKind', '=', subscriptionKind)
      .where('subscriptionId', 'in', [...subscriptionIds])
      .where('disabledAt', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(webhookRow);
  }

  async insertPushJob(row: Omit<PushJobRow, 'id'>): Promise<number> {
    const { filter, ...rest } = row;
    const r = await this.db.insertInto('pushJobs').values({ ...rest, filterJson: JSON.stringify(filter) }).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async getPushJob(id: number) {
    const r = await this.db.selectFrom('pushJobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r && jobRow(r);
  }
  async runningPushJobs(limit: number) {
    const rows = await this.db.selectFrom('pushJobs').selectAll().where('status', '=', 'running').orderBy('id').limit(limit).execute();
    return rows.map(jobRow);
  }
  async updatePushJob(id: number, change: Partial<Pick<PushJobRow, 'status' | 'total' | 'doneCount' | 'skippedCount' | 'finishedAt' | 'error' | 'filter'>>) {
    const { filter, ...rest } = change;
    await this.db
      .updateTable('pushJobs')
      .set({ ...rest, ...(filter ? { filterJson: JSON.stringify(filter) } : {}) })
      .where('id', '=', id)
      .execute();
  }

  async insertFeedMessage(row: Omit<FeedMessageRow, 'id'>): Promise<number> {
    const { payload, ...rest } = row;
    // a redelivery of the same push is one message in the feed
    const known = await this.db.selectFrom('messageFeed').select('id').where('channel', '=', row.channel).where('messageId', '=', row.messageId).executeTakeFirst();
    if (known) return Number(known.id);
    const r = await this.db.insertInto('messageFeed').values({ ...rest, payloadJson: JSON.stringify(payload) }).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  listFeed(enterpriseCode: string, channel: 'app' | 'wechat' | undefined, q: ListQuery) {
    return paged(
      this.db,
      'messageFeed',
      (qb) => {
        let r = qb.where('enterpriseCode', '=', enterpriseCode);
        if (channel) r = r.where('channel', '=', channel);
        return r;
      },
      q,
      'createdAt',
      (r): FeedMessageRow => {
        const { payloadJson, ...rest } = r;
        return { ...rest, id: Number(r.id), pushId: Number(r.pushId), payload: JSON.parse(payloadJson) };
      },
    );
  }

  async insertManualChange(row: Omit<ManualChangeRow, 'id'>): Promise<number> {
    const { change, autoApprove, ...rest } = row;
    const r = await this.db.insertInto('manualChanges').values({ ...rest, autoApprove: autoApprove ? 1 : 0, changeJson: JSON.stringify(change) }).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async getManualChange(id: number) {
    const r = await this.db.selectFrom('manualChanges').selectAll().where('id', '=', id).executeTakeFirst();
    return r && manualChangeRow(r);
  }
  listManualChanges(manualNo: string, q: ListQuery) {
    return paged(this.db, 'manualChanges', (qb) => qb.where('manualNo', '=', manualNo), q, 'requestedAt', manualChangeRow);
  }
  async dueManualChanges(requestedBefore: string, limit: number) {
    const rows = await this.db.selectFrom('manualChanges').selectAll().where('status', '=', 'pending').where('requestedAt', '<=', requestedBefore).where('autoApprove', '=', 1).orderBy('requestedAt').orderBy('id').limit(limit).execute();
    return rows.map(manualChangeRow);
  }
  async approveManualChange(id: number, version: number, at: string) {
    const r = await this.db.updateTable('manualChanges').set({ status: 'approved', version, decidedAt: at }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async bumpManualVersion(manualNo: string): Promise<number> {
    const r = await this.db
      .updateTable('manuals')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('manualNo', '=', manualNo)
      .returning('version')
      .executeTakeFirstOrThrow();
    return Number(r.version);
  }
  async updateManualHead(manualNo: string, head: Record<string, string>) {
    await this.db.updateTable('manuals').set({ headJson: JSON.stringify(head) }).where('manualNo', '=', manualNo).execute();
  }
  async upsertManualItem(row: ManualItemRow) {
    await this.db
      .insertInto('manualItems')
      .values(row)
      .onConflict((oc) => oc.columns(['manualNo', 'kind', 'serial']).doUpdateSet({ code: row.code, name: row.name, model: row.model, unit: row.unit, quantity: row.quantity }))
      .execute();
  }
  async deleteManualItem(manualNo: string, kind: 'img' | 'exg', serial: number) {
    await this.db.deleteFrom('manualItems').where('manualNo', '=', manualNo).where('kind', '=', kind).where('serial', '=', serial).execute();
  }
}
