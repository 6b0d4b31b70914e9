/**
 * Enterprises, operators and IC cards: creating them, operator login and sessions.
 */
import {
  CARD_NO_PATTERN,
  CUSTOMS_CODE_PATTERN,
  generateCardKeys,
  keyFingerprint,
  OswError,
  USCC_PATTERN,
  type CardKdf,
} from '@osw/messages';
import type { Clock, PlatformDeps } from '../ports.js';
import type { CardKind, SessionRow, Store } from '../store.js';
import { hashSecret, randomToken, tokenHash, verifySecret } from './secrets.js';

export const CARD_PIN_TRIES = 5;
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_LOCK_MS = 15 * 60 * 1000;
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface NewEnterprise {
  customsCode: string;
  uscc: string;
  name: string;
  region: string;
}

export async function createEnterprise(deps: Pick<PlatformDeps, 'store' | 'clock'>, e: NewEnterprise): Promise<void> {
  const problems: string[] = [];
  if (!CUSTOMS_CODE_PATTERN.test(e.customsCode)) problems.push('customsCode must be 10 characters (海关十位编码)');
  if (!USCC_PATTERN.test(e.uscc)) problems.push('uscc must be an 18-character 统一社会信用代码');
  if (!/^\d{4}$/.test(e.region)) problems.push('region must be a 4-digit 关区代码');
  if (!e.name.trim()) problems.push('name is required');
  if (problems.length) throw new OswError('OSW_ENTERPRISE_INVALID', problems.join('; '));
  await deps.store.identity.insertEnterprise({
    customsCode: e.customsCode,
    uscc: e.uscc,
    name: e.name,
    region: e.region,
    createdAt: deps.clock.now().toISOString(),
  });
}

export async function createOperator(
  deps: Pick<PlatformDeps, 'store' | 'clock'>,
  o: { account: string; password: string; enterpriseCode: string; name: string; operatorCode: string },
): Promise<void> {
  if (o.password.length < 8) throw new OswError('OSW_PASSWORD_WEAK', 'password must have at least 8 characters');
  await deps.store.identity.insertOperator({
    account: o.account,
    enterpriseCode: o.enterpriseCode,
    name: o.name,
    operatorCode: o.operatorCode,
    passwordHash: hashSecret(o.password),
    failedLogins: 0,
    lockedUntil: null,
    createdAt: deps.clock.now().toISOString(),
  });
}

export interface IssuedCard {
  cardNo: string;
  kind: CardKind;
  enterpriseCode: string;
  /** the card's private key, sealed under its PIN: goes into the card file on the client machine */
  encryptedPrivateKeyPem: string;
  /** how the PIN becomes the key's passphrase (scrypt, memory-hard): goes into the card file too */
  kdf: CardKdf;
  publicKeyPem: string;
}

/** Issues an IC card: a new SM2 key pair; the platform keeps the public key and a PIN verifier. */
export async function issueCard(
  deps: Pick<PlatformDeps, 'store' | 'clock'>,
  c: { enterpriseCode: string; kind: CardKind; pin: string; holderAccount?: string },
): Promise<IssuedCard> {
  if (!/^\d{6,8}$/.test(c.pin)) throw new OswError('OSW_CARD_PIN_INVALID', 'a card PIN has 6 to 8 digits');
  const cardNo = `8950000${String(await deps.store.serials.next('cardNo')).padStart(6, '0')}`;
  if (!CARD_NO_PATTERN.test(cardNo)) throw new OswError('OSW_CARD_NUMBERS_EXHAUSTED', 'no card numbers left');
  const keys = await generateCardKeys(c.pin);
  await deps.store.identity.insertCard({
    cardNo,
    enterpriseCode: c.enterpriseCode,
    kind: c.kind,
    holderAccount: c.holderAccount ?? null,
    publicKeyPem: keys.publicKeyPem,
    fingerprint: keyFingerprint(keys.publicKeyPem),
    pinHash: hashSecret(c.pin),
    triesLeft: CARD_PIN_TRIES,
    locked: false,
    createdAt: deps.clock.now().toISOString(),
  });
  return { cardNo, kind: c.kind, enterpriseCode: c.enterpriseCode, ...keys };
}

/** Operator login with a per-account lock after repeated failures. Returns a bearer token. */
export async function login(
  deps: { store: Store; clock: Clock },
  account: string,
  password: string,
): Promise<{ token: string; session: SessionRow }> {
  const op = await deps.store.identity.getOperator(account);
  const now = deps.clock.now();
  if (!op) {
    hashSecret(password); // same cost as a real check: no account probing by timing
    throw new OswError('OSW_AUTH_FAILED', '账号或密码错误 (wrong account or password)');
  }
  if (op.lockedUntil && op.lockedUntil > now.toISOString())
    throw new OswError('OSW_AUTH_LOCKED', `账号已锁定至 ${op.lockedUntil} (too many failed logins)`);
  if (!verifySecret(password, op.passwordHash)) {
    const failures = op.failedLogins + 1;
    const lockedUntil = failures >= LOGIN_MAX_FAILURES ? new Date(now.getTime() + LOGIN_LOCK_MS).toISOString() : null;
    await deps.store.identity.updateOperatorLogin(account, lockedUntil ? 0 : failures, lockedUntil);
    // details.failures lets the API slow the answer down (brute force is slowed, then locked)
    throw new OswError('OSW_AUTH_FAILED', '账号或密码错误 (wrong account or password)', { details: { failures } });
  }
  await deps.store.identity.updateOperatorLogin(account, 0, null);
  const token = randomToken(32);
  const session: SessionRow = {
    tokenHash: tokenHash(token),
    account,
    enterpriseCode: op.enterpriseCode,
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
  };
  await deps.store.identity.insertSession(session);
  return { token, session };
}

export async function authenticateSession(deps: { store: Store; clock: Clock }, token: string): Promise<SessionRow> {
  const s = await deps.store.identity.getSession(tokenHash(token));
  if (!s || s.expiresAt <= deps.clock.now().toISOString())
    throw new OswError('OSW_AUTH_REQUIRED', 'session missing or expired: POST /api/v1/session');
  return s;
}
