/**
 * The transport/local failure file the import client writes as `InBox/Failed_<name>_<ts>.xml`:
 * `<Root><resultFlag>0</resultFlag><failCode>C18</failCode><failInfo>…</failInfo><retData/></Root>`.
 */
import { MessageRejected } from '../errors.js';
import { parseXml, rootOf, text, XML_DECLARATION } from '../xml.js';

export interface FailureRoot {
  resultFlag: string;
  failCode: string;
  failInfo: string;
  retData: string;
}

function cdata(s: string): string {
  return `<![CDATA[${s.replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`;
}

export function buildFailureRoot(failCode: string, failInfo: string): string {
  return [
    XML_DECLARATION,
    '<Root>',
    '  <resultFlag>0</resultFlag>',
    `  <failCode>${failCode}</failCode>`,
    `  <failInfo>${cdata(failInfo)}</failInfo>`,
    '  <retData></retData>',
    '</Root>',
    '',
  ].join('\n');
}

export function parseFailureRoot(xml: string): FailureRoot {
  const root = rootOf(parseXml(xml));
  if (root.name !== 'Root') throw new MessageRejected('C903', `not a failure Root (root ${root.name})`);
  return {
    resultFlag: text(root.node, 'resultFlag') ?? '',
    failCode: text(root.node, 'failCode') ?? '',
    failInfo: text(root.node, 'failInfo') ?? '',
    retData: text(root.node, 'retData') ?? '',
  };
}
