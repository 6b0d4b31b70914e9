/**
 * The software card on disk: written for its owner only, refused when others may read it, sealed
 * under a memory-hard derivation of the PIN that runs once per unlock; first-format files still open.
 */
import crypto from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXAMPLES, tempDir } from '../../../test/helpers.js';
import { cardKdfIsCurrent, CARD_KDF_PARAMS, generateCardKeys, OswError, verifyDecMessage } from '@osw/messages';
import { CardFileSigner, checkCardFileMode, readCardFile, startClient, writeCardFile } from '../src/index.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
const modeOf = (file: string) => statSync(file).mode & 0o777;
const card = { cardNo: '8950000000009', kind: 'operator' as const, enterpriseCode: '4403980001' };
const keys = generateCardKeys('12345678');

describe('the card file', () => {
  const temps: (() => void)[] = [];
  afterEach(() => {
    temps.splice(0).forEach((c) => c());
    vi.restoreAllMocks();
  });
  const dir = () => {
    const t = tempDir('osw-card-');
    temps.push(t.cleanup);
    return t.dir;
  };

  it('is created 0600, also when it replaces a file that was 0644, and with the PIN counter written back', async () => {
    const file = path.join(dir(), 'card-8950000000009.json');
    await writeCardFile(file, { ...card, ...(await keys) });
    expect(modeOf(file)).toBe(0o600);
    chmodSync(file, 0o644);
    await writeCardFile(file, { ...card, ...(await keys) });
    expect(modeOf(file)).toBe(0o600);
    // a wrong PIN writes the counter back: still 0600
    await new CardFileSigner(file, '00000000').signDeclaration(example, new Date()).catch(() => undefined);
    expect((await readCardFile(file)).triesLeft).toBe(4);
    expect(modeOf(file)).toBe(0o600);
  });

  it('the client refuses to start on a card file the group or others may read, and says how to fix it', async () => {
    const d = dir();
    const file = path.join(d, 'card-8950000000009.json');
    await writeCardFile(file, { ...card, ...(await keys) });
    chmodSync(file, 0o644);
    const started = startClient(
      {
        clientId: 'DXPESW5300000001',
        platform: { url: 'http://127.0.0.1:9', secret: 's' },
        impPath: path.join(d, 'ImpPath'),
        card: { file, pin: '12345678' },
        statusPage: { enabled: false, host: '127.0.0.1', port: 0 },
      },
      { logger: pino({ level: 'silent' }), lockDir: path.join(d, 'locks') },
    );
    const err = await started.then(
      (c) => c.stop(0).then(() => null),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OswError);
    expect(err).toMatchObject({ code: 'OSW_CARD_FILE_EXPOSED' });
    expect((err as Error).message).toContain('mode 0644');
    expect((err as Error).message).toContain(`chmod 600 "${file}"`);
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(file, mode);
      await expect(checkCardFileMode(file)).rejects.toMatchObject({ code: 'OSW_CARD_FILE_EXPOSED' });
    }
    for (const mode of [0o600, 0o400]) {
      chmodSync(file, mode);
      await expect(checkCardFileMode(file)).resolves.toBeUndefined();
    }
  });

  it('stores the key-derivation parameters of the memory-hard PIN derivation (scrypt N ≥ 2^17, r ≥ 8)', async () => {
    const file = path.join(dir(), 'card.json');
    await writeCardFile(file, { ...card, ...(await keys) });
    const stored = await readCardFile(file);
    expect(stored.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    expect(stored.kdf!.N).toBeGreaterThanOrEqual(CARD_KDF_PARAMS.N);
    expect(cardKdfIsCurrent(stored.kdf)).toBe(true);
  });

  it('derives the PIN once at unlock, not once per file signed', async () => {
    const file = path.join(dir(), 'card.json');
    await writeCardFile(file, { ...card, ...(await keys) });
    const scrypt = vi.spyOn(crypto, 'scrypt');
    const signer = new CardFileSigner(file, '12345678');
    for (let i = 0; i < 5; i++)
      expect(verifyDecMessage(await signer.signDeclaration(example, new Date()), (await keys).publicKeyPem)).toBe(true);
    expect(scrypt).toHaveBeenCalledTimes(1);
    // a refused PIN is not derived again for every file either
    const wrong = new CardFileSigner(file, '00000000');
    for (let i = 0; i < 3; i++) await wrong.signDeclaration(example, new Date()).catch(() => undefined);
    expect(scrypt).toHaveBeenCalledTimes(2);
    expect((await readCardFile(file)).triesLeft).toBe(4);
  });

  it('a card file of the first format (the PIN itself as passphrase) still signs, and is sealed again with the new derivation', async () => {
    const file = path.join(dir(), 'card.json');
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const encryptedPrivateKeyPem = privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: '12345678',
    }) as string;
    await writeCardFile(file, { ...card, encryptedPrivateKeyPem, publicKeyPem });
    expect((await readCardFile(file)).kdf).toBeUndefined();
    const signed = await new CardFileSigner(file, '12345678').signDeclaration(example, new Date());
    expect(verifyDecMessage(signed, publicKeyPem)).toBe(true);
    const upgraded = await readCardFile(file);
    expect(cardKdfIsCurrent(upgraded.kdf)).toBe(true);
    expect(upgraded.encryptedPrivateKeyPem).not.toBe(encryptedPrivateKeyPem);
    expect(upgraded.publicKeyPem).toBe(publicKeyPem);
    expect(modeOf(file)).toBe(0o600);
    // the sealed file opens with the same PIN in the next process, and not with the PIN as passphrase alone
    expect(() => crypto.createPrivateKey({ key: upgraded.encryptedPrivateKeyPem, format: 'pem', passphrase: '12345678' })).toThrow();
    expect(verifyDecMessage(await new CardFileSigner(file, '12345678').signDeclaration(example, new Date()), publicKeyPem)).toBe(true);
  });
});
