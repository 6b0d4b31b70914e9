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

/**
 * How the PIN becomes the passphrase of the card's PKCS#8 key: scrypt, memory-hard, so that a copied
 * card file costs a guesser ≥ 100 ms and 128 MiB per PIN tried. A card file without `kdf` is of the
 * first format: its PIN is the PKCS#8 passphrase itself (PBKDF2, ~500 tries/s); it still opens.
 */
export interface CardKdf {
  name: 'scrypt';
  /** cost (a power of two), block size, parallelism */
  N: number;
  r: number;
  p: number;
  /** random, base64 */
  salt: string;
}

/** What new card keys are sealed with: N=2^17, r=8 (128 MiB per try); the minimum a sealed key must meet. */
export const CARD_KDF_PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;

/** True when the key is sealed with the memory-hard derivation at (at least) today's cost. */
export function cardKdfIsCurrent(kdf: CardKdf | undefined): boolean {
  return !!kdf && kdf.name === 'scrypt' && kdf.N >= CARD_KDF_PARAMS.N && kdf.r >= CARD_KDF_PARAMS.r && kdf.p >= CARD_KDF_PARAMS.p;
}

export interface CardKeyPair {
  /** PKCS#8 PEM (aes-256-cbc), its passphrase derived from the PIN by `kdf` */
  encryptedPrivateKeyPem: string;
  /** SPKI PEM */
  publicKeyPem: string;
  kdf: CardKdf;
}

/** A sealed private key as a card file holds it: `kdf` absent for first-format cards. */
export interface SealedCardKey {
  encryptedPrivateKeyPem: string;
  kdf?: CardKdf;
}

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;

/**
 * The PKCS#8 passphrase of a card: the scrypt of its PIN (hex), or the PIN itself for a first-format
 * card. Slow on purpose (runs on libuv's pool, not the event loop); derive once per unlock.
 */
export async function deriveCardPassphrase(pin: string, kdf: CardKdf | undefined): Promise<string> {
  if (!kdf) return pin;
  const { N, r, p } = kdf;
  // bounds: a card file with absurd parameters is refused rather than allowed to eat the machine
  if (kdf.name !== 'scrypt' || !isPowerOfTwo(N) || N > 2 ** 22 || !(r >= 1 && r <= 32) || !(p >= 1 && p <= 16) || !kdf.salt)
    throw new MessageRejected(
      'C909',
      `卡文件的密钥派生参数无效 (card file key-derivation parameters not supported: ${JSON.stringify(kdf)})`,
    );
  const salt = Buffer.from(kdf.salt, 'base64');
  const maxmem = 128 * N * r * p + 32 * 1024 * 1024;
  const key = await new Promise<Buffer>((resolve, reject) =>
    crypto.scrypt(pin, salt, 32, { N, r, p, maxmem }, (err, k) => (err ? reject(err) : resolve(k))),
  );
  return key.toString('hex');
}

/** Seals a private key under a PIN with today's derivation and a new salt. */
export async function sealCardKey(privateKey: KeyObject, pin: string): Promise<Required<SealedCardKey>> {
  const kdf: CardKdf = { name: 'scrypt', ...CARD_KDF_PARAMS, salt: crypto.randomBytes(16).toString('base64') };
  const passphrase = await deriveCardPassphrase(pin, kdf);
  return {
    encryptedPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string,
    kdf,
  };
}

/**
 * A new card's key pair, its private key sealed under the PIN. SM2 keys must be loaded from PEM/DER
 * so that OpenSSL treats them as SM2 (not ECDSA on the SM2 curve); openCardKey does so.
 */
export async function generateCardKeys(pin: string): Promise<CardKeyPair> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
  return { ...(await sealCardKey(privateKey, pin)), publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

/** Opens a sealed key with a passphrase from deriveCardPassphrase; a wrong one throws C134. */
export function openCardKeyWith(encryptedPrivateKeyPem: string, passphrase: string): KeyObject {
  try {
    return crypto.createPrivateKey({ key: encryptedPrivateKeyPem, format: 'pem', passphrase });
  } catch (cause) {
    throw new MessageRejected('C134', '卡密码错误 (wrong card PIN)', { cause });
  }
}

/** Opens the card's private key with its PIN (one derivation); a wrong PIN throws C134. */
export async function openCardKey(sealed: SealedCardKey, pin: string): Promise<KeyObject> {
  return openCardKeyWith(sealed.encryptedPrivateKeyPem, await deriveCardPassphrase(pin, sealed.kdf));
}

/**
 * Public keys and their fingerprints by PEM text: a card's key is parsed once per process, not once
 * per message (parsing a PEM costs more than an SM2 verification). Bounded: the oldest half goes
 * when it is full.
 */
const KEY_CACHE_MAX = 4096;
const publicKeys = new Map<string, KeyObject>();
const fingerprints = new Map<string, string>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= KEY_CACHE_MAX) {
    let drop = cache.size >> 1;
    for (const k of cache.keys()) {
      if (drop-- <= 0) break;
      cache.delete(k);
    }
  }
  cache.set(key, value);
  return value;
}

export function publicKeyFromPem(pem: string): KeyObject {
  const known = publicKeys.get(pem);
  if (known) return known;
  try {
    return remember(publicKeys, pem, crypto.createPublicKey({ key: pem, format: 'pem' }));
  } catch (cause) {
    throw new OswError('OSW_CARD_KEY_INVALID', 'the card public key cannot be read', { cause });
  }
}

/** SM3 fingerprint (hex) of a public key: what we write as DecSign/Certificate. */
export function keyFingerprint(publicKeyPem: string): string {
  const known = fingerprints.get(publicKeyPem);
  if (known !== undefined) return known;
  const der = publicKeyFromPem(publicKeyPem).export({ type: 'spki', format: 'der' });
  return remember(fingerprints, publicKeyPem, crypto.createHash('sm3').update(der).digest('hex'));
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

/**
 * `sm2Sign` on libuv's thread pool instead of the event loop: the SM2 arithmetic (~0.4 ms a
 * signature) runs beside the caller's other work, on another core when there is one.
 */
export function sm2SignAsync(data: Uint8Array, privateKey: KeyObject): Promise<string> {
  return new Promise((resolve, reject) =>
    crypto.sign('sm3', data, privateKey, (err, signature) => (err ? reject(err) : resolve(signature.toString('base64')))),
  );
}

/** `sm2Verify` on libuv's thread pool: false for a signature that does not verify or cannot be read. */
export function sm2VerifyAsync(data: Uint8Array, publicKey: KeyObject, signatureBase64: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      crypto.verify('sm3', data, publicKey, Buffer.from(signatureBase64, 'base64'), (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

const DEC_SIGN_BLOCK = /<((?:[\w.-]+:)?)DecSign(\s[^>]*)?>([\s\S]*?)<\/\1DecSign\s*>/y;
const PREFIX_CHAR = /[\w.-]/;

/**
 * The first DecSign block, as `DEC_SIGN_BLOCK` unanchored would find it, tried only where one can
 * start: at the `<` just before a `DecSign`, or before its `prefix:`. (Tried at every `<` of a
 * declaration, the expression cost more than the rest of the signing's string work.)
 */
function decSignBlock(xml: string): RegExpExecArray | null {
  for (let i = xml.indexOf('DecSign'); i !== -1; i = xml.indexOf('DecSign', i + 1)) {
    let start = i - 1;
    if (xml[start] === ':') {
      start--;
      while (start >= 0 && PREFIX_CHAR.test(xml[start])) start--;
      if (start === i - 2) continue; // an empty prefix
    }
    if (start < 0 || xml[start] !== '<') continue;
    DEC_SIGN_BLOCK.lastIndex = start;
    const m = DEC_SIGN_BLOCK.exec(xml);
    if (m) return m;
  }
  return null;
}
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
  const m = decSignBlock(xml);
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

/** A DecMessage with DecSign filled and Sign emptied: the bytes to sign, and how to write the signature in. */
function decSignPlan(xml: string, input: Omit<DecSignInput, 'privateKey'>): { unsigned: string; withSignature(signature: string): string } {
  let doc = xml;
  if (!decSignBlock(doc)) {
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
  const m = decSignBlock(doc)!;
  const [whole, prefix, attrs = '', inner] = m;
  let block = setElement(inner, prefix, 'ICCode', input.cardNo);
  block = setElement(block, prefix, 'SignDate', input.signDate);
  block = setElement(block, prefix, 'Certificate', input.certificate);
  if (input.clientSeqNo !== undefined && /<(?:[\w.-]+:)?ClientSeqNo\s*(?:\/>|><\/)/.test(block))
    block = setElement(block, prefix, 'ClientSeqNo', input.clientSeqNo);
  if (input.operName !== undefined && /<(?:[\w.-]+:)?OperName\s*(?:\/>|><\/)/.test(block))
    block = setElement(block, prefix, 'OperName', input.operName);
  block = setElement(block, prefix, 'Sign', '');
  const emptied = `<${prefix}DecSign${attrs}>${block}</${prefix}DecSign>`;
  const unsigned = doc.replace(whole, emptied);
  return {
    unsigned,
    withSignature: (signature) =>
      unsigned.replace(emptied, `<${prefix}DecSign${attrs}>${setElement(block, prefix, 'Sign', signature)}</${prefix}DecSign>`),
  };
}

/** Signs a DecMessage in its DecSign block (creating the block when absent). */
export function signDecMessage(xml: string, input: DecSignInput): string {
  const plan = decSignPlan(xml, input);
  return plan.withSignature(sm2Sign(Buffer.from(plan.unsigned, 'utf8'), input.privateKey));
}

/** `signDecMessage` with the SM2 signature computed on libuv's thread pool (the same bytes and result). */
export async function signDecMessageAsync(xml: string, input: DecSignInput): Promise<string> {
  const plan = decSignPlan(xml, input);
  return plan.withSignature(await sm2SignAsync(Buffer.from(plan.unsigned, 'utf8'), input.privateKey));
}

/**
 * `signDecMessage` with the SM2 signature made elsewhere: `sign` gets the bytes a signature covers
 * (the document with DecSign filled and Sign emptied) and answers the base64 DER signature — a
 * network signer (加密机) that keeps the private key does so (docs/signing.md).
 */
export async function signDecMessageWith(
  xml: string,
  input: Omit<DecSignInput, 'privateKey'>,
  sign: (data: Uint8Array) => Promise<string>,
): Promise<string> {
  const plan = decSignPlan(xml, input);
  return plan.withSignature(await sign(Buffer.from(plan.unsigned, 'utf8')));
}

/** The signature written in DecSign/Sign, or '' when none. */
export function decSignature(xml: string): string {
  const m = decSignBlock(xml);
  if (!m) return '';
  const s = new RegExp(`<${m[1]}Sign(?:\\s[^>]*)?>([\\s\\S]*?)</${m[1]}Sign\\s*>`).exec(m[3]);
  return s ? s[1].trim() : '';
}

export function verifyDecMessage(xml: string, publicKeyPem: string): boolean {
  const signature = decSignature(xml);
  if (!signature) return false;
  return sm2Verify(Buffer.from(decSignedContent(xml), 'utf8'), publicKeyFromPem(publicKeyPem), signature);
}

/** `verifyDecMessage` with the SM2 check on libuv's thread pool. */
export async function verifyDecMessageAsync(xml: string, publicKeyPem: string): Promise<boolean> {
  const signature = decSignature(xml);
  if (!signature) return false;
  return sm2VerifyAsync(Buffer.from(decSignedContent(xml), 'utf8'), publicKeyFromPem(publicKeyPem), signature);
}
