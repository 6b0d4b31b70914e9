import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { EXAMPLES, sm2KeyPair } from '../../../test/helpers.js';
import {
  CARD_KDF_PARAMS,
  cardKdfIsCurrent,
  decSignature,
  generateCardKeys,
  keyFingerprint,
  MessageRejected,
  openCardKey,
  parseDecMessage,
  publicKeyFromPem,
  signDecMessage,
  signDecMessageAsync,
  verifyDecMessage,
  verifyDecMessageAsync,
} from '../src/index.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
const card = sm2KeyPair();
const key = card.privateKey;
const input = { privateKey: key, cardNo: '8950000000002', certificate: keyFingerprint(card.publicKeyPem), signDate: '20261121120000000' };

describe('SM2/SM3 signing of a DecMessage', () => {
  it('fills DecSign and verifies with the card public key', () => {
    const signed = signDecMessage(example, input);
    const sign = parseDecMessage(signed).sign!;
    expect(sign.ICCode).toBe('8950000000002');
    expect(sign.SignDate).toBe('20261121120000000');
    expect(sign.Certificate).toBe(keyFingerprint(card.publicKeyPem));
    expect(decSignature(signed).length).toBeGreaterThan(60);
    expect(verifyDecMessage(signed, card.publicKeyPem)).toBe(true);
  });

  it('signs and verifies on the thread pool with the same bytes and results as on the event loop', async () => {
    const onPool = await signDecMessageAsync(example, input);
    const onLoop = signDecMessage(example, input);
    // SM2 signatures are randomised: everything but DecSign/Sign is the same, and each verifies both ways
    expect(onPool.replace(decSignature(onPool), '')).toBe(onLoop.replace(decSignature(onLoop), ''));
    expect(verifyDecMessage(onPool, card.publicKeyPem)).toBe(true);
    expect(await verifyDecMessageAsync(onLoop, card.publicKeyPem)).toBe(true);
    expect(await verifyDecMessageAsync(onPool.replace('<DeclTrnRel>0</DeclTrnRel>', '<DeclTrnRel>1</DeclTrnRel>'), card.publicKeyPem)).toBe(
      false,
    );
    expect(await verifyDecMessageAsync(onPool, sm2KeyPair().publicKeyPem)).toBe(false);
    const garbled = onPool.replace(decSignature(onPool), 'bm90IGEgc2lnbmF0dXJl');
    expect(await verifyDecMessageAsync(garbled, card.publicKeyPem)).toBe(false);
  });

  it('any change to the message breaks the signature', () => {
    const signed = signDecMessage(example, input);
    expect(
      verifyDecMessage(
        signed
          .replace('<DeclTrnRel>0</DeclTrnRel>', '<DeclTrnRel>1</DeclTrnRel>')
          .replace('深圳市华南进出口贸易有限公司', '深圳市华北进出口贸易有限公司'),
        card.publicKeyPem,
      ),
    ).toBe(false);
  });

  it('another card key does not verify', () => {
    const other = sm2KeyPair();
    expect(verifyDecMessage(signDecMessage(example, input), other.publicKeyPem)).toBe(false);
  });

  it('adds a DecSign block when the message has none', () => {
    const bare = example.replace(/<DecSign>[\s\S]*?<\/DecSign>/, '');
    const signed = signDecMessage(bare, input);
    expect(parseDecMessage(signed).sign?.ICCode).toBe('8950000000002');
    expect(verifyDecMessage(signed, card.publicKeyPem)).toBe(true);
  });

  it('signing twice replaces the signature instead of nesting it', () => {
    const twice = signDecMessage(signDecMessage(example, input), input);
    expect(twice.match(/<Sign>/g)?.length).toBe(1);
    expect(verifyDecMessage(twice, card.publicKeyPem)).toBe(true);
  });
});

describe('card public keys', () => {
  it('are parsed once per PEM: the same key object and fingerprint for every message of that card', () => {
    const other = sm2KeyPair();
    expect(publicKeyFromPem(card.publicKeyPem)).toBe(publicKeyFromPem(card.publicKeyPem));
    expect(publicKeyFromPem(other.publicKeyPem)).not.toBe(publicKeyFromPem(card.publicKeyPem));
    expect(keyFingerprint(card.publicKeyPem)).toBe(input.certificate);
    expect(keyFingerprint(other.publicKeyPem)).not.toBe(input.certificate);
  });

  it('a PEM that cannot be read is refused every time, never cached', () => {
    expect(() => publicKeyFromPem('not a key')).toThrow(/cannot be read/);
    expect(() => publicKeyFromPem('not a key')).toThrow(/cannot be read/);
  });
});

describe('a card key sealed under its PIN', () => {
  it('is sealed with scrypt at N ≥ 2^17, r ≥ 8 (≥ 128 MiB per try), a fresh salt, and opens with the right PIN', async () => {
    const sealed = await generateCardKeys('12345678');
    expect(CARD_KDF_PARAMS).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(sealed.kdf).toMatchObject({ name: 'scrypt', N: CARD_KDF_PARAMS.N, r: CARD_KDF_PARAMS.r, p: CARD_KDF_PARAMS.p });
    expect(128 * sealed.kdf.N * sealed.kdf.r).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(Buffer.from(sealed.kdf.salt, 'base64')).toHaveLength(16);
    expect(cardKdfIsCurrent(sealed.kdf)).toBe(true);
    expect(cardKdfIsCurrent({ ...sealed.kdf, N: 2 ** 14 })).toBe(false);
    expect(cardKdfIsCurrent(undefined)).toBe(false);
    // the PIN alone is not the passphrase
    expect(() => crypto.createPrivateKey({ key: sealed.encryptedPrivateKeyPem, format: 'pem', passphrase: '12345678' })).toThrow();
    const opened = await openCardKey(sealed, '12345678');
    const signed = signDecMessage(example, { ...input, privateKey: opened });
    expect(verifyDecMessage(signed, sealed.publicKeyPem)).toBe(true);
    await expect(openCardKey(sealed, '00000000')).rejects.toMatchObject({ code: 'C134' });
    await expect(openCardKey(sealed, '00000000')).rejects.toBeInstanceOf(MessageRejected);
  });

  it('a card of the first format (the PIN itself as the PKCS#8 passphrase, no kdf) still opens', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const encryptedPrivateKeyPem = privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: '12345678',
    }) as string;
    const opened = await openCardKey({ encryptedPrivateKeyPem }, '12345678');
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(verifyDecMessage(signDecMessage(example, { ...input, privateKey: opened }), publicKeyPem)).toBe(true);
    await expect(openCardKey({ encryptedPrivateKeyPem }, '00000000')).rejects.toMatchObject({ code: 'C134' });
  });

  it('a card file with key-derivation parameters out of bounds is refused (C909), not run', async () => {
    const kdf = { name: 'scrypt' as const, N: 2 ** 30, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' };
    await expect(openCardKey({ encryptedPrivateKeyPem: 'x', kdf }, '12345678')).rejects.toMatchObject({ code: 'C909' });
    await expect(openCardKey({ encryptedPrivateKeyPem: 'x', kdf: { ...kdf, N: 1000 } }, '12345678')).rejects.toMatchObject({
      code: 'C909',
    });
  });
});
