import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../../test/helpers.js';
import {
  decSignature,
  generateCardKeys,
  keyFingerprint,
  MessageRejected,
  openCardKey,
  parseDecMessage,
  signDecMessage,
  verifyDecMessage,
} from '../src/index.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
const card = generateCardKeys('12345678');
const key = openCardKey(card.encryptedPrivateKeyPem, '12345678');
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
    const other = generateCardKeys('87654321');
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

  it('a wrong PIN cannot open the card key (C134)', () => {
    expect(() => openCardKey(card.encryptedPrivateKeyPem, '00000000')).toThrowError(MessageRejected);
    try {
      openCardKey(card.encryptedPrivateKeyPem, '00000000');
    } catch (e) {
      expect((e as MessageRejected).code).toBe('C134');
    }
  });
});
