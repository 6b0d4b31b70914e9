/**
 * Recognises any Single Window message and pulls out the identifying fields.
 * `osw message inspect` prints exactly this.
 */
import { MessageRejected } from './errors.js';
import { SAS_KEY_FIELDS } from './families/sas.js';
import { asNode, at, decodeXml, fields, list, parseXml, rootOf, text, type XmlNode } from './xml.js';

export type Family = 'declaration' | 'declaration-receipt' | 'sas' | 'manifest' | 'ceb' | 'import-response' | 'failure' | 'transport';

export interface Sniffed {
  family: Family;
  /** local name of the root element */
  root: string;
  messageType: string;
  namespace?: string;
  keys: Record<string, string>;
}

function pick(source: Record<string, string>, names: readonly string[], into: Record<string, string>) {
  for (const n of names) if (source[n] !== undefined && into[n] === undefined) into[n] = source[n];
}

/** Finds the `Package` of a 金关二期 message, wrapped in `Signature/Object` or not. */
function sasPackage(rootName: string, node: XmlNode): XmlNode | undefined {
  if (rootName === 'Package') return node;
  if (rootName === 'Signature') return at(node, 'Object', 'Package');
  return undefined;
}

export function sniffXml(xml: string): Sniffed {
  const doc = parseXml(xml);
  const { name, node } = rootOf(doc);
  const namespace = rootNamespace(xml) ?? (node['@_xmlns'] as string | undefined) ?? firstNamespace(node);
  const keys: Record<string, string> = {};

  if (name === 'DecMessage') {
    pick(fields(at(node, 'DecSign')), ['ClientSeqNo'], keys);
    pick(
      fields(at(node, 'DecHead')),
      ['ClientSeqNo', 'SeqNo', 'EntryId', 'IEFlag', 'TradeCode', 'OwnerCode', 'AgentCode', 'CustomMaster'],
      keys,
    );
    return { family: 'declaration', root: name, messageType: 'DecMessage', namespace, keys };
  }
  if (name === 'DecImportResponse') {
    pick(fields(node), ['ResponseCode', 'ClientSeqNo', 'SeqNo', 'TrnPreId', 'ErrorMessage'], keys);
    return { family: 'import-response', root: name, messageType: 'DecImportResponse', namespace, keys };
  }
  if (name === 'DEC_RESULT' || name === 'DEC_DATA') {
    const r = name === 'DEC_RESULT' ? node : at(node, 'DEC_RESULT');
    pick(fields(r), ['CUS_CIQ_NO', 'SEQ_NO', 'ENTRY_ID', 'CHANNEL', 'NOTICE_DATE', 'NOTE'], keys);
    return { family: 'declaration-receipt', root: name, messageType: 'DEC_RESULT', namespace, keys };
  }
  if (name === 'CommonResponeMessage' || name === 'CommonResponseMessage') {
    pick(fields(node), ['SeqNo', 'EtpsPreentNo', 'DealFlag', 'CheckInfo'], keys);
    return { family: 'import-response', root: name, messageType: 'CommonResponeMessage', namespace, keys };
  }
  if (name === 'Root' && text(node, 'failCode') !== undefined) {
    pick(fields(node), ['resultFlag', 'failCode', 'failInfo'], keys);
    return { family: 'failure', root: name, messageType: 'Root', namespace, keys };
  }
  const pkg = sasPackage(name, node);
  if (pkg && at(pkg, 'EnvelopInfo')) {
    const env = fields(at(pkg, 'EnvelopInfo'));
    pick(env, ['message_id', 'message_type', 'business_id', 'sender_id', 'receiver_id'], keys);
    const business = at(pkg, 'DataInfo', 'BussinessData') ?? at(pkg, 'DataInfo', 'BusinessData');
    collectSasKeys(business, keys);
    return { family: 'sas', root: name, messageType: env.message_type ?? '', namespace, keys };
  }
  if (name === 'Manifest') {
    const head = fields(at(node, 'Head'));
    pick(head, ['MessageID', 'MessageType', 'FunctionCode', 'SenderID', 'ReceiverID'], keys);
    const statement = text(at(node, 'Response', 'AdditionalInformation'), 'StatementCode');
    if (statement !== undefined) keys.StatementCode = statement;
    const mt = /:(MT[A-Z0-9]+):/.exec(namespace ?? '')?.[1];
    // a customs reply (舱单回执) echoes the Head of the manifest it answers: it is known as MTRES4
    const reply = mt === 'MTRES4' || (node.Response !== undefined && node.Declaration === undefined);
    return { family: 'manifest', root: name, messageType: reply ? 'MTRES4' : head.MessageType || mt || '', namespace, keys };
  }
  if (name === 'PlatImpRet') {
    const m = at(node, 'RetBizData', 'Manifest');
    const head = fields(at(m, 'Head'));
    pick(head, ['MessageID', 'MessageType'], keys);
    const statement = text(at(m, 'Response', 'AdditionalInformation'), 'StatementCode');
    if (statement !== undefined) keys.StatementCode = statement;
    return { family: 'import-response', root: name, messageType: 'PlatImpRet', namespace, keys };
  }
  if (name === 'DxpMsg') {
    const trans = fields(at(node, 'TransInfo'));
    pick(trans, ['CopMsgId', 'MsgType', 'SenderId', 'CreatTime'], keys);
    const receiver = text(at(node, 'TransInfo', 'ReceiverIds'), 'ReceiverId');
    if (receiver !== undefined) keys.ReceiverId = receiver;
    const fileName = text(at(node, 'AddInfo'), 'FileName');
    if (fileName !== undefined) keys.FileName = fileName;
    return { family: 'transport', root: name, messageType: trans.MsgType || 'DxpMsg', namespace, keys };
  }
  const ceb = /^(CEB\d{3})Message$/.exec(name);
  if (ceb) {
    if (node['@_guid'] !== undefined) keys.guid = node['@_guid'] as string;
    for (const child of Object.keys(node).filter((k) => !k.startsWith('@_') && k !== 'BaseTransfer' && k !== 'Signature')) {
      const first = list(node, child)[0];
      const flat = { ...fields(first), ...fields(at(first, Object.keys(first).find((k) => k.endsWith('Head')) ?? '')) };
      pick(flat, ['orderNo', 'copNo', 'preNo', 'invtNo', 'logisticsNo', 'payTransactionId', 'returnStatus', 'returnInfo'], keys);
    }
    return { family: 'ceb', root: name, messageType: ceb[1], namespace, keys };
  }
  throw new MessageRejected('C903', `无法识别的报文类型: root element <${name}>`);
}

const SAS_KEYS_BY_LOWER = new Map<string, string>(SAS_KEY_FIELDS.map((k) => [k.toLowerCase(), k]));

/**
 * The SAS_KEY_FIELDS of a Package's business data, matched case-insensitively (INV101 writes
 * `EtpsInnerInvtNo`, INV211 `etpsInnerInvtNo`) and shown under the spelling the message uses; the
 * first occurrence, breadth first, wins.
 */
function collectSasKeys(business: XmlNode | undefined, keys: Record<string, string>) {
  if (!business) return;
  const found = new Map<string, { name: string; value: string }>();
  const stack: XmlNode[] = [business];
  let guard = 0;
  while (stack.length && guard++ < 200) {
    const n = stack.shift()!;
    for (const [name, value] of Object.entries(fields(n))) {
      const canonical = SAS_KEYS_BY_LOWER.get(name.toLowerCase());
      if (canonical && !found.has(canonical)) found.set(canonical, { name, value });
    }
    for (const [k, v] of Object.entries(n)) {
      if (k.startsWith('@_')) continue;
      for (const child of Array.isArray(v) ? v : [v]) if (child && typeof child === 'object') stack.push(asNode(child));
    }
  }
  for (const k of SAS_KEY_FIELDS) {
    const f = found.get(k);
    if (f && keys[f.name] === undefined) keys[f.name] = f.value;
  }
}

/** The namespace of the root element, read from its start tag (the parser drops xmlns attributes). */
function rootNamespace(xml: string): string | undefined {
  const start = /<(?!\?|!)([\w.-]+:)?[\w.-]+(\s[^>]*)?>/.exec(xml.replace(/<!--[\s\S]*?-->/g, ''));
  if (!start) return undefined;
  const prefix = start[1] ? start[1].slice(0, -1) : '';
  const attrs = start[2] ?? '';
  const re = prefix ? new RegExp(`xmlns:${prefix}\\s*=\\s*["']([^"']*)["']`) : /xmlns\s*=\s*["']([^"']*)["']/;
  return re.exec(attrs)?.[1] ?? /xmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']/.exec(attrs)?.[1];
}

function firstNamespace(node: XmlNode): string | undefined {
  for (const [k, v] of Object.entries(node)) if (k.startsWith('@_xmlns:') && typeof v === 'string') return v;
  return undefined;
}

/** Sniffs bytes; throws MessageRejected with a failCode when unreadable. */
export function sniffBytes(bytes: Uint8Array): Sniffed {
  if (bytes.length === 0) throw new MessageRejected('C901', '报文为空 (the file is empty)');
  return sniffXml(decodeXml(bytes));
}
