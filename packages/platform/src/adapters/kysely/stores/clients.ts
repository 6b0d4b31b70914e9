/** The client registry on Kysely. */
import type { ClientQuery, ClientRow, ClientStatus, ClientStore, RegionChangeQuery, RegionChangeRow } from '../../../core/clients/store.js';
import type { Paged } from '../../../core/paging.js';
import { createdRange, paged, type Db } from './common.js';

export class KyselyClientStore implements ClientStore {
  constructor(private readonly db: Db) {}

  async insert(row: ClientRow) {
    await this.db
      .insertInto('clients')
      .values({ ...row, deviceBoundAt: row.deviceBoundAt ?? null, lastSeenAt: row.lastSeenAt ?? null })
      .execute();
  }
  get(clientId: string): Promise<ClientRow | undefined> {
    return this.db.selectFrom('clients').selectAll().where('clientId', '=', clientId).executeTakeFirst();
  }
  list(enterpriseCode: string, q: ClientQuery): Promise<Paged<ClientRow>> {
    const base = this.db
      .selectFrom('clients')
      .where('enterpriseCode', '=', enterpriseCode)
      .$if(!!q.status, (qb) => qb.where('status', '=', q.status!))
      .$if(!!q.clientId, (qb) => qb.where('clientId', '=', q.clientId!));
    return paged(
      createdRange(base, q, 'createdAt'),
      q,
      (qb) => qb.selectAll().orderBy('createdAt', 'desc').orderBy('clientId', 'desc'),
      (r) => r,
    );
  }
  async setStatus(clientId: string, status: ClientStatus) {
    await this.db.updateTable('clients').set({ status }).where('clientId', '=', clientId).execute();
  }
  async setDevice(clientId: string, fingerprint: string | null, at: string | null) {
    await this.db
      .updateTable('clients')
      .set({ deviceFingerprint: fingerprint, deviceBoundAt: at })
      .where('clientId', '=', clientId)
      .execute();
  }
  async touchSeen(clientId: string, at: string, notBefore: string) {
    await this.db
      .updateTable('clients')
      .set({ lastSeenAt: at })
      .where('clientId', '=', clientId)
      .where((eb) => eb.or([eb('lastSeenAt', 'is', null), eb('lastSeenAt', '<', notBefore)]))
      .execute();
  }

  async setRegion(clientId: string, region: string) {
    await this.db.updateTable('clients').set({ region }).where('clientId', '=', clientId).execute();
  }
  async insertRegionChange(row: Omit<RegionChangeRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('clientRegionChanges').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async getRegionChange(id: number): Promise<RegionChangeRow | undefined> {
    const r = await this.db.selectFrom('clientRegionChanges').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { ...r, id: Number(r.id) };
  }
  listRegionChanges(q: RegionChangeQuery): Promise<Paged<RegionChangeRow>> {
    const base = this.db
      .selectFrom('clientRegionChanges')
      .$if(!!q.enterpriseCode, (qb) => qb.where('enterpriseCode', '=', q.enterpriseCode!))
      .$if(!!q.clientId, (qb) => qb.where('clientId', '=', q.clientId!))
      .$if(!!q.status, (qb) => qb.where('status', '=', q.status!));
    return paged(
      createdRange(base, q, 'requestedAt'),
      q,
      (qb) => qb.selectAll().orderBy('requestedAt', 'desc').orderBy('id', 'desc'),
      (r): RegionChangeRow => ({ ...r, id: Number(r.id) }),
    );
  }
  async decideRegionChange(
    id: number,
    d: { status: 'approved' | 'rejected'; decidedBy: string; decisionNote: string | null; decidedAt: string },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('clientRegionChanges')
      .set(d)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
