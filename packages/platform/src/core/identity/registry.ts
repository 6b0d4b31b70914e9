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
import type { CardKind, OperatorRole, SessionRow, Store } from '../store.js';
import { problem } from '../problem.js';
import { loginRules, type FailedAttempts } from './attempts.js';
import { hashSecret, randomToken, tokenHash, verifyNothing, verifySecret } from './secrets.js';

export const CARD_PIN_TRIES = 5;
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** how long a new IC card is valid (有效期) unless its issue says otherwise: five years (docs/decisions.md) */
export const CARD_VALID_YEARS = 5;

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
  /** `role`: admin unless said (an enterprise's first account, made by whoever runs the platform, manages the others) */
  o: { account: string; password: string; enterpriseCode: string; name: string; operatorCode: string; role?: OperatorRole },
): Promise<void> {
  if (o.password.length < 8) throw new OswError('OSW_PASSWORD_WEAK', 'password must have at least 8 characters');
  await deps.store.identity.insertOperator({
    account: o.account,
    enterpriseCode: o.enterpriseCode,
    name: o.name,
    operatorCode: o.operatorCode,
    passwordHash: await hashSecret(o.password),
    failedLogins: 0,
    lockedUntil: null,
    createdAt: deps.clock.now().toISOString(),
    role: o.role ?? 'admin',
    status: 'active',
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

/** The default expiry of a card issued at `issuedAt`: `CARD_VALID_YEARS` later, to the millisecond. */
export function cardValidUntil(issuedAt: Date): Date {
  const d = new Date(issuedAt);
  d.setUTCFullYear(d.getUTCFullYear() + CARD_VALID_YEARS);
  return d;
}

/** True when the card's validity has passed at `now` (a card without a recorded expiry never expires). */
export function cardExpired(card: { validUntil: string | null }, now: Date): boolean {
  return card.validUntil !== null && card.validUntil <= now.toISOString();
}

/** Issues an IC card: a new SM2 key pair; the platform keeps the public key and a PIN verifier. */
export async function issueCard(
  deps: Pick<PlatformDeps, 'store' | 'clock'>,
  c: { enterpriseCode: string; kind: CardKind; pin: string; holderAccount?: string; validUntil?: Date },
): Promise<IssuedCard> {
  if (!/^\d{6,8}$/.test(c.pin)) throw new OswError('OSW_CARD_PIN_INVALID', 'a card PIN has 6 to 8 digits');
  const cardNo = `8950000${String(await deps.store.serials.next('cardNo')).padStart(6, '0')}`;
  if (!CARD_NO_PATTERN.test(cardNo)) throw new OswError('OSW_CARD_NUMBERS_EXHAUSTED', 'no card numbers left');
  const keys = await generateCardKeys(c.pin);
  const now = deps.clock.now();
  await deps.store.identity.insertCard({
    cardNo,
    enterpriseCode: c.enterpriseCode,
    kind: c.kind,
    holderAccount: c.holderAccount ?? null,
    publicKeyPem: keys.publicKeyPem,
    fingerprint: keyFingerprint(keys.publicKeyPem),
    pinHash: await hashSecret(c.pin),
    triesLeft: CARD_PIN_TRIES,
    locked: false,
    createdAt: now.toISOString(),
    validUntil: (c.validUntil ?? cardValidUntil(now)).toISOString(),
  });
  return { cardNo, kind: c.kind, enterpriseCode: c.enterpriseCode, ...keys };
}

/** Where a login comes from, when the caller counts failures (the REST API). */
export interface LoginOrigin {
  address: string;
  attempts: FailedAttempts;
}

/**
 * Operator login. Returns a bearer token. An unknown account and a wrong password cost the same
 * scrypt work and get the same answer (`OSW_AUTH_FAILED`, with `details.failures` — the account's
 * recent failures from anywhere — so that the API can slow the answer). With an origin, failures are
 * counted per (account, address) and per address, and a key over its limit is refused
 * (`OSW_AUTH_RATE_LIMITED`) before any password is checked: nobody can lock an account for others.
 */
export async function login(
  deps: { store: Store; clock: Clock },
  account: string,
  password: string,
  origin?: LoginOrigin,
): Promise<{ token: string; session: SessionRow; role: OperatorRole }> {
  const rules = origin ? loginRules(account, origin.address) : [];
  origin?.attempts.check(rules);
  const op = await deps.store.identity.getOperator(account);
  const ok = op ? await verifySecret(password, op.passwordHash) : await verifyNothing(password);
  if (!op || !ok) {
    // counted for any account name, existing or not: the answer says nothing about which it was
    const everywhere = { key: `login-account:${account}`, max: Number.POSITIVE_INFINITY, windowMs: 15 * 60_000 };
    origin?.attempts.fail([...rules, everywhere]);
    const failures = origin?.attempts.failures(everywhere.key) ?? 1;
    throw new OswError('OSW_AUTH_FAILED', '账号或密码错误 (wrong account or password)', { details: { failures } });
  }
  origin?.attempts.clear([rules[0].key]);
  // told only to whoever knows the password: the account exists, and it is stopped
  if (op.status === 'disabled')
    throw problem(
      'OSW_OPERATOR_DISABLED',
      `账号[${account}]已停用，请联系本企业管理员`,
      `account ${account} is disabled; ask your enterprise's administrator`,
    );
  const now = deps.clock.now();
  const token = randomToken(32);
  const session: SessionRow = {
    tokenHash: tokenHash(token),
    account,
    enterpriseCode: op.enterpriseCode,
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
  };
  await deps.store.identity.insertSession(session);
  return { token, session, role: op.role };
}

/** Logout: the session of the token is deleted, and the token is refused from then on. */
export async function revokeSession(deps: { store: Store }, token: string): Promise<void> {
  await deps.store.identity.deleteSession(tokenHash(token));
}

export async function authenticateSession(deps: { store: Store; clock: Clock }, token: string): Promise<SessionRow> {
  const s = await deps.store.identity.getSession(tokenHash(token));
  if (!s || s.expiresAt <= deps.clock.now().toISOString())
    throw new OswError('OSW_AUTH_REQUIRED', 'session missing or expired: POST /api/v1/session');
  return s;
}
