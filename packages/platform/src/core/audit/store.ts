/** The audit log's (操作日志) store port. */
import type { ListQuery, Paged } from '../paging.js';

/** One change: who, when, with which card, what it was before and after. */
export interface AuditRow {
  id: number;
  enterpriseCode: string;
  account: string;
  cardNo: string | null;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
  at: string;
}

export interface AuditQuery extends ListQuery {
  entity?: string;
  entityId?: string;
  action?: string;
}

export interface AuditStore {
  insert(row: Omit<AuditRow, 'id'>): Promise<number>;
  list(enterpriseCode: string, q: AuditQuery): Promise<Paged<AuditRow>>;
}
