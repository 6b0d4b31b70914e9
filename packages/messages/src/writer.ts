/**
 * A small XML writer for building messages in exact element order. Element names may carry a
 * prefix (`ceb:OrderHead`); namespaces are attributes (`xmlns`, `xmlns:ceb`).
 */
import { escapeXml } from './xml.js';

export interface XmlElement {
  name: string;
  attrs?: Record<string, string | undefined>;
  /** child elements, written in order */
  children?: XmlElement[];
  /** text content (escaped); ignored when children are given */
  text?: string;
  /** raw CDATA content */
  cdata?: string;
}

export function el(name: string, content?: string | XmlElement[] | null, attrs?: Record<string, string | undefined>): XmlElement {
  if (Array.isArray(content)) return { name, attrs, children: content };
  return { name, attrs, text: content ?? '' };
}

/** Elements for each field of a record, in the record's order (or the given order). */
export function fieldElements(record: Record<string, string | undefined>, order?: readonly string[], prefix = ''): XmlElement[] {
  const keys = order
    ? order.filter((k) => record[k] !== undefined).concat(Object.keys(record).filter((k) => !order.includes(k)))
    : Object.keys(record);
  return keys.filter((k) => record[k] !== undefined).map((k) => el(prefix + k, record[k] ?? ''));
}

function attrText(attrs: XmlElement['attrs']): string {
  if (!attrs) return '';
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v as string)}"`)
    .join('');
}

function write(e: XmlElement, indent: string, depth: number, out: string[]): void {
  const pad = indent.repeat(depth);
  const open = `${pad}<${e.name}${attrText(e.attrs)}`;
  if (e.children && e.children.length) {
    out.push(`${open}>`);
    for (const c of e.children) write(c, indent, depth + 1, out);
    out.push(`${pad}</${e.name}>`);
  } else if (e.cdata !== undefined) {
    out.push(`${open}><![CDATA[${e.cdata.replace(/\]\]>/g, ']]]]><![CDATA[>')}]]></${e.name}>`);
  } else {
    out.push(`${open}>${escapeXml(e.text ?? '')}</${e.name}>`);
  }
}

export interface WriteOptions {
  /** the XML declaration line; false for none */
  declaration?: string | false;
  indent?: string;
}

export function writeXml(root: XmlElement, opts: WriteOptions = {}): string {
  const out: string[] = [];
  const decl = opts.declaration === undefined ? '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' : opts.declaration;
  if (decl) out.push(decl);
  write(root, opts.indent ?? '  ', 0, out);
  return out.join('\n') + '\n';
}
