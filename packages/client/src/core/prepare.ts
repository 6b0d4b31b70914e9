/**
 * Local checks before a file is sent, and signing of declarations. Every refusal is a
 * MessageRejected with a client failCode, which becomes FailBox + `InBox/Failed_…` with `<Root>`.
 */
import {
  looksLikeZip,
  MessageRejected,
  readDeclarationZip,
  checkWellFormed,
  formatProblems,
  quickSniff,
  splitName,
  toUtf8XmlText,
  validateMessage,
  writeZip,
  type ZipLimits,
} from '@osw/messages';
import type { CardSigner } from './ports.js';

export interface PrepareOptions {
  maxFileBytes: number;
  zipLimits?: ZipLimits;
  /** refuse (C914) what breaks the message rules or the code tables, as `osw message validate` finds it */
  validateBeforeSend?: boolean;
  /** the client is stopping: a signature waiting on a network signer gives up (the file stays claimed) */
  signal?: AbortSignal;
}

export interface Prepared {
  /** bytes to send (signed when the message is a declaration) */
  body: Uint8Array;
  family: string;
  messageType: string;
  changed: boolean;
}

export async function prepareForSending(
  fileName: string,
  bytes: Buffer,
  signer: CardSigner | null,
  now: Date,
  opts: PrepareOptions,
): Promise<Prepared> {
  const ext = splitName(fileName).ext.toLowerCase();
  if (bytes.length === 0) throw new MessageRejected('C901', `报文为空: ${fileName} (the file is empty)`);
  if (bytes.length > opts.maxFileBytes) throw new MessageRejected('C906', `报文超过大小限制: ${bytes.length} > ${opts.maxFileBytes} bytes`);
  if (ext === 'zip') {
    if (!looksLikeZip(bytes)) throw new MessageRejected('C905', `不是有效的ZIP包: ${fileName}`);
    const zip = await readDeclarationZip(bytes, opts.zipLimits);
    const xml = toUtf8XmlText(zip.xml.data);
    const sniffed = sniffChecked(zip.xml.data, xml);
    const attachments = zip.attachments.map((a) => a.name);
    if (sniffed.family !== 'declaration' || !signer) {
      if (opts.validateBeforeSend) refuseInvalid(xml, attachments);
      return { body: bytes, family: sniffed.family, messageType: sniffed.messageType, changed: false };
    }
    const signed = await signer.signDeclaration(xml, now, opts.signal);
    if (opts.validateBeforeSend) refuseInvalid(signed, attachments);
    const body = await writeZip([{ name: zip.xml.name, data: Buffer.from(signed, 'utf8') }, ...zip.attachments]);
    return { body, family: sniffed.family, messageType: sniffed.messageType, changed: true };
  }
  if (ext !== 'xml') throw new MessageRejected('C907', `不支持的文件类型: ${fileName} (only .xml and .zip are sent)`);
  const xml = toUtf8XmlText(bytes);
  const sniffed = sniffChecked(bytes, xml);
  if (sniffed.family !== 'declaration' || !signer) {
    if (opts.validateBeforeSend) refuseInvalid(xml);
    return { body: bytes, family: sniffed.family, messageType: sniffed.messageType, changed: false };
  }
  const signed = await signer.signDeclaration(xml, now, opts.signal);
  if (opts.validateBeforeSend) refuseInvalid(signed);
  return { body: Buffer.from(signed, 'utf8'), family: sniffed.family, messageType: sniffed.messageType, changed: true };
}

/**
 * C914 with every problem the message rules and code tables find (the same list as `osw message
 * validate`). A declaration is checked as signed: the DecSign block the card fills is part of it.
 */
function refuseInvalid(xml: string, attachments: readonly string[] = []): void {
  const { problems } = validateMessage(xml, { attachments });
  if (!problems.length) return;
  throw new MessageRejected(
    'C914',
    `报文校验未通过，共${problems.length}项 (the message was checked before sending and not sent):\n${formatProblems(problems)}`,
  );
}

/** Family from the first bytes (cheap, so an unknown root fails fast), then a well-formedness check. */
function sniffChecked(bytes: Uint8Array, xml: string): { family: string; messageType: string } {
  const q = quickSniff(bytes);
  if (q.family === 'unknown' && q.root)
    throw new MessageRejected('C903', `无法识别的报文类型: root element <${q.root}> (unknown message type)`);
  checkWellFormed(xml);
  if (q.family === 'unknown') throw new MessageRejected('C903', '无法识别的报文类型 (unknown message type)');
  return q;
}
