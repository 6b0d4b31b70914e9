/**
 * Password, PIN and client-secret hashing (scrypt) and random tokens.
 *
 * scrypt runs on libuv's thread pool (`crypto.scrypt`), never on the event loop, and at most
 * `SCRYPT_CONCURRENCY` at once: the pool's other threads stay free for file reads and DNS, so a
 * burst of wrong secrets slows other secret checks, not `/health` or the exchange.
 */
import crypto from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;
/** scrypt's memory is 128 × N × r bytes (16 MiB here); Node's default cap is 32 MiB */
const MAXMEM = 64 * 1024 * 1024;

/** scrypt runs at once; the rest wait their turn (libuv's pool has 4 threads by default) */
export const SCRYPT_CONCURRENCY = 2;

let running = 0;
const waiting: (() => void)[] = [];

async function scrypt(secret: string, salt: Buffer, keylen: number, o: { N: number; r: number; p: number }): Promise<Buffer> {
  if (running >= SCRYPT_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      crypto.scrypt(secret, salt, keylen, { ...o, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(secret, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** A stored hash of nothing anyone knows: checking against it costs what a real check costs. */
let decoy: Promise<string> | undefined;

/** Does the secret match the stored hash? The same work whether it does or not. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return crypto.timingSafeEqual(actual, expected);
}

/** The work of a secret check without a stored hash (an unknown account or client): no probing by timing. */
export async function verifyNothing(secret: string): Promise<false> {
  decoy ??= hashSecret(randomToken(24));
  await verifySecret(secret, await decoy);
  return false;
}

/** A random secret for a client or a session token (URL-safe). */
export function randomToken(bytes = 24): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** Tokens are stored hashed: a leaked database does not leak sessions. */
export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
