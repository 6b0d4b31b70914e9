/** 操作日志: every change is written with who, when, the card used, and what it was before and after. */
import type { AuditRow, OperatorRole, Store } from '../store.js';

export interface Actor {
  enterpriseCode: string;
  account: string;
  /** 录入人 */
  operatorCode: string;
  /** 用户管理's role of the operator (absent: an actor made outside a session) */
  role?: OperatorRole;
}

export type AuditEntry = Omit<AuditRow, 'id' | 'enterpriseCode' | 'account' | 'at'>;

/** Writes one audit row; call it with the transaction's Store so that the row and the change commit together. */
export async function recordAudit(store: Store, actor: Actor, at: string, entry: AuditEntry): Promise<void> {
  await store.audit.insert({ enterpriseCode: actor.enterpriseCode, account: actor.account, at, ...entry });
}
