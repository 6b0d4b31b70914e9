/**
 * A customs code table (参数表) kept as data: each module in this folder holds one table and names its
 * public source in its header.
 */

/** One row: the code, its Chinese name, then optionally an English name and the code of the pre-2018 form. */
export type CodeEntry = readonly [code: string, zh: string, en?: string, oldCode?: string];

export interface CodeTable {
  /** the table's Chinese name, as customs names it (监管方式代码表 …) */
  readonly zh: string;
  readonly en: string;
  /** false where the copy is known to lag behind customs (then fields are checked for their format only) */
  readonly complete: boolean;
  readonly entries: readonly CodeEntry[];
  has(code: string): boolean;
  /** the Chinese name of a code, or undefined */
  name(code: string): string | undefined;
}

/** A table whose lookup map is built on first use, so importing the package stays cheap. */
export function codeTable(t: { zh: string; en: string; complete: boolean; entries: readonly CodeEntry[] }): CodeTable {
  let byCode: Map<string, CodeEntry> | undefined;
  const lookup = (code: string) => (byCode ??= new Map(t.entries.map((e) => [e[0], e]))).get(code);
  return {
    ...t,
    has: (code) => lookup(code) !== undefined,
    name: (code) => lookup(code)?.[1],
  };
}
