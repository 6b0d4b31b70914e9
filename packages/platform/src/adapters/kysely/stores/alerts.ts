/** Alerts on Kysely: each condition one query over every enterprise; occurrences kept unique while open by `open_key`. */
import { sql, type Selectable } from 'kysely';
import type {
  AlertCondition,
  AlertNotificationQuery,
  AlertRow,
  AlertSettingRow,
  AlertStore,
  ExpiringCardRow,
  ExpiringSubscriptionRow,
  OfflineClientRow,
  OpenAlert,
  SuspendedClientRow,
} from '../../../core/alerts/store.js';
import type { Paged } from '../../../core/paging.js';
import type { Database } from '../schema.js';
import { chunks, paged, type Db } from './common.js';

function alert(r: Selectable<Database['alerts']>): AlertRow {
  const { detailJson, deliveriesJson, openKey: _k, ...rest } = r;
  return {
    ...rest,
    id: Number(r.id),
    console: Number(r.console) === 1,
    detail: JSON.parse(detailJson) as AlertRow['detail'],
    deliveries: JSON.parse(deliveriesJson) as Record<string, string>,
  };
}

const openKey = (c: Pick<AlertCondition, 'enterpriseCode' | 'kind' | 'subject'>) => `${c.enterpriseCode}|${c.kind}|${c.subject}`;

export class KyselyAlertStore implements AlertStore {
  constructor(private readonly db: Db) {}

  async offlineCandidates(seenBefore: string, enterpriseCode?: string): Promise<OfflineClientRow[]> {
    return this.db
      .selectFrom('clients')
      .select(['clientId', 'enterpriseCode', 'transport', 'lastSeenAt'])
      .where('status', '=', 'active')
      .$if(!!enterpriseCode, (qb) => qb.where('enterpriseCode', '=', enterpriseCode!))
      .where((eb) =>
        eb.or([
          eb.and([eb('transport', '=', 'http'), eb('lastSeenAt', 'is not', null), eb('lastSeenAt', '<', seenBefore)]),
          eb('transport', '=', 'amqp'),
        ]),
      )
      .orderBy('clientId')
      .execute();
  }

  async suspendedClients(enterpriseCode?: string): Promise<SuspendedClientRow[]> {
    const rows = await this.db
      .selectFrom('clients')
      .innerJoin('pushTargets', (j) => j.on(sql<boolean>`push_targets.target_key = 'client:' || clients.client_id`))
      .select(['clients.clientId', 'clients.enterpriseCode', 'pushTargets.suspendedAt'])
      .where('clients.status', '=', 'active')
      .where('pushTargets.suspendedAt', 'is not', null)
      .$if(!!enterpriseCode, (qb) => qb.where('clients.enterpriseCode', '=', enterpriseCode!))
      .orderBy('clients.clientId')
      .execute();
    return rows.map((r) => ({ clientId: r.clientId, enterpriseCode: r.enterpriseCode, suspendedAt: r.suspendedAt! }));
  }

  async expiringSubscriptions(now: string, until: string, enterpriseCode?: string): Promise<ExpiringSubscriptionRow[]> {
    const db = this.db;
    const declaration = db
      .selectFrom('declarationSubscriptions')
      .select([sql<string>`'declaration'`.as('subscriptionKind'), 'id', 'enterpriseCode', 'clientId', 'validUntil', 'expiresAt'])
      .where('cancelledAt', 'is', null)
      .where('expiresAt', '>', now)
      .where('expiresAt', '<=', until)
      .$if(!!enterpriseCode, (qb) => qb.where('enterpriseCode', '=', enterpriseCode!));
    const manual = db
      .selectFrom('manualSubscriptions')
      .select([sql<string>`'manual'`.as('subscriptionKind'), 'id', 'enterpriseCode', 'clientId', 'validUntil', 'expiresAt'])
      .where('kind', '=', 'incremental')
      .where('cancelledAt', 'is', null)
      .where('expiresAt', '>', now)
      .where('expiresAt', '<=', until)
      .$if(!!enterpriseCode, (qb) => qb.where('enterpriseCode', '=', enterpriseCode!));
    const receipt = db
      .selectFrom('receiptSubscriptions')
      .select([sql<string>`'receipt'`.as('subscriptionKind'), 'id', 'enterpriseCode', 'clientId', 'validUntil', 'expiresAt'])
      .where('cancelledAt', 'is', null)
      .where('expiresAt', 'is not', null)
      .where('expiresAt', '>', now)
      .where('expiresAt', '<=', until)
      .$if(!!enterpriseCode, (qb) => qb.where('enterpriseCode', '=', enterpriseCode!));
    // one statement for the three kinds: the union is ordered as a whole
    const rows = await db
      .selectFrom(
        declaration
          .unionAll(manual as never)
          .unionAll(receipt as never)
          .as('s'),
      )
      .selectAll()
      .orderBy('expiresAt')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      subscriptionKind: r.subscriptionKind as ExpiringSubscriptionRow['subscriptionKind'],
      id: Number(r.id),
      enterpriseCode: r.enterpriseCode,
      clientId: r.clientId,
      validUntil: r.validUntil!,
      expiresAt: r.expiresAt!,
    }));
  }

  async expiringCards(now: string, until: string, enterpriseCode?: string): Promise<ExpiringCardRow[]> {
    const rows = await this.db
      .selectFrom('cards')
      // the card's 有效期至 (cards.valid_until, FAQ 20); cards without one never expire
      .select(['cardNo', 'enterpriseCode', 'kind', 'validUntil as expiresAt'])
      .where('locked', '=', 0)
      .where('validUntil', 'is not', null)
      .where('validUntil', '>', now)
      .where('validUntil', '<=', until)
      .$if(!!enterpriseCode, (qb) => qb.where('enterpriseCode', '=', enterpriseCode!))
      .orderBy('validUntil')
      .execute();
    return rows.map((r) => ({ ...r, expiresAt: r.expiresAt! }));
  }

  async clientOwners(clientIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks([...new Set(clientIds)], 500))
      for (const r of await this.db.selectFrom('clients').select(['clientId', 'enterpriseCode']).where('clientId', 'in', part).execute())
        out.set(r.clientId, r.enterpriseCode);
    return out;
  }

  async openAlerts(): Promise<OpenAlert[]> {
    const rows = await this.db
      .selectFrom('alerts')
      .select(['id', 'enterpriseCode', 'kind', 'subject'])
      .where('openKey', 'is not', null)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async open(rows: (AlertCondition & { firedAt: string; console: boolean })[]): Promise<AlertRow[]> {
    const out: AlertRow[] = [];
    for (const part of chunks(rows, 200)) {
      const inserted = await this.db
        .insertInto('alerts')
        .values(
          part.map((r) => ({
            enterpriseCode: r.enterpriseCode,
            kind: r.kind,
            subject: r.subject,
            openKey: openKey(r),
            detailJson: JSON.stringify(r.detail),
            firedAt: r.firedAt,
            clearedAt: null,
            console: r.console ? 1 : 0,
            readAt: null,
          })),
        )
        .onConflict((oc) => oc.column('openKey').doNothing())
        .returningAll()
        .execute();
      out.push(...inserted.map(alert));
    }
    return out;
  }

  async clear(ids: readonly number[], at: string): Promise<void> {
    for (const part of chunks([...ids], 500))
      await this.db
        .updateTable('alerts')
        .set({ clearedAt: at, openKey: null })
        .where('id', 'in', part)
        .where('openKey', 'is not', null)
        .execute();
  }

  async recordDeliveries(id: number, deliveries: Record<string, string>): Promise<void> {
    await this.db
      .updateTable('alerts')
      .set({ deliveriesJson: JSON.stringify(deliveries) })
      .where('id', '=', id)
      .execute();
  }

  async deleteClearedBefore(at: string): Promise<number> {
    const r = await this.db.deleteFrom('alerts').where('clearedAt', 'is not', null).where('clearedAt', '<', at).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  notifications(enterpriseCode: string, q: AlertNotificationQuery): Promise<Paged<AlertRow>> {
    const base = this.db
      .selectFrom('alerts')
      .where('enterpriseCode', '=', enterpriseCode)
      .where('console', '=', 1)
      .$if(!!q.unread, (qb) => qb.where('readAt', 'is', null));
    return paged(base, q, (qb) => qb.selectAll().orderBy('id', 'desc'), alert);
  }

  async countUnread(enterpriseCode: string): Promise<number> {
    const r = await this.db
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('enterpriseCode', '=', enterpriseCode)
      .where('console', '=', 1)
      .where('readAt', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async markRead(enterpriseCode: string, ids: readonly number[] | 'all', at: string): Promise<number> {
    let changed = 0;
    for (const part of ids === 'all' ? [null] : chunks([...ids], 500)) {
      const r = await this.db
        .updateTable('alerts')
        .set({ readAt: at })
        .where('enterpriseCode', '=', enterpriseCode)
        .where('console', '=', 1)
        .where('readAt', 'is', null)
        .$if(part !== null, (qb) => qb.where('id', 'in', part!))
        .executeTakeFirst();
      changed += Number(r.numUpdatedRows);
    }
    return changed;
  }

  async settings(enterpriseCodes: readonly string[]): Promise<AlertSettingRow[]> {
    const out: AlertSettingRow[] = [];
    for (const part of chunks([...new Set(enterpriseCodes)], 500))
      for (const r of await this.db.selectFrom('alertSettings').selectAll().where('enterpriseCode', 'in', part).execute())
        out.push({
          enterpriseCode: r.enterpriseCode,
          kind: r.kind,
          channels: JSON.parse(r.channelsJson) as AlertSettingRow['channels'],
          phones: JSON.parse(r.phonesJson) as string[],
          emails: JSON.parse(r.emailsJson) as string[],
          webhookIds: JSON.parse(r.webhookIdsJson) as number[],
          updatedAt: r.updatedAt,
        });
    return out;
  }

  async saveSetting(row: AlertSettingRow): Promise<void> {
    const values = {
      channelsJson: JSON.stringify(row.channels),
      phonesJson: JSON.stringify(row.phones),
      emailsJson: JSON.stringify(row.emails),
      webhookIdsJson: JSON.stringify(row.webhookIds),
      updatedAt: row.updatedAt,
    };
    await this.db
      .insertInto('alertSettings')
      .values({ enterpriseCode: row.enterpriseCode, kind: row.kind, ...values })
      .onConflict((oc) => oc.columns(['enterpriseCode', 'kind']).doUpdateSet(values))
      .execute();
  }
}
