/**
 * Family and message type from the first bytes of a message, without a full parse: enough to
 * route a file. `sniffXml` reads the identifying fields with a full parse.
 */
import type { Family } from './sniff.js';

const HEAD_BYTES = 16 * 1024;

export interface QuickSniff {
  family: Family | 'unknown';
  root: string;
  messageType: string;
}

function rootName(text: string): string {
  const re = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]/g;
  let i = 0;
  // skip the declaration, comments, processing instructions and doctype
  for (;;) {
    const rest = text.slice(i);
    const skip = /^\s*(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)/.exec(rest);
    if (!skip) break;
    i += skip[0].length;
  }
  re.lastIndex = i;
  const m = re.exec(text);
  return m ? m[2] : '';
}

function tagText(text: string, name: string): string | undefined {
  return new RegExp(`<(?:[\\w.-]+:)?${name}>\\s*([^<]*?)\\s*</(?:[\\w.-]+:)?${name}>`).exec(text)?.[1];
}

export function quickSniff(bytes: Uint8Array): QuickSniff {
  const text = Buffer.from(bytes.subarray(0, HEAD_BYTES)).toString('latin1');
  const root = rootName(text);
  const type = (family: QuickSniff['family'], messageType: string): QuickSniff => ({ family, root, messageType });
  switch (root) {
    case 'DecMessage':
      return type('declaration', 'DecMessage');
    case 'DecImportResponse':
      return type('import-response', 'DecImportResponse');
    case 'DEC_RESULT':
    case 'DEC_DATA':
      return type('declaration-receipt', 'DEC_RESULT');
    case 'CommonResponeMessage':
    case 'CommonResponseMessage':
      return type('import-response', 'CommonResponeMessage');
    case 'PlatImpRet':
      return type('import-response', 'PlatImpRet');
    case 'Root':
      return type(/<failCode>/.test(text) ? 'failure' : 'unknown', 'Root');
    case 'Signature':
    case 'Package':
      return type('sas', tagText(text, 'message_type') ?? '');
    case 'Manifest': {
      // a customs reply (舱单回执, namespace …:MTRES4:1, or a Response and no Declaration) is MTRES4, as sniffXml says
      const ns = /:(MT[A-Z0-9]+):/.exec(text)?.[1];
      if (ns === 'MTRES4' || (/<([\w.-]+:)?Response[\s>]/.test(text) && !/<([\w.-]+:)?Declaration[\s>/]/.test(text)))
        return type('manifest', 'MTRES4');
      return type('manifest', tagText(text, 'MessageType') ?? ns ?? '');
    }
    case 'DxpMsg':
      return type('transport', tagText(text, 'MsgType') ?? 'DxpMsg');
  }
  const ceb = /^(CEB\d{3})Message$/.exec(root);
  if (ceb) return type('ceb', ceb[1]);
  return type('unknown', '');
}
