/** Declarations and their receipts on Kysely. */
import type { DeclarationReceiptRow, DeclarationRow, DeclarationStore } from '../../../core/declarations/store.js';
import type { Db } from './common.js';

export class KyselyDeclarationStore implements DeclarationStore {
  constructor(private readonly db: Db) {}

  async insert(row: DeclarationRow) {
    await this.db.insertInto('declarations').values(row).execute();
  }
  get(seqNo: string) {
    return this.db.selectFrom('declarations').selectAll().where('seqNo', '=', seqNo).executeTakeFirst();
  }
  findByNumber(documentNo: string) {
    return this.db
      .selectFrom('declarations')
      .selectAll()
      .where((eb) => eb.or([eb('seqNo', '=', documentNo), eb('entryId', '=', documentNo)]))
      .executeTakeFirst();
  }
  async updateStatus(seqNo: string, channel: string, entryId: string, updatedAt: string) {
    await this.db.updateTable('declarations').set({ channel, entryId, updatedAt }).where('seqNo', '=', seqNo).execute();
  }
  listFor(enterpriseCode: string, limit: number) {
    return this.db
      .selectFrom('declarations')
      .selectAll()
      .where((eb) =>
        eb.or([eb('senderEnterprise', '=', enterpriseCode), eb('tradeCode', '=', enterpriseCode), eb('ownerCode', '=', enterpriseCode)]),
      )
      .orderBy('declaredAt', 'desc')
      .limit(limit)
      .execute();
  }
  async insertReceipt(row: DeclarationReceiptRow) {
    await this.db.insertInto('declarationReceipts').values(row).execute();
  }
  listReceipts(seqNo: string): Promise<DeclarationReceiptRow[]> {
    return this.db
      .selectFrom('declarationReceipts')
      .select(['seqNo', 'channel', 'note', 'xml', 'createdAt'])
      .where('seqNo', '=', seqNo)
      .orderBy('id')
      .execute();
  }
}
