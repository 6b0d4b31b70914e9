/**
 * The SM2-SM3 enveloped XML signature of CEB messages (2022 specification).
 *
 * Layout (the last child of the message root, as in the official samples and the public
 * implementations of the 2022 spec):
 *
 *   <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
 *     <ds:SignedInfo>
 *       <ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
 *       <ds:SignatureMethod Algorithm="http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3"/>
 *       <ds:Reference URI="">
 *         <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>
 *         <ds:DigestMethod Algorithm="http://www.chinaport.gov.cn/2022/04/xmldsig#sm3"/>
 *         <ds:DigestValue>base64(SM3(C14N(message root without ds:Signature)))</ds:DigestValue>
 *       </ds:Reference>
 *     </ds:SignedInfo>
 *     <ds:SignatureValue>base64(SM2-with-SM3(C14N(ds:SignedInfo in its context)))</ds:SignatureValue>
 *     <ds:KeyInfo>
 *       <ds:KeyName>card certificate number</ds:KeyName>
 *       <ds:X509Data><ds:X509Certificate>…</ds:X509Certificate></ds:X509Data>
 *     </ds:KeyInfo>
 *   </ds:Signature>
 *
 * Canonicalization is inclusive C14N 1.0 without comments (xml-crypto's C14nCanonicalization over
 * an @xmldom/xmldom DOM). The reference digest covers the canonical form of the root element once
 * the ds:Signature element is removed (enveloped-signature transform); SignedInfo is canonicalized
 * with the namespaces in scope from its ancestors (so it carries xmlns:ceb and xmlns:ds).
 * docs/messages-ceb.md shows the exact canonical bytes.
 */
import type { KeyObject } from 'node:crypto';
import { createHash, createPublicKey } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { C14nCanonicalization, findAncestorNs } from 'xml-crypto';
// the enveloped-signature transform is not re-exported from the package index
import { EnvelopedSignature } from 'xml-crypto/lib/enveloped-signature.js';
import { MessageRejected, OswError } from '../errors.js';
import { publicKeyFromPem, sm2Sign, sm2Verify } from '../signing.js';
import { cebSignatureElement, renderCebElement, XMLDSIG_NAMESPACE, type CebSignatureInfo } from './ceb-dsig.js';

export const CEB_DSIG = {
  canonicalization: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  signature: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3',
  digest: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm3',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

export interface CebSignOptions {
  /** the card's SM2 private key, opened from PEM (openCardKey) so OpenSSL treats it as SM2 */
  privateKey: KeyObject;
  /** KeyInfo/KeyName: the card's certificate number */
  keyName: string;
  /** the card's X.509 certificate, PEM or base64 DER; written to KeyInfo/X509Data when given */
  certificate?: string;
}

type El = Element;

function parseDom(xml: string): Document {
  return new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== 'warning') throw new MessageRejected('C902', `报文不是格式正确的XML: ${message}`);
    },
  }).parseFromString(xml.replace(/^\uFEFF/, ''), 'text/xml') as unknown as Document;
}

function childElements(node: Node): El[] {
  const out: El[] = [];
  for (let i = 0; i < node.childNodes.length; i++) {
    const c = node.childNodes[i];
    if (c.nodeType === 1) out.push(c as El);
  }
  return out;
}

function dsChildren(node: Node, localName: string): El[] {
  return childElements(node).filter((e) => e.localName === localName && e.namespaceURI === XMLDSIG_NAMESPACE);
}

function signatureOf(doc: Document): El[] {
  return dsChildren(doc.documentElement as unknown as Node, 'Signature');
}

const SIGNED_INFO_XPATH = `/*/*[local-name()='Signature' and namespace-uri()='${XMLDSIG_NAMESPACE}']/*[local-name()='SignedInfo' and namespace-uri()='${XMLDSIG_NAMESPACE}']`;

/**
 * The canonical bytes (as text) the reference digest covers: the root element with its
 * ds:Signature removed, inclusive C14N 1.0 without comments.
 */
export function cebDigestCanonical(xml: string): string {
  const doc = parseDom(xml);
  const root = doc.documentElement as unknown as Node;
  const sigs = signatureOf(doc);
  for (const s of sigs) new EnvelopedSignature().process(root, { signatureNode: s as unknown as Node });
  return new C14nCanonicalization().process(root, {}) as string;
}

/** The canonical bytes (as text) the SM2 signature covers: ds:SignedInfo in its namespace context. */
export function cebSignedInfoCanonical(xml: string): string {
  const doc = parseDom(xml);
  const sig = signatureOf(doc)[0];
  const si = sig ? dsChildren(sig, 'SignedInfo')[0] : undefined;
  if (!si) throw new MessageRejected('C909', 'the message has no ds:Signature/ds:SignedInfo');
  const ancestorNamespaces = findAncestorNs(doc as never, SIGNED_INFO_XPATH);
  return new C14nCanonicalization().process(si as unknown as Node, { ancestorNamespaces }) as string;
}

function sm3Base64(s: string): string {
  return createHash('sm3').update(Buffer.from(s, 'utf8')).digest('base64');
}

function certificateBase64(cert: string): string {
  return cert
    .replace(/-----BEGIN CERTIFICATE-----/, '')
    .replace(/-----END CERTIFICATE-----/, '')
    .replace(/\s+/g, '');
}

/** The message without any ds:Signature of its root (re-signing replaces, never nests). */
function withoutSignature(xml: string): string {
  const clean = xml.replace(/^\uFEFF/, '');
  const doc = parseDom(clean);
  const sigs = signatureOf(doc);
  if (sigs.length === 0) return clean;
  for (const s of sigs) s.parentNode?.removeChild(s);
  return new XMLSerializer().serializeToString(doc as never);
}

/**
 * Puts the signature element as the root's last child, on its own line at depth 1, and makes the
 * whitespace before the closing root tag exactly a newline — the layout buildCeb writes, so that a
 * signed message survives parse → build unchanged.
 */
function placeSignature(unsigned: string, signature: string): string {
  const close = /<\/([\w.:-]+)\s*>\s*$/.exec(unsigned);
  if (!close) throw new MessageRejected('C909', '报文加签失败: cannot find the closing tag of the root');
  const before = unsigned.slice(0, close.index).replace(/\s+$/, '');
  return `${before}\n${signature}\n${close[0].trimStart().replace(/\s+$/, '')}\n`;
}

function signatureInfo(digestValue: string, signatureValue: string, opts: CebSignOptions): CebSignatureInfo {
  const info: CebSignatureInfo = {
    canonicalizationMethod: CEB_DSIG.canonicalization,
    signatureMethod: CEB_DSIG.signature,
    referenceUri: '',
    transforms: [CEB_DSIG.envelopedSignature],
    digestMethod: CEB_DSIG.digest,
    digestValue,
    signatureValue,
    keyName: opts.keyName,
  };
  if (opts.certificate !== undefined) info.x509Certificate = certificateBase64(opts.certificate);
  return info;
}

/**
 * Signs a CEB message with an enveloped SM2-SM3 signature (replacing any signature already there).
 * Returns the signed XML.
 */
export function signCeb(xml: string, opts: CebSignOptions): string {
  const unsigned = withoutSignature(xml);
  const render = (digest: string, value: string) => renderCebElement(cebSignatureElement(signatureInfo(digest, value, opts)), 1);
  // 1. the digest covers the final document minus the signature element, so place a blank one first
  const draft = placeSignature(unsigned, render('', ''));
  const digestValue = sm3Base64(cebDigestCanonical(draft));
  // 2. SignedInfo, now with the digest, canonicalized in place, is what the card signs
  const withDigest = placeSignature(unsigned, render(digestValue, ''));
  const signatureValue = sm2Sign(Buffer.from(cebSignedInfoCanonical(withDigest), 'utf8'), opts.privateKey);
  return placeSignature(unsigned, render(digestValue, signatureValue));
}

/**
 * The card's public key from SPKI PEM or from its X.509 certificate PEM. A key taken out of a
 * certificate is re-imported from SPKI PEM so that OpenSSL treats it as SM2.
 */
function cardPublicKey(pem: string): KeyObject {
  if (!pem.includes('BEGIN CERTIFICATE')) return publicKeyFromPem(pem);
  let spki: string;
  try {
    spki = createPublicKey(pem).export({ type: 'spki', format: 'pem' }) as string;
  } catch (cause) {
    throw new OswError('OSW_CARD_KEY_INVALID', 'the card certificate cannot be read', { cause });
  }
  return publicKeyFromPem(spki);
}

function algorithm(e: El | undefined): string | undefined {
  return e?.getAttribute('Algorithm') ?? undefined;
}

/**
 * Verifies the enveloped SM2-SM3 signature of a CEB message with the card's public key (SPKI PEM,
 * or the X.509 certificate PEM). False when there is no signature, when it uses other algorithms,
 * when the content changed (digest) or when the SignedInfo was not signed by this key.
 */
export function verifyCeb(xml: string, publicKeyPem: string): boolean {
  let doc: Document;
  try {
    doc = parseDom(xml);
  } catch {
    return false;
  }
  const sigs = signatureOf(doc);
  if (sigs.length !== 1) return false;
  const [si] = dsChildren(sigs[0], 'SignedInfo');
  const [sigValueEl] = dsChildren(sigs[0], 'SignatureValue');
  if (!si || !sigValueEl) return false;
  if (algorithm(dsChildren(si, 'CanonicalizationMethod')[0]) !== CEB_DSIG.canonicalization) return false;
  if (algorithm(dsChildren(si, 'SignatureMethod')[0]) !== CEB_DSIG.signature) return false;
  const refs = dsChildren(si, 'Reference');
  if (refs.length !== 1 || refs[0].getAttribute('URI') !== '') return false;
  const transforms = dsChildren(refs[0], 'Transforms').flatMap((t) => dsChildren(t, 'Transform').map(algorithm));
  if (transforms.length !== 1 || transforms[0] !== CEB_DSIG.envelopedSignature) return false;
  if (algorithm(dsChildren(refs[0], 'DigestMethod')[0]) !== CEB_DSIG.digest) return false;
  const digestValue = (dsChildren(refs[0], 'DigestValue')[0]?.textContent ?? '').replace(/\s+/g, '');
  const signatureValue = (sigValueEl.textContent ?? '').replace(/\s+/g, '');
  if (!digestValue || !signatureValue) return false;

  const ancestorNamespaces = findAncestorNs(doc as never, SIGNED_INFO_XPATH);
  const signedInfo = new C14nCanonicalization().process(si as unknown as Node, { ancestorNamespaces }) as string;
  if (!sm2Verify(Buffer.from(signedInfo, 'utf8'), cardPublicKey(publicKeyPem), signatureValue)) return false;

  const root = doc.documentElement as unknown as Node;
  new EnvelopedSignature().process(root, { signatureNode: sigs[0] as unknown as Node });
  const content = new C14nCanonicalization().process(root, {}) as string;
  return sm3Base64(content) === digestValue;
}
