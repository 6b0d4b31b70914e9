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
  xml: string;
  declaredAt: string;
  updatedAt: string;
}

export interface DeclarationReceiptRow {
  seqNo: string;
  channel: string;
  note: string;
  xml: string;
  createdAt: string;
}

export interface DeclarationStore {
  insert(row: DeclarationRow): Promise<void>;
  get(seqNo: string): Promise<DeclarationRow | undefined>;
  /** a declaration by 统一编号 (SeqNo) or 海关编号 (ENTRY_ID) */
  findByNumber(documentNo: string): Promise<DeclarationRow | undefined>;
  updateStatus(seqNo: string, channel: string, entryId: string, updatedAt: string): Promise<void>;
  /** Declarations the enterprise sent or is named in as 收发货人/消费使用单位, newest first. */
  listFor(enterpriseCode: string, limit: number): Promise<DeclarationRow[]>;
  insertReceipt(row: DeclarationReceiptRow): Promise<void>;
  listReceipts(seqNo: string): Promise<DeclarationReceiptRow[]>;
}
