/** SMS verification codes and the embedded provider's outbox on Kysely. */
import type { ListQuery } from '../../../core/paging.js';
import type { SmsOutboxRow, SmsStore, VerificationCodeRow } from '../../../core/sms/store.js';
import { createdRange, paged, type Db } from './common.js';

export class KyselySmsStore implements SmsStore {
  constructor(private readonly db: Db) {}

  async insertCode(row: Omit<VerificationCodeRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('verificationCodes').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  async recentCodes(phone: string, since: string): Promise<VerificationCodeRow[]> {
    const rows = await this.db
      .selectFrom('verificationCodes')
      .selectAll()
      .where('phone', '=', phone)
      .where('createdAt', '>=', since)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }));
  }
  async countAttempt(id: number) {
    await this.db
      .updateTable('verificationCodes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }
  async useCode(id: number, at: string) {
    const r = await this.db
      .updateTable('verificationCodes')
      .set({ usedAt: at })
      .where('id', '=', id)
      .where('usedAt', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async insertOutbox(row: Omit<SmsOutboxRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('smsOutbox').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }
  listOutbox(enterpriseCode: string, q: ListQuery) {
    const base = this.db.selectFrom('smsOutbox').where('enterpriseCode', '=', enterpriseCode);
    return paged(
      createdRange(base, q, 'createdAt'),
      q,
      (qb) => qb.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc'),
      (r): SmsOutboxRow => ({ ...r, id: Number(r.id) }),
    );
  }
}
