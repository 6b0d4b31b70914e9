/** Named serials on Kysely. */
import type { SerialStore } from '../../../core/store.js';
import type { Db } from './common.js';

export class KyselySerialStore implements SerialStore {
  constructor(private readonly db: Db) {}

  next(name: string): Promise<number> {
    return this.nextMany(name, 1);
  }

  async nextMany(name: string, count: number): Promise<number> {
    // one statement: two instances asking for the first value of a serial at once cannot both insert it
    const row = await this.db
      .insertInto('serials')
      .values({ name, value: count })
      .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('serials.value', '+', count) })))
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value) - count + 1;
  }

  async giveBack(name: string, count: number, last: number): Promise<boolean> {
    const r = await this.db
      .updateTable('serials')
      .set((eb) => ({ value: eb('value', '-', count) }))
      .where('name', '=', name)
      .where('value', '=', last)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
