/** The SMS store port: verification codes (短信验证码) and the embedded provider's outbox. */
import type { ListQuery, Paged } from '../paging.js';

export interface VerificationCodeRow {
  id: number;
  phone: string;
  enterpriseCode: string;
  codeHash: string;
  attempts: number;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** An SMS as written by the embedded SMS provider (the console shows them). */
export interface SmsOutboxRow {
  id: number;
  enterpriseCode: string | null;
  phone: string;
  text: string;
  provider: string;
  createdAt: string;
}

export interface SmsStore {
  insertCode(row: Omit<VerificationCodeRow, 'id'>): Promise<number>;
  /** codes sent to a phone since an instant, newest first */
  recentCodes(phone: string, since: string): Promise<VerificationCodeRow[]>;
  countAttempt(id: number): Promise<void>;
  /** marks a code used; false when it was used already */
  useCode(id: number, at: string): Promise<boolean>;
  insertOutbox(row: Omit<SmsOutboxRow, 'id'>): Promise<number>;
  listOutbox(enterpriseCode: string, q: ListQuery): Promise<Paged<SmsOutboxRow>>;
}
