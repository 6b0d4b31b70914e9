/** Processing-trade manuals (加工贸易账册) on Kysely. */
import type { Selectable } from 'kysely';
import type { ManualItemRow, ManualRow, ManualStore } from '../../../core/manuals/store.js';
import type { Database } from '../schema.js';
import { chunks, inTransaction, type Db } from './common.js';

function manualRow(r: Selectable<Database['manuals']>): ManualRow {
  return {
    manualNo: r.manualNo,
    enterpriseCode: r.enterpriseCode,
    head: JSON.parse(r.headJson),
    version: Number(r.version),
    createdAt: r.createdAt,
  };
}

export class KyselyManualStore implements ManualStore {
  constructor(private readonly db: Db) {}

  async insert(row: ManualRow, items: readonly ManualItemRow[]) {
    await inTransaction(this.db, async (db) => {
      const { head, ...rest } = row;
      await db
        .insertInto('manuals')
        .values({ ...rest, headJson: JSON.stringify(head) })
        .execute();
      for (const part of chunks(items, 100)) await db.insertInto('manualItems').values(part).execute();
    });
  }
  async get(manualNo: string): Promise<ManualRow | undefined> {
    const r = await this.db.selectFrom('manuals').selectAll().where('manualNo', '=', manualNo).executeTakeFirst();
    return r && manualRow(r);
  }
  async list(enterpriseCode: string): Promise<ManualRow[]> {
    const rows = await this.db
      .selectFrom('manuals')
      .selectAll()
      .where('enterpriseCode', '=', enterpriseCode)
      .orderBy('manualNo')
      .limit(1000)
      .execute();
    return rows.map(manualRow);
  }
  async listItems(manualNo: string): Promise<ManualItemRow[]> {
    const rows = await this.db
      .selectFrom('manualItems')
      .selectAll()
      .where('manualNo', '=', manualNo)
      .orderBy('kind')
      .orderBy('serial')
      .execute();
    return rows.map((r) => ({ ...r, serial: Number(r.serial) }));
  }
  async bumpVersion(manualNo: string): Promise<number> {
    const r = await this.db
      .updateTable('manuals')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('manualNo', '=', manualNo)
      .returning('version')
      .executeTakeFirstOrThrow();
    return Number(r.version);
  }
  async updateHead(manualNo: string, head: Record<string, string>) {
    await this.db
      .updateTable('manuals')
      .set({ headJson: JSON.stringify(head) })
      .where('manualNo', '=', manualNo)
      .execute();
  }
  async upsertItem(row: ManualItemRow) {
    await this.db
      .insertInto('manualItems')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['manualNo', 'kind', 'serial'])
          .doUpdateSet({ code: row.code, name: row.name, model: row.model, unit: row.unit, quantity: row.quantity }),
      )
      .execute();
  }
  async deleteItem(manualNo: string, kind: 'img' | 'exg', serial: number) {
    await this.db
      .deleteFrom('manualItems')
      .where('manualNo', '=', manualNo)
      .where('kind', '=', kind)
      .where('serial', '=', serial)
      .execute();
  }
}
