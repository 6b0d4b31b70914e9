/** The identity slice's store port: enterprises, operators, IC cards and operator sessions. */

export interface EnterpriseRow {
  customsCode: string;
  uscc: string;
  name: string;
  region: string;
  createdAt: string;
}

export interface OperatorRow {
  account: string;
  enterpriseCode: string;
  name: string;
  operatorCode: string;
  passwordHash: string;
  /** not used since login failures are counted per (account, address) in memory (docs/decisions.md); written 0 */
  failedLogins: number;
  /** not used: no login locks an account for everyone (docs/decisions.md); written null */
  lockedUntil: string | null;
  createdAt: string;
}

export type CardKind = 'legal' | 'operator';

export interface CardRow {
  cardNo: string;
  enterpriseCode: string;
  kind: CardKind;
  holderAccount: string | null;
  publicKeyPem: string;
  fingerprint: string;
  pinHash: string;
  triesLeft: number;
  locked: boolean;
  createdAt: string;
  /** the card's expiry (卡有效期); null or absent: not known (no card-expiring alert) */
  expiresAt?: string | null;
}

export interface SessionRow {
  tokenHash: string;
  account: string;
  enterpriseCode: string;
  expiresAt: string;
}

export interface IdentityStore {
  insertEnterprise(row: EnterpriseRow): Promise<void>;
  getEnterprise(customsCode: string): Promise<EnterpriseRow | undefined>;
  countEnterprises(): Promise<number>;

  insertOperator(row: OperatorRow): Promise<void>;
  getOperator(account: string): Promise<OperatorRow | undefined>;
  /** the operators with these accounts (those that exist) */
  getOperators(accounts: readonly string[]): Promise<OperatorRow[]>;

  insertCard(row: CardRow): Promise<void>;
  getCard(cardNo: string): Promise<CardRow | undefined>;
  /** the cards with these numbers (those that exist) */
  getCards(cardNos: readonly string[]): Promise<CardRow[]>;
  /** counts a wrong PIN down atomically and locks the card at zero; returns what is left */
  recordCardPinFailure(cardNo: string): Promise<{ triesLeft: number; locked: boolean }>;
  /** a right PIN gives the card its tries back */
  resetCardPinTries(cardNo: string, tries: number): Promise<void>;

  insertSession(row: SessionRow): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRow | undefined>;
  /** logout: the session is gone for good */
  deleteSession(tokenHash: string): Promise<void>;
}
