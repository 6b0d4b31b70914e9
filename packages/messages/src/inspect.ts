/** What a file holds: an XML message, or a declaration ZIP whose XML entry is sniffed. */
import { readDeclarationZip } from './zip.js';
import { looksLikeZip } from './zip.js';
import { sniffBytes, type Sniffed } from './sniff.js';

export interface Inspected extends Sniffed {
  zip?: { xml: string; attachments: { name: string; size: number }[] };
}

export async function inspectMessage(bytes: Uint8Array): Promise<Inspected> {
  if (looksLikeZip(bytes)) {
    const zip = await readDeclarationZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return {
      ...sniffBytes(zip.xml.data),
      zip: { xml: zip.xml.name, attachments: zip.attachments.map((a) => ({ name: a.name, size: a.data.length })) },
    };
  }
  return sniffBytes(bytes);
}

/** The XML bytes of a message file: the file itself, or the XML entry of a ZIP. */
export async function messageXmlBytes(bytes: Uint8Array): Promise<Uint8Array> {
  if (!looksLikeZip(bytes)) return bytes;
  return (await readDeclarationZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))).xml.data;
}
