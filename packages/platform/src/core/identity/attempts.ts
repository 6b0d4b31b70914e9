/**
 * Failed secret checks, counted per key — a client id, an address, an account at an address — so
 * that guessing is refused before any scrypt runs: `429 OSW_AUTH_RATE_LIMITED` with `Retry-After`.
 * The counts live in the process (each platform instance counts its own) and are bounded in size.
 *
 * No key an attacker can fill alone blocks anyone else: logins are limited per (account, address)
 * and per address, never per account alone (docs/decisions.md); the exchange's per-client limit
 * leaves alone a client whose secret this process has already verified.
 */
import { chinaDateTime } from '@osw/messages';
import { problem } from '../problem.js';
import type { Clock } from '../ports.js';

export interface AttemptRule {
  key: string;
  /** failures within `windowMs` after which the key is refused until the window ends */
  max: number;
  windowMs: number;
}

interface Entry {
  failures: number;
  /** when the window that began with the first failure ends (ms since the epoch) */
  resetAt: number;
}

const MINUTE = 60_000;

/** Operator logins (POST /api/v1/session). */
export const LOGIN_LIMITS = {
  /** one account from one address: 5 wrong passwords, then that address waits 15 minutes for that account */
  accountAtAddress: { max: 5, windowMs: 15 * MINUTE },
  /** one address, any accounts (password spraying) */
  address: { max: 30, windowMs: 15 * MINUTE },
} as const;

/** Import clients on the HTTP exchange (client id and secret). */
export const EXCHANGE_LIMITS = {
  clientAtAddress: { max: 5, windowMs: 15 * MINUTE },
  address: { max: 20, windowMs: 15 * MINUTE },
  /** one client id from anywhere: a ceiling on the scrypt work wrong secrets can cause */
  client: { max: 100, windowMs: 15 * MINUTE },
} as const;

export function loginRules(account: string, address: string): AttemptRule[] {
  return [
    { key: `login:${address}:${account}`, ...LOGIN_LIMITS.accountAtAddress },
    { key: `login:${address}`, ...LOGIN_LIMITS.address },
  ];
}

export function exchangeRules(clientId: string, address: string): AttemptRule[] {
  return [
    { key: `exchange:${address}:${clientId}`, ...EXCHANGE_LIMITS.clientAtAddress },
    { key: `exchange:${address}`, ...EXCHANGE_LIMITS.address },
    { key: `exchange-client:${clientId}`, ...EXCHANGE_LIMITS.client },
  ];
}

export class FailedAttempts {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** keys kept at most; the oldest are forgotten first */
    private readonly maxKeys = 100_000,
  ) {}

  /** failures of a key in its current window */
  failures(key: string): number {
    return this.live(key)?.failures ?? 0;
  }

  /** Refuses (429 OSW_AUTH_RATE_LIMITED) when any key has reached its rule's max within the window. */
  check(rules: readonly AttemptRule[]): void {
    const now = this.clock.now().getTime();
    let waitMs = 0;
    for (const r of rules) {
      const e = this.live(r.key, now);
      if (e && e.failures >= r.max) waitMs = Math.max(waitMs, e.resetAt - now);
    }
    if (waitMs > 0) {
      const s = Math.max(1, Math.ceil(waitMs / 1000));
      // the time to try again as the operator reads clocks: China time, to the second
      const at = chinaDateTime(new Date(now + s * 1000));
      throw problem(
        'OSW_AUTH_RATE_LIMITED',
        `尝试次数过多，请于${at}（北京时间）后再试`,
        `too many failed attempts; try again after ${at} (China time, UTC+8)`,
        { retryAfterSeconds: s },
      );
    }
  }

  /** Counts one failure against each key. */
  fail(rules: readonly AttemptRule[]): void {
    const now = this.clock.now().getTime();
    for (const r of rules) {
      const e = this.live(r.key, now);
      if (e) e.failures++;
      else this.entries.set(r.key, { failures: 1, resetAt: now + r.windowMs });
    }
    this.trim(now);
  }

  /** Forgets keys (a secret that was right). */
  clear(keys: readonly string[]): void {
    for (const k of keys) this.entries.delete(k);
  }

  private live(key: string, now = this.clock.now().getTime()): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.resetAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private trim(now: number): void {
    if (this.entries.size <= this.maxKeys) return;
    for (const [k, e] of this.entries) if (e.resetAt <= now) this.entries.delete(k);
    // still too many: the oldest windows go first (a Map keeps insertion order), down to 90 % so that this runs seldom
    const target = Math.floor(this.maxKeys * 0.9);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= target) break;
      this.entries.delete(k);
    }
  }
}
