/**
 * How fast can someone holding a copy of a card file guess its PIN? Tries wrong PINs, one core, for a
 * few seconds against a card of the first format (the PIN is the PKCS#8 passphrase) and a card sealed
 * today (scrypt, CARD_KDF_PARAMS), and prints tries per second and milliseconds per try.
 *
 *   npx tsx --conditions=osw-source scripts/card-pin-guess-rate.ts [seconds per kind, default 5]
 */
import crypto from 'node:crypto';
import { CARD_KDF_PARAMS, generateCardKeys, openCardKey, type SealedCardKey } from '@osw/messages';

const seconds = Number(process.argv[2] ?? 5);

async function rate(name: string, sealed: SealedCardKey): Promise<void> {
  let tries = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await openCardKey(sealed, String(10_000_000 + tries)).catch(() => undefined);
    tries++;
  }
  const ms = performance.now() - started;
  console.log(
    `${name.padEnd(44)} ${(tries / (ms / 1000)).toFixed(1).padStart(8)} tries/s  ${(ms / tries).toFixed(1).padStart(8)} ms/try  (${tries} tries)`,
  );
}

const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
const firstFormat = {
  encryptedPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: '12345678' }) as string,
};
await rate('first format (PIN = PKCS#8 passphrase)', firstFormat);
const { N, r, p } = CARD_KDF_PARAMS;
await rate(`scrypt N=2^${Math.log2(N)} r=${r} p=${p} (${(128 * N * r) / 2 ** 20} MiB)`, await generateCardKeys('12345678'));
