/**
 * SM2/SM3 signing of messages with an IC card key (Node's crypto, OpenSSL 3).
 *
 * A DecMessage is signed in its DecSign block: the signer fills ICCode, SignDate and Certificate,
 * empties Sign, computes an SM2 signature (SM3 digest, default user id) over the UTF-8 bytes of the
 * whole document as it then stands, and writes the base64 signature into Sign. A verifier empties
 * Sign again and checks the same bytes, so any change to any byte of the message breaks the
 * signature. docs/signing.md explains how this maps to a real card.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { MessageRejected, OswError } from './errors.js';
import { escapeXml } from './xml.js';

export interface CardKeyPair {
  /** PKCS#8 PEM, encrypted with the card PIN (aes-256-cbc) */
  encryptedPrivateKeyPem: string;
  /** SPKI PEM */
  publicKeyPem: string;
}

/**
 * SM2 keys must be loaded from PEM/DER so that OpenSSL treats them as SM2 (not ECDSA on the SM2
 * curve); a freshly generated KeyObject is re-imported here for that reason.
 */
export function generateCardKeys(pin: string): CardKeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
  return {
    encryptedPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: pin }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** Opens the card's private key with its PIN; a wrong PIN throws C134. */
export function openCardKey(encryptedPrivateKeyPem: string, pin: string): KeyObject {
  try {
    return crypto.createPrivateKey({ key: encryptedPrivateKeyPem, format: 'pem', passphrase: pin });
  } catch (cause) {
    throw new MessageRejected('C134', '卡密码错误 (wrong card PIN)', { cause });
  }
}

export function publicKeyFromPem(pem: string): KeyObject {
  try {
    return crypto.createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new OswError('OSW_CARD_KEY_INVALID', 'the card public key cannot be read', { cause });
  }
}

/** SM3 fingerprint (hex) of a public key: what we write as DecSign/Certificate. */
export function keyFingerprint(publicKeyPem: string): string {
  const der = publicKeyFromPem(publicKeyPem).export({ type: 'spki', format: 'der' });
  return crypto.createHash('sm3').update(der).digest('hex');
}

export function sm3Hex(data: string | Uint8Array): string {
  return crypto.createHash('sm3').update(data).digest('hex');
}

export function sm2Sign(data: Uint8Array, privateKey: KeyObject): string {
  return crypto.sign('sm3', data, privateKey).toString('base64');
}

export function sm2Verify(data: Uint8Array, publicKey: KeyObject, signatureBase64: string): boolean {
  try {
    return crypto.verify('sm3', data, publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

const DEC_SIGN_BLOCK = /<((?:[\w.-]+:)?)DecSign(\s[^>]*)?>([\s\S]*?)<\/\1DecSign\s*>/;
const DEC_SIGN_EMPTY = /<((?:[\w.-]+:)?)DecSign(\s[^>]*)?\/>/;

function setElement(block: string, prefix: string, name: string, value: string): string {
  const esc = escapeXml(value);
  const full = new RegExp(`<${prefix}${name}(\\s[^>]*)?>[\\s\\S]*?</${prefix}${name}\\s*>`);
  const empty = new RegExp(`<${prefix}${name}(\\s[^>]*)?/>`);
  if (full.test(block)) return block.replace(full, `<${prefix}${name}>${esc}</${prefix}${name}>`);
  if (empty.test(block)) return block.replace(empty, `<${prefix}${name}>${esc}</${prefix}${name}>`);
  return `${block}<${prefix}${name}>${esc}</${prefix}${name}>`;
}

/** The document with DecSign/Sign emptied: the bytes a signature covers. */
export function decSignedContent(xml: string): string {
  const m = DEC_SIGN_BLOCK.exec(xml);
  if (!m) throw new MessageRejected('C909', 'DecMessage has no DecSign block to verify');
  const [whole, prefix, attrs = '', inner] = m;
  const emptied = setElement(inner, prefix, 'Sign', '');
  return xml.replace(whole, `<${prefix}DecSign${attrs}>${emptied}</${prefix}DecSign>`);
}

export interface DecSignInput {
  privateKey: KeyObject;
  cardNo: string;
  certificate: string;
  /** `yyyyMMddHHmmssfff`-style or ISO text; written as given */
  signDate: string;
  operName?: string;
  clientSeqNo?: string;
}

/** Signs a DecMessage in its DecSign block (creating the block when absent). */
export function signDecMessage(xml: string, input: DecSignInput): string {
  let doc = xml;
  if (!DEC_SIGN_BLOCK.test(doc)) {
    const emptyTag = DEC_SIGN_EMPTY.exec(doc);
    if (emptyTag) doc = doc.replace(emptyTag[0], `<${emptyTag[1]}DecSign${emptyTag[2] ?? ''}></${emptyTag[1]}DecSign>`);
    else {
      const close = /<\/((?:[\w.-]+:)?)DecMessage\s*>/.exec(doc);
      if (!close) throw new MessageRejected('C909', 'not a DecMessage: cannot place DecSign');
      const p = close[1];
      const block = `  <${p}DecSign><${p}OperType>G</${p}OperType><${p}ICCode></${p}ICCode><${p}CopCode></${p}CopCode><${p}OperName></${p}OperName><${p}ClientSeqNo></${p}ClientSeqNo><${p}Sign></${p}Sign><${p}SignDate></${p}SignDate><${p}Certificate></${p}Certificate><${p}HostId></${p}HostId></${p}DecSign>\n`;
      doc = doc.slice(0, close.index) + block + doc.slice(close.index);
    }
  }
  const m = DEC_SIGN_BLOCK.exec(doc)!;
  const [whole, prefix, attrs = '', inner] = m;
  let block = setElement(inner, prefix, 'ICCode', input.cardNo);
  block = setElement(block, prefix, 'SignDate', input.signDate);
  block = setElement(block, prefix, 'Certificate', input.certificate);
  if (input.clientSeqNo !== undefined && /<(?:[\w.-]+:)?ClientSeqNo\s*(?:\/>|><\/)/.test(block))
    block = setElement(block, prefix, 'ClientSeqNo', input.clientSeqNo);
  if (input.operName !== undefined && /<(?:[\w.-]+:)?OperName\s*(?:\/>|><\/)/.test(block))
    block = setElement(block, prefix, 'OperName', input.operName);
  block = setElement(block, prefix, 'Sign', '');
  const unsigned = doc.replace(whole, `<${prefix}DecSign${attrs}>${block}</${prefix}DecSign>`);
  const signature = sm2Sign(Buffer.from(unsigned, 'utf8'), input.privateKey);
  const signedBlock = setElement(block, prefix, 'Sign', signature);
  return unsigned.replace(
    `<${prefix}DecSign${attrs}>${block}</${prefix}DecSign>`,
    `<${prefix}DecSign${attrs}>${signedBlock}</${prefix}DecSign>`,
  );
}

/** The signature written in DecSign/Sign, or '' when none. */
export function decSignature(xml: string): string {
  const m = DEC_SIGN_BLOCK.exec(xml);
  if (!m) return '';
  const s = new RegExp(`<${m[1]}Sign(?:\\s[^>]*)?>([\\s\\S]*?)</${m[1]}Sign\\s*>`).exec(m[3]);
  return s ? s[1].trim() : '';
}

export function verifyDecMessage(xml: string, publicKeyPem: string): boolean {
  const signature = decSignature(xml);
  if (!signature) return false;
  return sm2Verify(Buffer.from(decSignedContent(xml), 'utf8'), publicKeyFromPem(publicKeyPem), signature);
}
