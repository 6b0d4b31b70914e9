/**
 * The `ds:Signature` block of CEB messages as data and as elements: shared by the reader/writer
 * (ceb.ts) and the signer (ceb-signature.ts), so that both lay it out identically.
 */
import { el, writeXml, type XmlElement } from '../writer.js';

export const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';

/** `ds:Signature` as it stands in a message (values as written, ends trimmed). */
export interface CebSignatureInfo {
  canonicalizationMethod: string;
  signatureMethod: string;
  referenceUri: string;
  transforms: string[];
  digestMethod: string;
  digestValue: string;
  signatureValue: string;
  /** KeyInfo/KeyName: the card's certificate number */
  keyName?: string;
  /** KeyInfo/X509Data/X509Certificate: base64 DER */
  x509Certificate?: string;
}

/** The `ds:Signature` element as the 2022 samples lay it out. */
export function cebSignatureElement(sig: CebSignatureInfo): XmlElement {
  const ds = (n: string) => `ds:${n}`;
  const keyInfo: XmlElement[] = [];
  if (sig.keyName !== undefined) keyInfo.push(el(ds('KeyName'), sig.keyName));
  if (sig.x509Certificate !== undefined) keyInfo.push(el(ds('X509Data'), [el(ds('X509Certificate'), sig.x509Certificate)]));
  const children: XmlElement[] = [
    el(ds('SignedInfo'), [
      el(ds('CanonicalizationMethod'), '', { Algorithm: sig.canonicalizationMethod }),
      el(ds('SignatureMethod'), '', { Algorithm: sig.signatureMethod }),
      el(
        ds('Reference'),
        [
          el(
            ds('Transforms'),
            sig.transforms.map((t) => el(ds('Transform'), '', { Algorithm: t })),
          ),
          el(ds('DigestMethod'), '', { Algorithm: sig.digestMethod }),
          el(ds('DigestValue'), sig.digestValue),
        ],
        { URI: sig.referenceUri },
      ),
    ]),
    el(ds('SignatureValue'), sig.signatureValue),
  ];
  if (keyInfo.length) children.push(el(ds('KeyInfo'), keyInfo));
  return el(ds('Signature'), children, { 'xmlns:ds': XMLDSIG_NAMESPACE });
}

export const CEB_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
export const CEB_INDENT = '  ';

/** Writes one element at a depth, exactly as buildCeb writes it inside the root (no trailing newline). */
export function renderCebElement(e: XmlElement, depth: number): string {
  const pad = CEB_INDENT.repeat(depth);
  return writeXml(e, { declaration: false, indent: CEB_INDENT })
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}
