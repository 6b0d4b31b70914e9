/**
 * The DXP transport envelope `DxpMsg` (namespace `http://www.chinaport.gov.cn/dxp`): who sends to
 * whom (`TransInfo`), the business message as base64 (`Data`), and optional `AddInfo` (file name,
 * IC card, business keys). Element names follow the schema, including the real `CreatTime`.
 */
import { MessageRejected } from '../errors.js';
import { chinaIsoSeconds } from '../time.js';
import { child, children, parseTree, path, treeToElement, type XNode } from '../tree.js';
import { el, writeXml, type XmlElement } from '../writer.js';

export const DXP_NAMESPACE = 'http://www.chinaport.gov.cn/dxp';
const DS_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/** AddInfo/BizKey/Key: `<Key name="RetType">1</Key>` (at most 5 in the schema). */
export interface DxpBizKey {
  name: string;
  value: string;
}

export interface DxpAddInfo {
  /** FileName, 1–255 characters */
  FileName?: string;
  /** IcCard, the IC card number (≤ 13 characters) */
  IcCard?: string;
  BizKey?: DxpBizKey[];
  /** IsText/@Encode */
  IsTextEncode?: string;
  /** RecMapId (free content in the schema; kept as text) */
  RecMapId?: string;
}

export interface DxpMsgInput {
  /** @ver, fixed `1.0` in the schema */
  ver?: string;
  /** @Id, used as a signature reference */
  Id?: string;
  /** TransInfo/CopMsgId, the sender's message id (1–255) */
  CopMsgId: string;
  /** TransInfo/SenderId, a DXP id like `DXPESW0000003241` (≤ 16) */
  SenderId: string;
  /** TransInfo/ReceiverIds/ReceiverId (1–5), e.g. `DXPEDCDEC0000001` */
  ReceiverIds: string[];
  /** TransInfo/CreatTime (xs:dateTime; see dxpCreatTime) */
  CreatTime: string;
  /** TransInfo/MsgType (≤ 30), e.g. `DECMSG`, `CEB311Message`, `MT2101` */
  MsgType: string;
  /** the inner message's bytes, carried base64 in Data */
  data: Uint8Array;
  AddInfo?: DxpAddInfo;
}

export interface DxpMsg extends DxpMsgInput {
  ver: string;
  /** root attributes other than xmlns, ver and Id, as written */
  rootAttributes: Record<string, string>;
  /** elements after AddInfo (e.g. ds:Signature), kept as they are */
  extra: XNode[];
}

/** `yyyy-MM-ddTHH:mm:ss` in China time, the CreatTime form seen on the wire. */
export function dxpCreatTime(date: Date): string {
  return chinaIsoSeconds(date);
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromBase64(text: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  if (s.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s))
    throw new MessageRejected('C902', 'DxpMsg/Data 不是有效的Base64 (Data is not valid base64)');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function addInfoElement(a: DxpAddInfo): XmlElement {
  const kids: XmlElement[] = [];
  if (a.FileName !== undefined) kids.push(el('FileName', a.FileName));
  if (a.IcCard !== undefined) kids.push(el('IcCard', a.IcCard));
  if (a.BizKey && a.BizKey.length)
    kids.push(
      el(
        'BizKey',
        a.BizKey.map((k) => el('Key', k.value, { name: k.name })),
      ),
    );
  if (a.IsTextEncode !== undefined) kids.push(el('IsText', '', { Encode: a.IsTextEncode }));
  if (a.RecMapId !== undefined) kids.push(el('RecMapId', a.RecMapId));
  return el('AddInfo', kids);
}

/** Writes a DxpMsg; Data is the base64 of `data`, exactly. */
export function buildDxpMsg(m: DxpMsgInput & { rootAttributes?: Record<string, string>; extra?: XNode[] }): string {
  if (m.ReceiverIds.length === 0) throw new RangeError('DxpMsg needs at least one ReceiverId');
  const attrs: Record<string, string> = {
    xmlns: DXP_NAMESPACE,
    ...(m.rootAttributes ?? { 'xmlns:ds': DS_NAMESPACE, 'xmlns:xsi': XSI_NAMESPACE }),
    ver: m.ver ?? '1.0',
  };
  if (m.Id !== undefined) attrs.Id = m.Id;
  const kids: XmlElement[] = [
    el('TransInfo', [
      el('CopMsgId', m.CopMsgId),
      el('SenderId', m.SenderId),
      el(
        'ReceiverIds',
        m.ReceiverIds.map((r) => el('ReceiverId', r)),
      ),
      el('CreatTime', m.CreatTime),
      el('MsgType', m.MsgType),
    ]),
    el('Data', toBase64(m.data)),
  ];
  if (m.AddInfo) kids.push(addInfoElement(m.AddInfo));
  for (const x of m.extra ?? []) kids.push(treeToElement(x));
  return writeXml(el('DxpMsg', kids, attrs));
}

/** Reads a DxpMsg (prefixed `dxp:` or default namespace) and decodes Data to the inner bytes. */
export function parseDxpMsg(xml: string): DxpMsg {
  const root = parseTree(xml);
  if (root.name !== 'DxpMsg') throw new MessageRejected('C903', `not a DxpMsg (root <${root.name}>)`);
  const trans = child(root, 'TransInfo');
  if (!trans) throw new MessageRejected('C903', 'DxpMsg has no TransInfo');
  const dataNode = child(root, 'Data');
  if (!dataNode) throw new MessageRejected('C903', 'DxpMsg has no Data');
  const t = (name: string) => child(trans, name)?.text ?? '';
  const rootAttributes: Record<string, string> = {};
  const own = root.prefix ? `xmlns:${root.prefix}` : 'xmlns';
  for (const [k, v] of Object.entries(root.attrs)) if (k !== own && k !== 'xmlns' && k !== 'ver' && k !== 'Id') rootAttributes[k] = v;
  const m: DxpMsg = {
    ver: root.attrs.ver ?? '',
    CopMsgId: t('CopMsgId'),
    SenderId: t('SenderId'),
    ReceiverIds: children(child(trans, 'ReceiverIds'), 'ReceiverId').map((r) => r.text ?? ''),
    CreatTime: t('CreatTime'),
    MsgType: t('MsgType'),
    data: fromBase64(dataNode.text ?? ''),
    rootAttributes,
    extra: root.children.filter((c) => !['TransInfo', 'Data', 'AddInfo'].includes(c.name)),
  };
  if (root.attrs.Id !== undefined) m.Id = root.attrs.Id;
  const add = child(root, 'AddInfo');
  if (add) {
    const a: DxpAddInfo = {};
    const f = child(add, 'FileName');
    if (f) a.FileName = f.text ?? '';
    const ic = child(add, 'IcCard');
    if (ic) a.IcCard = ic.text ?? '';
    const keys = children(child(add, 'BizKey'), 'Key');
    if (keys.length) a.BizKey = keys.map((k) => ({ name: k.attrs.name ?? '', value: k.text ?? '' }));
    const isText = child(add, 'IsText');
    if (isText) a.IsTextEncode = isText.attrs.Encode ?? '';
    const rec = path(add, 'RecMapId');
    if (rec) a.RecMapId = rec.text ?? '';
    m.AddInfo = a;
  }
  return m;
}
