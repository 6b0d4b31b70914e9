/**
 * Customs' answers to a manifest (舱单): the response `Manifest` (ns `…:MTRES4:1`) with its
 * StatementCode, and the platform's own import response PlatImpRet. docs/messages-manifest.md.
 */
import { MessageRejected } from '../errors.js';
import { child, children, leaf, node, parseTree, path, treeToElement, type XNode } from '../tree.js';
import { Problems, type Problem } from '../validation.js';
import { el, writeXml, type XmlElement } from '../writer.js';
import {
  headElement,
  headFrom,
  manifestStatementInfo,
  messageTypeOfNamespace,
  MANIFEST_FUNCTION_CODES,
  MANIFEST_RESPONSE_NAMESPACE,
  rootParts,
  type ManifestHead,
  type ManifestStatementInfo,
} from './manifest.js';

// ---------------------------------------------------------------------------------------------
// Responses: customs 舱单回执 (MTRES4) and the platform import response PlatImpRet

export interface ManifestResponseType {
  Code: string;
  Text?: string;
}

export interface ManifestResponseConsignment {
  /** TransportContractDocument/ID 提(运)单号 */
  transportContractId: string;
  /** AssociatedTransportDocument/ID 分提(运)单号 ('' is written as an empty element) */
  associatedTransportId?: string;
  responseType?: ManifestResponseType;
}

export interface ManifestResponseInput {
  /** default (undefined) `urn:Declaration:datamodel:standard:CN:MTRES4:1`; '' writes none */
  namespace?: string;
  head: ManifestHead;
  /** Response/BorderTransportMeans */
  borderTransportMeans?: { JourneyID?: string; ID?: string };
  /** Response/ResponseType, for a whole message */
  responseType?: ManifestResponseType;
  /** Response/Consignment rows, each with its own ResponseType */
  consignments?: ManifestResponseConsignment[];
  /** Response/AdditionalInformation/StatementCode */
  statementCode?: string;
  /** Response/AdditionalInformation/StatementDescription */
  statementDescription?: string;
}

export interface ManifestResponse extends ManifestResponseInput {
  namespace: string;
  rootAttributes: Record<string, string>;
  consignments: ManifestResponseConsignment[];
  /** the whole Response element, element by element (what build writes back) */
  response: XNode[];
  /** Head children other than the seven fields */
  headExtra: XNode[];
  /** the code that decides the outcome: StatementCode, else ResponseType/Code, else the first consignment's */
  outcomeCode?: string;
  outcome?: ManifestStatementInfo;
}

function responseTypeNode(r: ManifestResponseType): XNode {
  return node('ResponseType', [leaf('Code', r.Code), ...(r.Text !== undefined ? [leaf('Text', r.Text)] : [])]);
}

/**
 * The Response tree for the convenience fields, in the order Head → BorderTransportMeans →
 * ResponseType → Consignment* → AdditionalInformation.
 */
function responseTree(r: ManifestResponseInput): XNode[] {
  const out: XNode[] = [];
  const btm = r.borderTransportMeans;
  if (btm)
    out.push(
      node('BorderTransportMeans', [
        ...(btm.JourneyID !== undefined ? [leaf('JourneyID', btm.JourneyID)] : []),
        ...(btm.ID !== undefined ? [leaf('ID', btm.ID)] : []),
      ]),
    );
  if (r.responseType) out.push(responseTypeNode(r.responseType));
  for (const c of r.consignments ?? []) {
    out.push(
      node('Consignment', [
        node('TransportContractDocument', [leaf('ID', c.transportContractId)]),
        ...(c.associatedTransportId !== undefined ? [node('AssociatedTransportDocument', [leaf('ID', c.associatedTransportId)])] : []),
        ...(c.responseType ? [responseTypeNode(c.responseType)] : []),
      ]),
    );
  }
  if (r.statementCode !== undefined || r.statementDescription !== undefined) {
    out.push(
      node('AdditionalInformation', [
        ...(r.statementCode !== undefined ? [leaf('StatementCode', r.statementCode)] : []),
        ...(r.statementDescription !== undefined ? [leaf('StatementDescription', r.statementDescription)] : []),
      ]),
    );
  }
  return out;
}

function responseManifestElement(
  r: ManifestResponseInput & { response?: XNode[]; rootAttributes?: Record<string, string>; headExtra?: XNode[] },
): XmlElement {
  // '' (read without namespace) writes none; undefined (built in code) writes MTRES4's
  const namespace = r.namespace ?? MANIFEST_RESPONSE_NAMESPACE;
  const attrs: Record<string, string> = { ...(namespace ? { xmlns: namespace } : {}), ...(r.rootAttributes ?? {}) };
  const response = r.response ?? responseTree(r);
  return el('Manifest', [headElement(r.head, r.headExtra), el('Response', response.map(treeToElement))], attrs);
}

/**
 * Writes the customs response 舱单回执 (`Manifest` in `…:MTRES4:1`, Head + Response). When
 * `response` (a parsed tree) is given it is written exactly; otherwise the convenience fields are.
 */
export function buildManifestResponse(
  r: ManifestResponseInput & { response?: XNode[]; rootAttributes?: Record<string, string>; headExtra?: XNode[] },
): string {
  return writeXml(responseManifestElement(r));
}

function responseTypeFrom(n: XNode | undefined): ManifestResponseType | undefined {
  if (!n) return undefined;
  const code = child(n, 'Code');
  const text = child(n, 'Text');
  return { Code: code?.text ?? '', ...(text ? { Text: text.text ?? '' } : {}) };
}

function manifestResponseFrom(root: XNode): ManifestResponse {
  if (root.name !== 'Manifest') throw new MessageRejected('C903', `not a manifest response (root <${root.name}>)`);
  const { namespace, attrs, kids } = rootParts(root);
  const { head, extra } = headFrom(kids.find((c) => c.name === 'Head'));
  const resp = kids.find((c) => c.name === 'Response');
  const response = resp?.children ?? [];
  const btm = resp && child(resp, 'BorderTransportMeans');
  const info = resp && child(resp, 'AdditionalInformation');
  const consignments = children(resp, 'Consignment').map((c) => {
    const assoc = path(c, 'AssociatedTransportDocument', 'ID');
    const rt = responseTypeFrom(child(c, 'ResponseType'));
    return {
      transportContractId: path(c, 'TransportContractDocument', 'ID')?.text ?? '',
      ...(assoc ? { associatedTransportId: assoc.text ?? '' } : {}),
      ...(rt ? { responseType: rt } : {}),
    };
  });
  const responseType = responseTypeFrom(resp && child(resp, 'ResponseType'));
  const statementCode = info ? child(info, 'StatementCode')?.text : undefined;
  const statementDescription = info ? child(info, 'StatementDescription')?.text : undefined;
  const outcomeCode = statementCode ?? responseType?.Code ?? consignments.find((c) => c.responseType)?.responseType?.Code;
  const out: ManifestResponse = { namespace, rootAttributes: attrs, head, headExtra: extra, consignments, response };
  if (btm) {
    const j = child(btm, 'JourneyID');
    const i = child(btm, 'ID');
    out.borderTransportMeans = { ...(j ? { JourneyID: j.text ?? '' } : {}), ...(i ? { ID: i.text ?? '' } : {}) };
  }
  if (responseType) out.responseType = responseType;
  if (statementCode !== undefined) out.statementCode = statementCode;
  if (statementDescription !== undefined) out.statementDescription = statementDescription;
  if (outcomeCode !== undefined) {
    out.outcomeCode = outcomeCode;
    const known = manifestStatementInfo(outcomeCode);
    if (known) out.outcome = known;
  }
  return out;
}

/** Reads a customs manifest response (MTRES4), keeping the Response tree exactly. */
export function parseManifestResponse(xml: string): ManifestResponse {
  return manifestResponseFrom(parseTree(xml));
}

/** The platform's import response: `PlatImpRet/RetBizData/Manifest` (Head + Response). */
export interface PlatImpRet {
  manifest: ManifestResponse;
  /** PlatImpRet children other than RetBizData, kept as they are */
  extra: XNode[];
}

/**
 * Writes `PlatImpRet/RetBizData/Manifest`. The Head echoes what the platform could read from the
 * message (an absent field is left out, as MessageType is when StatementCode is `-900517`).
 */
export function buildPlatImpRet(
  r: ManifestResponseInput & { response?: XNode[]; rootAttributes?: Record<string, string>; headExtra?: XNode[]; extra?: XNode[] },
): string {
  const inner = responseManifestElement(r);
  return writeXml(el('PlatImpRet', [el('RetBizData', [inner]), ...(r.extra ?? []).map(treeToElement)]));
}

/** The -900517 answer for a manifest with no MessageType element. */
export function platImpRetMissingMessageType(head: ManifestHead): string {
  const { MessageType: _drop, ...rest } = head;
  const info = manifestStatementInfo('-900517')!;
  return buildPlatImpRet({ head: rest, statementCode: info.code, statementDescription: info.zh });
}

export function parsePlatImpRet(xml: string): PlatImpRet {
  const root = parseTree(xml);
  if (root.name !== 'PlatImpRet') throw new MessageRejected('C903', `not a PlatImpRet (root <${root.name}>)`);
  const biz = child(root, 'RetBizData');
  const inner = child(biz, 'Manifest');
  if (!inner) throw new MessageRejected('C903', 'PlatImpRet has no RetBizData/Manifest');
  return { manifest: manifestResponseFrom(inner), extra: root.children.filter((c) => c !== biz) };
}

// ---------------------------------------------------------------------------------------------
// Checking replies: what a reply itself must carry (not the rules of the manifest it answers)

/** The message type a reply is known by: the customs response and the inner Manifest of PlatImpRet. */
export const MANIFEST_RESPONSE_TYPE = 'MTRES4';

/**
 * True when a `Manifest` root is a reply rather than a manifest an enterprise sends: its namespace
 * names MTRES4, or it holds a `Response` and no `Declaration` (a reply written without namespace).
 */
export function isManifestResponseTree(root: XNode): boolean {
  if (root.name !== 'Manifest') return false;
  const own = root.attrs[root.prefix ? `xmlns:${root.prefix}` : 'xmlns'];
  if (messageTypeOfNamespace(own) === MANIFEST_RESPONSE_TYPE) return true;
  return !!child(root, 'Response') && !child(root, 'Declaration');
}

/**
 * Checks a customs response 舱单回执 (MTRES4), every problem at once. A reply echoes the Head of
 * the manifest it answers (MessageID as the enterprise wrote it, MessageType MT2101, MT5101 … or
 * MT9999), so only presence and forms it always has are checked: Head MessageID, MessageType (MT +
 * 4 characters), FunctionCode from the code list, SenderID, ReceiverID, SendTime
 * (yyyyMMddHHmmssfff), Version; the namespace, when written, is MTRES4's; a Response with an
 * outcome code (StatementCode, or a ResponseType/Code); a TransportContractDocument/ID and a code
 * in each Consignment.
 */
export function validateManifestResponse(r: ManifestResponse): Problem[] {
  const p = new Problems();
  const h = r.head;
  if (r.namespace && messageTypeOfNamespace(r.namespace) !== MANIFEST_RESPONSE_TYPE)
    p.add(
      'Manifest@xmlns',
      `回执的命名空间须为 ${MANIFEST_RESPONSE_NAMESPACE}，实为 ${r.namespace}`,
      `a response's namespace must be ${MANIFEST_RESPONSE_NAMESPACE}, got ${r.namespace}`,
    );
  p.required('Head.MessageID', h.MessageID, '报文编号');
  p.pattern(
    'Head.MessageType',
    h.MessageType,
    /^MT[0-9A-Z]{4}$/,
    `报文类型代码须为MT加4位字符，实为 ${h.MessageType}`,
    `Head.MessageType must be MT + 4 characters, got ${h.MessageType}`,
    { required: true, zhName: '报文类型代码' },
  );
  p.oneOf('Head.FunctionCode', h.FunctionCode, Object.keys(MANIFEST_FUNCTION_CODES), '报文功能代码', { required: true });
  p.required('Head.SenderID', h.SenderID, '发送方代码');
  p.required('Head.ReceiverID', h.ReceiverID, '接收方代码');
  p.pattern(
    'Head.SendTime',
    h.SendTime,
    /^\d{17}$/,
    `发送时间须为yyyyMMddHHmmssfff，实为 ${h.SendTime}`,
    `Head.SendTime must be yyyyMMddHHmmssfff, got ${h.SendTime}`,
    { required: true, zhName: '发送时间' },
  );
  p.required('Head.Version', h.Version, '报文版本');
  responseProblems(p, r);
  return p.list;
}

function responseProblems(p: Problems, r: ManifestResponse): void {
  if (!r.response.length) {
    p.add('Response', '缺少回执内容Response', 'Response is missing or empty');
    return;
  }
  if (r.outcomeCode === undefined || r.outcomeCode.trim() === '')
    p.add(
      'Response.AdditionalInformation.StatementCode',
      '回执须有回执类型代码(StatementCode或ResponseType/Code)',
      'a response needs an outcome code: AdditionalInformation/StatementCode or ResponseType/Code',
    );
  r.consignments.forEach((c, i) => {
    const at = `Response.Consignment[${i + 1}]`;
    p.required(`${at}.TransportContractDocument.ID`, c.transportContractId, '提(运)单号');
    if (c.responseType) p.required(`${at}.ResponseType.Code`, c.responseType.Code, '回执类型代码');
  });
}

/**
 * Checks the platform's import response PlatImpRet: a RetBizData/Manifest whose Response carries
 * AdditionalInformation/StatementCode, and a Head that echoes the message's MessageID and
 * MessageType; MessageType is absent exactly when the code is -900517 (报文中不存在MessageType端点).
 */
export function validatePlatImpRet(r: PlatImpRet): Problem[] {
  const p = new Problems();
  const m = r.manifest;
  const at = 'PlatImpRet.RetBizData.Manifest';
  p.required(`${at}.Head.MessageID`, m.head.MessageID, '报文编号');
  const code = m.statementCode?.trim() ?? '';
  if (!code)
    p.add(`${at}.Response.AdditionalInformation.StatementCode`, '回执类型代码不能为空', 'StatementCode is required in a PlatImpRet');
  else if (code === '-900517') {
    if (m.head.MessageType !== undefined)
      p.add(
        `${at}.Head.MessageType`,
        '回执代码-900517(报文中不存在MessageType端点)的回执不应有MessageType',
        'a -900517 answer (the message has no MessageType) must not carry MessageType',
      );
  } else p.required(`${at}.Head.MessageType`, m.head.MessageType, '报文类型代码');
  return p.list;
}
