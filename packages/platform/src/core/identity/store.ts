/** The identity slice's store port: enterprises, operators, IC cards and operator sessions. */
import type { ListQuery, Paged } from '../paging.js';

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
  /**
   * 用户管理: `admin` (企业管理员) manages the enterprise's operators; `operator` does the enterprise's
   * work; `platform` (平台运维) decides requests addressed to the platform (服务地区变更)
   */
  role: OperatorRole;
  /** a disabled operator cannot log in; its sessions are ended when it is disabled */
  status: OperatorStatus;
}

export type OperatorRole = 'admin' | 'operator' | 'platform';
export type OperatorStatus = 'active' | 'disabled';

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
  /** the card's expiry (有效期至), ISO; null for a card issued before validity was kept (migration 0014): never expires */
  validUntil: string | null;
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
  /** the enterprise's operators, oldest first */
  listOperators(enterpriseCode: string, q: ListQuery): Promise<Paged<OperatorRow>>;
  /** how many active administrators (role admin) the enterprise has */
  countActiveAdmins(enterpriseCode: string): Promise<number>;
  updateOperator(account: string, patch: Partial<Pick<OperatorRow, 'role' | 'status' | 'passwordHash' | 'name'>>): Promise<void>;

  insertCard(row: CardRow): Promise<void>;
  getCard(cardNo: string): Promise<CardRow | undefined>;
  /** the cards with these numbers (those that exist) */
  getCards(cardNos: readonly string[]): Promise<CardRow[]>;
  /** the enterprise's cards, by number */
  listCards(enterpriseCode: string): Promise<CardRow[]>;
  /** the cards held by these operators */
  cardsHeldBy(accounts: readonly string[]): Promise<CardRow[]>;
  /** binds a card to an operator (null: to nobody) */
  setCardHolder(cardNo: string, account: string | null): Promise<void>;
  /** counts a wrong PIN down atomically and locks the card at zero; returns what is left */
  recordCardPinFailure(cardNo: string): Promise<{ triesLeft: number; locked: boolean }>;
  /** a right PIN gives the card its tries back */
  resetCardPinTries(cardNo: string, tries: number): Promise<void>;

  insertSession(row: SessionRow): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRow | undefined>;
  /** logout: the session is gone for good */
  deleteSession(tokenHash: string): Promise<void>;
  /** every session of an operator ends (disabled, password reset) */
  deleteSessionsOf(account: string): Promise<void>;
}
