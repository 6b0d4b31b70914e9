/** The declarations' store port: declarations (报关单) as the exchange accepted them, and their receipts. */

export interface DeclarationRow {
  seqNo: string;
  clientSeqNo: string;
  senderClientId: string;
  senderEnterprise: string;
  tradeCode: string;
  ownerCode: string;
  agentCode: string;
  ieFlag: string;
  customMaster: string;
  entryId: string;
  channel: string;
  messageId: string;
  /** the IC card it was signed with (DecSign ICCode) and the one it was typed with (DecHead TypistNo), '' when absent */
  icCode: string;
  typistNo: string;
  xml: string;
  declaredAt: string;
  updatedAt: string;
}

/** A declaration's facts without its XML: what the sandbox and receipt matching read. */
export type DeclarationFacts = Omit<DeclarationRow, 'xml'>;

export interface DeclarationReceiptRow {
  seqNo: string;
  channel: string;
  note: string;
  xml: string;
  createdAt: string;
}

/** A declaration's status after a receipt. */
export interface DeclarationStatus {
  seqNo: string;
  channel: string;
  entryId: string;
  updatedAt: string;
}

export interface DeclarationInsertOptions {
  /**
   * the XML is exactly the stored inbound message's body (UTF-8, not a ZIP): it is kept once, there,
   * and read from there
   */
  xmlIsInboundBody?: boolean;
}

export interface DeclarationStore {
  /**
   * Writes an accepted declaration. A ClientSeqNo (客户端编号) is taken once per sender enterprise:
   * `false`, and nothing written, when the enterprise already has a declaration with this one (also
   * when another instance wrote it a moment ago).
   */
  insert(row: DeclarationRow, opts?: DeclarationInsertOptions): Promise<boolean>;
  /**
   * Writes several accepted declarations at once (a batch's), a hundred per statement; answers the
   * SeqNos written. One whose ClientSeqNo is taken is left out, as `insert` leaves it.
   */
  insertMany(rows: readonly { row: DeclarationRow; opts?: DeclarationInsertOptions }[]): Promise<Set<string>>;
  get(seqNo: string): Promise<DeclarationRow | undefined>;
  /** the facts of the declarations with these SeqNos (those that exist, in no particular order), without their XML */
  getMany(seqNos: readonly string[]): Promise<DeclarationFacts[]>;
  /** the sender enterprise's declaration with this ClientSeqNo, if any */
  findByClientSeqNo(senderEnterprise: string, clientSeqNo: string): Promise<DeclarationRow | undefined>;
  /** the sender enterprise's declarations with any of these ClientSeqNos */
  findByClientSeqNos(senderEnterprise: string, clientSeqNos: readonly string[]): Promise<DeclarationRow[]>;
  /** a declaration by 统一编号 (SeqNo) or 海关编号 (ENTRY_ID) */
  findByNumber(documentNo: string): Promise<DeclarationRow | undefined>;
  updateStatus(seqNo: string, channel: string, entryId: string, updatedAt: string): Promise<void>;
  /** several declarations' status at once (one SeqNo at most once) */
  updateStatuses(rows: readonly DeclarationStatus[]): Promise<void>;
  /** Declarations the enterprise sent or is named in as 收发货人/消费使用单位, newest first. */
  listFor(enterpriseCode: string, limit: number): Promise<DeclarationRow[]>;
  insertReceipt(row: DeclarationReceiptRow): Promise<void>;
  /** receipts written as a set, in the order given */
  insertReceipts(rows: readonly DeclarationReceiptRow[]): Promise<void>;
  listReceipts(seqNo: string): Promise<DeclarationReceiptRow[]>;
  /** the receipts of these declarations (one query for the set), without their XML, oldest first */
  listReceiptsOf(seqNos: readonly string[]): Promise<Omit<DeclarationReceiptRow, 'xml'>[]>;
}
