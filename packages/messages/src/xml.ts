/** XML reading and writing helpers over fast-xml-parser. Values stay strings, exactly as on the wire. */
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { MessageRejected } from './errors.js';

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
  // no callback here reads the path: the parser need not build its text for every element
  jPath: false,
});

/**
 * Decodes XML bytes honouring a BOM and the declared encoding: UTF-8 (the default), UTF-16,
 * GB2312/GBK/GB18030 (through iconv-lite). Bytes that do not match the declared encoding are
 * refused with C911 and a message that says which encoding they seem to be in.
 */
export function decodeXml(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return strictUtf8(buf.subarray(3), 'UTF-8 (BOM)');
  if (buf[0] === 0xff && buf[1] === 0xfe) return iconv.decode(buf.subarray(2), 'utf-16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return iconv.decode(buf.subarray(2), 'utf-16be');
  const declared = declaredEncoding(buf);
  const label = (declared ?? 'utf-8').toLowerCase();
  if (label === 'utf-8' || label === 'utf8') return strictUtf8(buf, declared ?? 'UTF-8 (default)');
  const canonical = label === 'gb2312' || label === 'gbk' || label === 'cp936' ? 'gbk' : label;
  if (!iconv.encodingExists(canonical)) throw new MessageRejected('C911', `不支持的报文编码: ${declared} (unsupported encoding)`);
  const text = iconv.decode(buf, canonical);
  if (text.includes('\uFFFD')) throw new MessageRejected('C911', `报文字节与声明的编码${declared}不符 (bytes are not valid ${declared})`);
  return text;
}

/** The encoding named in the XML declaration, if any. */
export function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  return /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']/.exec(head)?.[1];
}

function strictUtf8(buf: Buffer, declared: string): string {
  // checked (simdutf), then decoded: no TextDecoder made per message
  if (isUtf8(buf)) return buf.toString('utf8');
  const gb = iconv.decode(buf, 'gb18030');
  const hint = gb.includes('\uFFFD') ? '' : '; the bytes read as GB18030/GBK: declare encoding="GBK" or save the file as UTF-8';
  throw new MessageRejected('C911', `报文字节与声明的编码${declared}不符 (bytes are not valid UTF-8${hint})`);
}

/** Parses XML text into plain objects (namespace prefixes removed, attributes as `@_name`). */
export function parseXml(text: string): XmlNode {
  checkWellFormed(text);
  return guarded(() => parser.parse(text) as XmlNode);
}

/** Runs a parser; anything it throws becomes C902, so callers only ever see our typed errors. */
export function guarded<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof MessageRejected) throw err;
    if (err instanceof RangeError)
      throw new MessageRejected('C902', '报文嵌套层次过深，无法读取 (elements nested too deep to read)', { cause: err });
    throw new MessageRejected('C902', `报文不是格式正确的XML: ${(err as Error).message}`, { cause: err });
  }
}

/** Elements nested deeper than this are refused (C902); a Single Window message nests fewer than ten. */
export const MAX_XML_DEPTH = 256;

/** What a strict XML pass reports, element by element, in document order (prefixed names as written). */
export interface XmlEvents {
  open(name: string, attrs: Record<string, string>): void;
  /** character data inside the current element, entities decoded, one run between two pieces of markup */
  text(text: string): void;
  close(): void;
}

/**
 * Refuses empty text (C901) and text that is not well-formed XML (C902, with line and column),
 * in one strict pass (saxes, XML 1.0) that reports each element to `events` as it goes: checking
 * and reading are the same pass, so nothing is parsed twice.
 */
export function checkWellFormed(text: string, events?: XmlEvents): void {
  if (text.trim() === '') throw new MessageRejected('C901', '报文为空 (the file is empty)');
  // no Single Window message has a DTD; refusing it closes entity expansion and external entities
  if (/<!DOCTYPE/i.test(text))
    throw new MessageRejected(
      'C902',
      '报文不允许包含DOCTYPE声明 (a DOCTYPE is not allowed: entity expansion and external entities are refused)',
    );
  const sax = new SaxesParser();
  let depth = 0;
  sax.on('error', (err) => {
    const m = /^(\d+):(\d+): ([\s\S]*)$/.exec(err.message);
    throw new MessageRejected(
      'C902',
      m ? `报文不是格式正确的XML: ${m[3]} (line ${m[1]}, column ${m[2]})` : `报文不是格式正确的XML: ${err.message}`,
    );
  });
  const tooDeep = () => new MessageRejected('C902', '报文嵌套层次过深，无法读取 (elements nested too deep to read)');
  if (events) {
    sax.on('opentag', (tag) => {
      if (++depth > MAX_XML_DEPTH) throw tooDeep();
      events.open(tag.name, tag.attributes as Record<string, string>);
    });
    sax.on('closetag', () => {
      depth--;
      events.close();
    });
    sax.on('text', (t) => events.text(t));
    sax.on('cdata', (t) => events.text(t));
  } else {
    sax.on('opentag', () => {
      if (++depth > MAX_XML_DEPTH) throw tooDeep();
    });
    sax.on('closetag', () => void depth--);
  }
  sax.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).close();
}

/** The one element at the root (comments and declarations skipped): its local name and content. */
export function rootOf(doc: XmlNode): { name: string; node: XmlNode } {
  const names = Object.keys(doc).filter((k) => !k.startsWith('@_') && k !== '#text');
  if (names.length !== 1) throw new MessageRejected('C902', `报文须有且仅有一个根元素 (found ${names.length})`);
  const value = doc[names[0]];
  return { name: names[0], node: asNode(Array.isArray(value) ? value[0] : value) };
}

export function asNode(value: XmlValue | undefined): XmlNode {
  if (value === undefined || typeof value === 'string') return {};
  if (Array.isArray(value)) return asNode(value[0]);
  return value;
}

/** Children of a name as a list (one, many or none). */
export function list(node: XmlNode | undefined, name: string): XmlNode[] {
  const v = node?.[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(asNode);
}

/** The text of a child element, '' when empty, undefined when absent. */
export function text(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.[name];
  if (v === undefined) return undefined;
  const one = Array.isArray(v) ? v[0] : v;
  if (typeof one === 'string') return one;
  const t = (one as XmlNode)['#text'];
  return typeof t === 'string' ? t : '';
}

/** Follows a path of element names. */
export function at(node: XmlNode | undefined, ...path: string[]): XmlNode | undefined {
  let cur: XmlNode | undefined = node;
  for (const p of path) {
    if (!cur || cur[p] === undefined) return undefined;
    cur = asNode(cur[p]);
  }
  return cur;
}

/** Leaf fields of an element as a flat record of strings (nested elements are skipped). */
export function fields(node: XmlNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!node) return out;
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_')) continue;
    const one = Array.isArray(v) ? v[0] : v;
    if (typeof one === 'string') out[k] = one;
    else if (one && typeof one === 'object' && !Array.isArray(one) && Object.keys(one).every((x) => x.startsWith('@_') || x === '#text')) {
      const t = one['#text'];
      out[k] = typeof t === 'string' ? t : '';
    }
  }
  return out;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Builds `<name>value</name>` lines for a record, in the given order, indented. */
export function elements(record: Record<string, string | undefined>, order: readonly string[], indent: string): string {
  return order.map((k) => `${indent}<${k}>${escapeXml(record[k] ?? '')}</${k}>`).join('\n');
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/**
 * Decodes XML bytes to text and, when they were not UTF-8, rewrites the declared encoding so that
 * the text can be written back as UTF-8 without lying about itself.
 */
export function toUtf8XmlText(bytes: Uint8Array): string {
  const text = decodeXml(bytes);
  if (declaredEncoding(bytes) === undefined) return text;
  return text.replace(/^(\s*<\?xml[^>]*encoding\s*=\s*["'])([A-Za-z0-9_.:-]+)(["'])/, (whole, a: string, enc: string, b: string) =>
    /^utf-?8$/i.test(enc) ? whole : `${a}UTF-8${b}`,
  );
}
