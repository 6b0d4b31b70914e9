/**
 * Signing a 金关二期 Package in its `Signature` wrapper with SM2/SM3.
 *
 * Canonical bytes: the `<Package>` element re-written by this library's writer from its parsed
 * tree (UTF-8, two-space indent, no XML declaration, prefixes and attributes as they came, text
 * escaped with &amp; &lt; &gt; &quot; &apos;). Formatting of the original does not matter; any change
 * of an element, attribute or text does. DigestValue = base64(SM3(canonical)), SignatureValue =
 * base64(SM2-with-SM3 signature of canonical), KeyName = the card number.
 */
import type { KeyObject } from 'node:crypto';
import crypto from 'node:crypto';
import { publicKeyFromPem, sm2Sign, sm2Verify } from '../signing.js';
import { child, leaf, parseTree, treeToElement, type XNode } from '../tree.js';
import { writeXml } from '../writer.js';
import {
  buildSasPackage,
  emptySasSignature,
  SAS_DIGEST_METHOD,
  SAS_SIGNATURE_METHOD,
  sasPackageFromTree,
  sasPackageTree,
  type SasSignature,
} from './sas.js';

function canonicalPackage(root: XNode): Buffer {
  const pkg = root.name === 'Package' ? root : child(child(root, 'Object'), 'Package');
  if (!pkg) throw new Error('no Package to sign');
  return Buffer.from(writeXml(treeToElement(pkg), { declaration: false }), 'utf8');
}

function setLeaf(parts: XNode[], path: string[], value: string): XNode[] {
  const [head, ...rest] = path;
  return parts.map((p) => {
    if (p.name !== head) return p;
    if (!rest.length) return leaf(p.name, value, p.prefix);
    return { ...p, children: setLeaf(p.children, rest, value) };
  });
}

function setAlgorithm(parts: XNode[], path: string[], algorithm: string): XNode[] {
  const [head, ...rest] = path;
  return parts.map((p) => {
    if (p.name !== head) return p;
    if (!rest.length) return { ...p, attrs: { ...p.attrs, Algorithm: algorithm } };
    return { ...p, children: setAlgorithm(p.children, rest, algorithm) };
  });
}

function findLeaf(parts: XNode[], path: string[]): string {
  let cur: XNode | undefined = parts.find((p) => p.name === path[0]);
  for (const name of path.slice(1)) cur = child(cur, name);
  return cur?.text ?? '';
}

export function signSasPackage(xml: string, input: { privateKey: KeyObject; keyName: string }): string {
  const p = sasPackageFromTree(parseTree(xml));
  const canonical = canonicalPackage(sasPackageTree({ ...p, signature: null }));
  let sig: SasSignature = p.signature ?? emptySasSignature();
  if (!sig.parts.some((x) => x.name === 'SignedInfo')) sig = emptySasSignature();
  let parts = setAlgorithm(sig.parts, ['SignedInfo', 'SignatureMethod'], SAS_SIGNATURE_METHOD);
  parts = setAlgorithm(parts, ['SignedInfo', 'Reference', 'DigestMethod'], SAS_DIGEST_METHOD);
  parts = setLeaf(parts, ['SignedInfo', 'Reference', 'DigestValue'], crypto.createHash('sm3').update(canonical).digest('base64'));
  parts = setLeaf(parts, ['SignatureValue'], sm2Sign(canonical, input.privateKey));
  parts = setLeaf(parts, ['KeyInfo', 'KeyName'], input.keyName);
  return buildSasPackage({ ...p, signature: { attrs: sig.attrs, parts } });
}

export function verifySasPackage(xml: string, publicKeyPem: string): { ok: boolean; keyName: string; reason?: string } {
  const p = sasPackageFromTree(parseTree(xml));
  if (!p.signature) return { ok: false, keyName: '', reason: 'the Package is not wrapped in a Signature' };
  const keyName = findLeaf(p.signature.parts, ['KeyInfo', 'KeyName']);
  const value = findLeaf(p.signature.parts, ['SignatureValue']);
  if (!value) return { ok: false, keyName, reason: 'SignatureValue is empty' };
  const canonical = canonicalPackage(sasPackageTree({ ...p, signature: null }));
  const digest = findLeaf(p.signature.parts, ['SignedInfo', 'Reference', 'DigestValue']);
  if (digest !== crypto.createHash('sm3').update(canonical).digest('base64'))
    return { ok: false, keyName, reason: 'DigestValue does not match the Package' };
  const ok = sm2Verify(canonical, publicKeyFromPem(publicKeyPem), value);
  return ok ? { ok, keyName } : { ok, keyName, reason: 'SM2 signature does not verify' };
}
