/** The identity slice on Kysely: enterprises, operators, IC cards, sessions. */
import type { CardRow, EnterpriseRow, IdentityStore, OperatorRow, SessionRow } from '../../../core/identity/store.js';
import type { Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { ListQuery } from '../../../core/paging.js';
import { chunks, paged, type Db } from './common.js';

/** A card row as the core knows it: `locked` a boolean, counts as numbers (PostgreSQL and SQLite alike). */
function card(r: Selectable<Database['cards']>): CardRow {
  return { ...r, locked: Number(r.locked) === 1, triesLeft: Number(r.triesLeft) };
}

export class KyselyIdentityStore implements IdentityStore {
  constructor(private readonly db: Db) {}

  async insertEnterprise(row: EnterpriseRow) {
    await this.db.insertInto('enterprises').values(row).execute();
  }
  getEnterprise(customsCode: string) {
    return this.db.selectFrom('enterprises').selectAll().where('customsCode', '=', customsCode).executeTakeFirst();
  }
  async countEnterprises() {
    const r = await this.db
      .selectFrom('enterprises')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insertOperator(row: OperatorRow) {
    await this.db.insertInto('operators').values(row).execute();
  }
  getOperator(account: string) {
    return this.db.selectFrom('operators').selectAll().where('account', '=', account).executeTakeFirst();
  }

  async getOperators(accounts: readonly string[]) {
    const out: OperatorRow[] = [];
    for (const part of chunks([...new Set(accounts)], 500))
      out.push(...(await this.db.selectFrom('operators').selectAll().where('account', 'in', part).execute()));
    return out;
  }

  listOperators(enterpriseCode: string, q: ListQuery) {
    return paged(
      this.db.selectFrom('operators').where('enterpriseCode', '=', enterpriseCode),
      q,
      (qb) => qb.selectAll().orderBy('createdAt').orderBy('account'),
      (r: OperatorRow) => r,
    );
  }
  async countActiveAdmins(enterpriseCode: string) {
    const r = await this.db
      .selectFrom('operators')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('enterpriseCode', '=', enterpriseCode)
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async updateOperator(account: string, patch: Partial<Pick<OperatorRow, 'role' | 'status' | 'passwordHash' | 'name'>>) {
    if (!Object.keys(patch).length) return;
    await this.db.updateTable('operators').set(patch).where('account', '=', account).execute();
  }

  async insertCard(row: CardRow) {
    await this.db
      .insertInto('cards')
      .values({ ...row, locked: row.locked ? 1 : 0 })
      .execute();
  }
  async getCard(cardNo: string): Promise<CardRow | undefined> {
    const r = await this.db.selectFrom('cards').selectAll().where('cardNo', '=', cardNo).executeTakeFirst();
    return r && card(r);
  }
  async getCards(cardNos: readonly string[]): Promise<CardRow[]> {
    const out: CardRow[] = [];
    for (const part of chunks([...new Set(cardNos)], 500))
      for (const r of await this.db.selectFrom('cards').selectAll().where('cardNo', 'in', part).execute()) out.push(card(r));
    return out;
  }
  async listCards(enterpriseCode: string): Promise<CardRow[]> {
    const rows = await this.db.selectFrom('cards').selectAll().where('enterpriseCode', '=', enterpriseCode).orderBy('cardNo').execute();
    return rows.map(card);
  }
  async cardsHeldBy(accounts: readonly string[]): Promise<CardRow[]> {
    const out: CardRow[] = [];
    for (const part of chunks([...new Set(accounts)], 500))
      for (const r of await this.db.selectFrom('cards').selectAll().where('holderAccount', 'in', part).orderBy('cardNo').execute())
        out.push(card(r));
    return out;
  }
  async setCardHolder(cardNo: string, account: string | null) {
    await this.db.updateTable('cards').set({ holderAccount: account }).where('cardNo', '=', cardNo).execute();
  }
  async recordCardPinFailure(cardNo: string): Promise<{ triesLeft: number; locked: boolean }> {
    const r = await this.db
      .updateTable('cards')
      .set((eb) => ({
        triesLeft: eb
          .case()
          .when('triesLeft', '>', 0)
          .then(eb('triesLeft', '-', 1))
          .else(0)
          .end(),
        locked: eb.case().when('triesLeft', '<=', 1).then(1).else(eb.ref('locked')).end(),
      }))
      .where('cardNo', '=', cardNo)
      .returning(['triesLeft', 'locked'])
      .executeTakeFirstOrThrow();
    return { triesLeft: Number(r.triesLeft), locked: Number(r.locked) === 1 };
  }
  async resetCardPinTries(cardNo: string, tries: number) {
    await this.db
      .updateTable('cards')
      .set({ triesLeft: tries })
      .where('cardNo', '=', cardNo)
      .where('locked', '=', 0)
      .where('triesLeft', '<>', tries)
      .execute();
  }

  async insertSession(row: SessionRow) {
    await this.db.insertInto('sessions').values(row).execute();
  }
  getSession(tokenHash: string) {
    return this.db.selectFrom('sessions').selectAll().where('tokenHash', '=', tokenHash).executeTakeFirst();
  }
  async deleteSession(tokenHash: string) {
    await this.db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
  }
  async deleteSessionsOf(account: string) {
    await this.db.deleteFrom('sessions').where('account', '=', account).execute();
  }
}
