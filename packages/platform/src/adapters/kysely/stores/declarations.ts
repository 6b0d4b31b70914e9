/** Declarations and their receipts on Kysely. */
import { sql, type Selectable } from 'kysely';
import type {
  DeclarationFacts,
  DeclarationInsertOptions,
  DeclarationReceiptRow,
  DeclarationRow,
  DeclarationStatus,
  DeclarationStore,
} from '../../../core/declarations/store.js';
import type { Database } from '../schema.js';
import { chunks, type Db } from './common.js';

/** The columns of a declaration's facts (all but its XML and the ClientSeqNo's unique column). */
const FACTS = [
  'seqNo',
  'clientSeqNo',
  'senderClientId',
  'senderEnterprise',
  'tradeCode',
  'ownerCode',
  'agentCode',
  'ieFlag',
  'customMaster',
  'entryId',
  'channel',
  'messageId',
  'icCode',
  'typistNo',
  'declaredAt',
  'updatedAt',
] as const satisfies readonly (keyof DeclarationFacts)[];

const utf8 = new TextDecoder();

/**
 * The row as the core knows it: without the column that holds the ClientSeqNo unique, and with its
 * XML read from the inbound message when it is kept there once (`xml` '').
 */
function declaration(r: Selectable<Database['declarations']> & { inboundBody: Uint8Array | null }): DeclarationRow {
  const { uniqueClientSeqNo, inboundBody, ...row } = r;
  void uniqueClientSeqNo;
  return row.xml === '' && inboundBody ? { ...row, xml: utf8.decode(inboundBody) } : row;
}

export class KyselyDeclarationStore implements DeclarationStore {
  constructor(private readonly db: Db) {}

  /** declarations with their XML: a declaration kept once has it in its inbound message */
  private withXml() {
    return this.db
      .selectFrom('declarations as d')
      .leftJoin('inboundMessages as m', (j) =>
        j.on('d.xml', '=', '').onRef('m.clientId', '=', 'd.senderClientId').onRef('m.messageId', '=', 'd.messageId'),
      )
      .selectAll('d')
      .select('m.body as inboundBody');
  }

  async insert(row: DeclarationRow, opts: DeclarationInsertOptions = {}) {
    // the unique index on (sender_enterprise, unique_client_seq_no) decides, also between two instances racing
    const r = await this.db
      .insertInto('declarations')
      .values({ ...row, xml: opts.xmlIsInboundBody ? '' : row.xml, uniqueClientSeqNo: row.clientSeqNo || null })
      .onConflict((oc) => oc.columns(['senderEnterprise', 'uniqueClientSeqNo']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async insertMany(rows: readonly { row: DeclarationRow; opts?: DeclarationInsertOptions }[]) {
    const written = new Set<string>();
    for (const part of chunks(rows, 100)) {
      const r = await this.db
        .insertInto('declarations')
        .values(
          part.map(({ row, opts }) => ({ ...row, xml: opts?.xmlIsInboundBody ? '' : row.xml, uniqueClientSeqNo: row.clientSeqNo || null })),
        )
        .onConflict((oc) => oc.columns(['senderEnterprise', 'uniqueClientSeqNo']).doNothing())
        .returning('seqNo')
        .execute();
      for (const { seqNo } of r) written.add(seqNo);
    }
    return written;
  }
  async get(seqNo: string) {
    const r = await this.withXml().where('d.seqNo', '=', seqNo).executeTakeFirst();
    return r && declaration(r);
  }
  async getMany(seqNos: readonly string[]) {
    const out: DeclarationFacts[] = [];
    for (const part of chunks([...new Set(seqNos)], 500))
      out.push(...(await this.db.selectFrom('declarations').select(FACTS).where('seqNo', 'in', part).execute()));
    return out;
  }
  async findByClientSeqNo(senderEnterprise: string, clientSeqNo: string) {
    const r = await this.withXml()
      .where('d.senderEnterprise', '=', senderEnterprise)
      .where('d.uniqueClientSeqNo', '=', clientSeqNo)
      .executeTakeFirst();
    return r && declaration(r);
  }
  async findByClientSeqNos(senderEnterprise: string, clientSeqNos: readonly string[]) {
    const out: DeclarationRow[] = [];
    for (const part of chunks([...new Set(clientSeqNos)], 500)) {
      const rows = await this.withXml()
        .where('d.senderEnterprise', '=', senderEnterprise)
        .where('d.uniqueClientSeqNo', 'in', part)
        .execute();
      for (const r of rows) out.push(declaration(r));
    }
    return out;
  }
  async findByNumber(documentNo: string) {
    const r = await this.withXml()
      .where((eb) => eb.or([eb('d.seqNo', '=', documentNo), eb('d.entryId', '=', documentNo)]))
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
      // one statement for the set: each row's values chosen by its SeqNo (one CASE written out at once:
      // Kysely's case builder copies the whole expression at each branch added)
      const by = (value: (r: DeclarationStatus) => string, column: 'channel' | 'entryId' | 'updatedAt') =>
        sql<string>`case ${sql.join(
          part.map((r) => sql`when ${sql.ref('seqNo')} = ${r.seqNo} then ${value(r)}`),
          sql` `,
        )} else ${sql.ref(column)} end`;
      await this.db
        .updateTable('declarations')
        .set({
          channel: by((r) => r.channel, 'channel'),
          entryId: by((r) => r.entryId, 'entryId'),
          updatedAt: by((r) => r.updatedAt, 'updatedAt'),
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
    const rows = await this.withXml()
      .where((eb) =>
        eb.or([
          eb('d.senderEnterprise', '=', enterpriseCode),
          eb('d.tradeCode', '=', enterpriseCode),
          eb('d.ownerCode', '=', enterpriseCode),
        ]),
      )
      .orderBy('d.declaredAt', 'desc')
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
  async listReceiptsOf(seqNos: readonly string[]): Promise<Omit<DeclarationReceiptRow, 'xml'>[]> {
    const out: Omit<DeclarationReceiptRow, 'xml'>[] = [];
    for (const part of chunks([...new Set(seqNos)], 500))
      out.push(
        ...(await this.db
          .selectFrom('declarationReceipts')
          .select(['seqNo', 'channel', 'note', 'createdAt'])
          .where('seqNo', 'in', part)
          .orderBy('id')
          .execute()),
      );
    return out;
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
