/** The processing-trade manuals' (加工贸易账册) store port: head, version and the 料件/成品 rows. */

export interface ManualRow {
  manualNo: string;
  enterpriseCode: string;
  head: Record<string, string>;
  version: number;
  createdAt: string;
}

export interface ManualItemRow {
  manualNo: string;
  kind: 'img' | 'exg';
  serial: number;
  code: string;
  name: string;
  model: string;
  unit: string;
  quantity: string;
}

export interface ManualStore {
  /** a manual with its rows, in one transaction */
  insert(row: ManualRow, items: readonly ManualItemRow[]): Promise<void>;
  get(manualNo: string): Promise<ManualRow | undefined>;
  /** the manuals an enterprise holds (its own 账册), by manual number */
  list(enterpriseCode: string): Promise<ManualRow[]>;
  listItems(manualNo: string): Promise<ManualItemRow[]>;
  /** the manual's version + 1, atomically (concurrent approvals get consecutive versions) */
  bumpVersion(manualNo: string): Promise<number>;
  updateHead(manualNo: string, head: Record<string, string>): Promise<void>;
  upsertItem(row: ManualItemRow): Promise<void>;
  deleteItem(manualNo: string, kind: 'img' | 'exg', serial: number): Promise<void>;
}
