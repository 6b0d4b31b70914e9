/** Declarations and their receipts on Kysely. */
import type { Selectable } from 'kysely';
import type { DeclarationReceiptRow, DeclarationRow, DeclarationStore } from '../../../core/declarations/store.js';
import type { Database } from '../schema.js';
import type { Db } from './common.js';

/** The row as the core knows it: without the column that holds the ClientSeqNo unique. */
function declaration(r: Selectable<Database['declarations']>): DeclarationRow {
  const { uniqueClientSeqNo, ...row } = r;
  void uniqueClientSeqNo;
  return row;
}

export class KyselyDeclarationStore implements DeclarationStore {
  constructor(private readonly db: Db) {}

  async insert(row: DeclarationRow) {
    // the unique index on (sender_enterprise, unique_client_seq_no) decides, also between two instances racing
    const r = await this.db
      .insertInto('declarations')
      .values({ ...row, uniqueClientSeqNo: row.clientSeqNo || null })
      .onConflict((oc) => oc.columns(['senderEnterprise', 'uniqueClientSeqNo']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async get(seqNo: string) {
    const r = await this.db.selectFrom('declarations').selectAll().where('seqNo', '=', seqNo).executeTakeFirst();
    return r && declaration(r);
  }
  async findByClientSeqNo(senderEnterprise: string, clientSeqNo: string) {
    const r = await this.db
      .selectFrom('declarations')
      .selectAll()
      .where('senderEnterprise', '=', senderEnterprise)
      .where('uniqueClientSeqNo', '=', clientSeqNo)
      .executeTakeFirst();
    return r && declaration(r);
  }
  async findByNumber(documentNo: string) {
    const r = await this.db
      .selectFrom('declarations')
      .selectAll()
      .where((eb) => eb.or([eb('seqNo', '=', documentNo), eb('entryId', '=', documentNo)]))
      .executeTakeFirst();
    return r && declaration(r);
  }
  async updateStatus(seqNo: string, channel: string, entryId: string, updatedAt: string) {
    await this.db.updateTable('declarations').set({ channel, entryId, updatedAt }).where('seqNo', '=', seqNo).execute();
  }
  async listFor(enterpriseCode: string, limit: number) {
    const rows = await this.db
      .selectFrom('declarations')
      .selectAll()
      .where((eb) =>
        eb.or([eb('senderEnterprise', '=', enterpriseCode), eb('tradeCode', '=', enterpriseCode), eb('ownerCode', '=', enterpriseCode)]),
      )
      .orderBy('declaredAt', 'desc')
      .limit(limit)
      .execute();
    return rows.map(declaration);
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
