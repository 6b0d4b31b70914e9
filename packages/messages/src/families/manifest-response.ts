/**
 * Customs' answers to a manifest (舱单): the response `Manifest` (ns `…:MTRES4:1`) with its
 * StatementCode, and the platform's own import response PlatImpRet. docs/messages-manifest.md.
 */
import { MessageRejected } from '../errors.js';
import { child, children, leaf, node, parseTree, path, treeToElement, type XNode } from '../tree.js';
import { el, writeXml, type XmlElement } from '../writer.js';
import {
  headElement,
  headFrom,
  manifestStatementInfo,
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
  /** default `urn:Declaration:datamodel:standard:CN:MTRES4:1` */
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
  const attrs: Record<string, string> = { xmlns: r.namespace || MANIFEST_RESPONSE_NAMESPACE, ...(r.rootAttributes ?? {}) };
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
