/**
 * An ordered element tree: what a message says, element by element, in document order, with
 * attributes and namespace prefixes kept. Families read typed views from it and write it back,
 * so unknown elements survive a parse → build round trip.
 */
import { MessageRejected } from './errors.js';
import { checkWellFormed } from './xml.js';
import type { XmlElement } from './writer.js';

export interface XNode {
  /** local name, without prefix */
  name: string;
  /** namespace prefix as written (`ceb` in `ceb:Order`), '' for none */
  prefix: string;
  /** attributes as written, including xmlns declarations */
  attrs: Record<string, string>;
  /** child elements in order; empty for a leaf */
  children: XNode[];
  /** text of a leaf ('' when empty); undefined for an element with children */
  text?: string;
}

/**
 * Parses XML text into its root element, checking well-formedness in the same pass (C901/C902).
 * Text is trimmed run by run (a comment splits a run) and a leaf's runs are joined.
 */
export function parseTree(xml: string): XNode {
  const stack: XNode[] = [];
  let root: XNode | null = null;
  checkWellFormed(xml, {
    open(qname, attrs) {
      const i = qname.indexOf(':');
      const n: XNode = { name: i > 0 ? qname.slice(i + 1) : qname, prefix: i > 0 ? qname.slice(0, i) : '', attrs, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(n);
      else root = n;
      stack.push(n);
    },
    text(t) {
      const top = stack[stack.length - 1];
      if (top) top.text += t.trim();
    },
    close() {
      const n = stack.pop()!;
      if (n.children.length) n.text = undefined;
    },
  });
  if (!root) throw new MessageRejected('C902', '报文须有且仅有一个根元素 (found 0)');
  return root;
}

/** The writer's element for a tree (prefixes and attributes as they are). */
export function treeToElement(n: XNode): XmlElement {
  const name = n.prefix ? `${n.prefix}:${n.name}` : n.name;
  const attrs = Object.keys(n.attrs).length ? n.attrs : undefined;
  if (n.children.length) return { name, attrs, children: n.children.map(treeToElement) };
  return { name, attrs, text: n.text ?? '' };
}

export function child(n: XNode | undefined, name: string): XNode | undefined {
  return n?.children.find((c) => c.name === name);
}

export function children(n: XNode | undefined, name: string): XNode[] {
  return n ? n.children.filter((c) => c.name === name) : [];
}

/** Follows a path of local names. */
export function path(n: XNode | undefined, ...names: string[]): XNode | undefined {
  let cur = n;
  for (const name of names) cur = child(cur, name);
  return cur;
}

/** Leaf children as an ordered record of strings (nested elements skipped). */
export function leafRecord(n: XNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!n) return out;
  for (const c of n.children) if (!c.children.length && !(c.name in out)) out[c.name] = c.text ?? '';
  return out;
}

/** True when every child is a leaf, each named once: such an element is fully described by leafRecord. */
export function isFlatRecord(n: XNode): boolean {
  const seen = new Set<string>();
  for (const c of n.children) {
    if (c.children.length || seen.has(c.name) || Object.keys(c.attrs).length) return false;
    seen.add(c.name);
  }
  return Object.keys(n.attrs).length === 0;
}

export function leaf(name: string, text: string, prefix = ''): XNode {
  return { name, prefix, attrs: {}, children: [], text };
}

/** An element holding a record's fields as leaves, in the record's order. */
export function recordNode(name: string, record: Record<string, string>, prefix = ''): XNode {
  return { name, prefix, attrs: {}, children: Object.entries(record).map(([k, v]) => leaf(k, v, prefix)) };
}

export function node(name: string, kids: XNode[], attrs: Record<string, string> = {}, prefix = ''): XNode {
  return { name, prefix, attrs, children: kids };
}

/** Drops prefixes and xmlns attributes: two trees that say the same thing compare equal. */
export function normalizeTree(n: XNode): XNode {
  const attrs = Object.fromEntries(Object.entries(n.attrs).filter(([k]) => k !== 'xmlns' && !k.startsWith('xmlns:')));
  return n.children.length
    ? { name: n.name, prefix: '', attrs, children: n.children.map(normalizeTree) }
    : { name: n.name, prefix: '', attrs, children: [], text: n.text ?? '' };
}
