/** Declarations and their receipts on Kysely. */
import type { Selectable } from 'kysely';
import type { DeclarationReceiptRow, DeclarationRow, DeclarationStatus, DeclarationStore } from '../../../core/declarations/store.js';
import type { Database } from '../schema.js';
import { chunks, type Db } from './common.js';

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
  async getMany(seqNos: readonly string[]) {
    const out: DeclarationRow[] = [];
    for (const part of chunks([...new Set(seqNos)], 500)) {
      const rows = await this.db.selectFrom('declarations').selectAll().where('seqNo', 'in', part).execute();
      for (const r of rows) out.push(declaration(r));
    }
    return out;
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
  async findByClientSeqNos(senderEnterprise: string, clientSeqNos: readonly string[]) {
    const out: DeclarationRow[] = [];
    for (const part of chunks([...new Set(clientSeqNos)], 500)) {
      const rows = await this.db
        .selectFrom('declarations')
        .selectAll()
        .where('senderEnterprise', '=', senderEnterprise)
        .where('uniqueClientSeqNo', 'in', part)
        .execute();
      for (const r of rows) out.push(declaration(r));
    }
    return out;
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
  async updateStatuses(given: readonly DeclarationStatus[]) {
    const rows = [...new Map(given.map((r) => [r.seqNo, r])).values()]; // a SeqNo given twice: the last one holds
    if (!rows.length) return;
    if (rows.length === 1) return this.updateStatus(rows[0].seqNo, rows[0].channel, rows[0].entryId, rows[0].updatedAt);
    for (const part of chunks(rows, 200)) {
      // one statement for the set: each row's values chosen by its SeqNo
      await this.db
        .updateTable('declarations')
        .set((eb) => {
          const by = (value: (r: DeclarationStatus) => string, column: 'channel' | 'entryId' | 'updatedAt') => {
            let c = eb.case().when('seqNo', '=', part[0].seqNo).then(value(part[0]));
            for (const r of part.slice(1)) c = c.when('seqNo', '=', r.seqNo).then(value(r));
            return c.else(eb.ref(column)).end();
          };
          return {
            channel: by((r) => r.channel, 'channel'),
            entryId: by((r) => r.entryId, 'entryId'),
            updatedAt: by((r) => r.updatedAt, 'updatedAt'),
          };
        })
        .where(
          'seqNo',
          'in',
          part.map((r) => r.seqNo),
        )
        .execute();
    }
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
  async insertReceipts(rows: readonly DeclarationReceiptRow[]) {
    for (const part of chunks(rows, 100)) await this.db.insertInto('declarationReceipts').values(part).execute();
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
