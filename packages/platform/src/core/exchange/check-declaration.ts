/** The checks of an uploaded declaration (报关单) before it is imported: sender, card, signature. */
import {
  attachmentProblems,
  checkDeclarationValues,
  declarationValuesRefusal,
  decSignature,
  keyFingerprint,
  verifyDecMessageAsync,
  type DecMessage,
  type Fields,
  type Inv101,
} from '@osw/messages';
import type { CardRow, ClientRow } from '../store.js';
import type { ImportDeps } from './accept.js';
import { CARD_NOT_WHITELISTED, CARD_SESSION_MISMATCH, cardRefusal, sessionMismatches } from './card-checks.js';

/** A ClientSeqNo as a batch keeps it (`ImportDeps.clientSeqNos`): per sender enterprise. */
export function clientSeqNoKey(senderEnterprise: string, clientSeqNo: string): string {
  return `${senderEnterprise}\u0000${clientSeqNo}`;
}

/** A ClientSeqNo the sender enterprise has used for an accepted declaration already. */
export function clientSeqNoRepeated(clientSeqNo: string, seqNo: string | undefined): string {
  return `ClientSeqNo(客户端报关单编号)[${clientSeqNo}]重复${seqNo ? `，已导入为统一编号[${seqNo}]` : ''}`;
}

/**
 * Every reason to refuse a declaration, in the words the import response carries. `signature` is
 * the SM2 check a batch started ahead against the same card (`deps.cards`); without it the check
 * runs here.
 */
export async function checkDeclaration(
  deps: ImportDeps,
  client: ClientRow,
  dec: DecMessage,
  xml: string,
  clientSeqNo: string,
  signature?: { check: Promise<boolean> },
  attachments: readonly string[] = [],
): Promise<string[]> {
  const store = deps.store;
  const problems: string[] = [];
  if (!clientSeqNo) problems.push('ClientSeqNo(客户端报关单编号)不能为空');
  else {
    // a signed file sent again under a new message id is not a second declaration (the same message id got its stored answer before this)
    const key = clientSeqNoKey(client.enterpriseCode, clientSeqNo);
    const first = deps.clientSeqNos?.has(key)
      ? deps.clientSeqNos.get(key)
      : (await store.declarations.findByClientSeqNo(client.enterpriseCode, clientSeqNo))?.seqNo;
    if (first) problems.push(clientSeqNoRepeated(clientSeqNo, first));
  }
  if (Object.keys(dec.head).length === 0) problems.push('缺少表头DecHead');
  if (!['I', 'E'].includes(dec.head.IEFlag ?? '')) problems.push('IEFlag(进出口标志)须为I或E');
  if (!(dec.head.TradeCode ?? '').trim()) problems.push('TradeCode(境内收发货人编码)不能为空');
  if (dec.lists.length === 0) problems.push('至少须有一项商品DecList');
  // codes against the customs code tables, numbers, required values (CustomMaster too): one refusal naming every field
  const values = checkDeclarationValues(dec);
  if (values.length) problems.push(declarationValuesRefusal(values));
  // FAQ 15: the PDFs of a ZIP are each named by an EdocRealation
  problems.push(...attachmentProblems(dec, attachments).map((p) => p.zh));
  const cardNo = dec.sign?.ICCode?.trim() ?? '';
  if (!dec.sign || !cardNo) {
    problems.push('缺少加签信息DecSign/ICCode');
    return problems;
  }
  const card = await cardOf(deps, cardNo);
  // FAQ 20: a card of the sending enterprise, not locked, not expired, and the one that signed
  const refused = cardRefusal(card, cardNo, client.enterpriseCode, deps.clock.now());
  if (refused !== null || !card) problems.push(refused ?? CARD_NOT_WHITELISTED);
  else if (!decSignature(xml)) problems.push('报文未加签(DecSign/Sign为空)');
  else if ((dec.sign.Certificate ?? '') !== card.fingerprint && (dec.sign.Certificate ?? '') !== keyFingerprint(card.publicKeyPem))
    problems.push(`${CARD_NOT_WHITELISTED}：DecSign/Certificate与IC卡[${cardNo}]证书不符`);
  else if (!(await (signature?.check ?? verifyDecMessageAsync(xml, card.publicKeyPem)))) problems.push('报文签名验证失败(SM2/SM3)');
  else problems.push(...(await operatingEnterpriseProblems(deps, dec, card)));
  return problems;
}

/**
 * FAQ 19: DecSign/CopCode (操作企业) and DecHead/CopCode (录入单位) name the signing card's
 * enterprise; a DecHead/TypistNo (录入员卡) the platform knows is a card of that enterprise. A TypistNo
 * the platform never issued is not judged: the typist's card may come from elsewhere (docs/decisions.md).
 */
async function operatingEnterpriseProblems(deps: ImportDeps, dec: DecMessage, card: CardRow): Promise<string[]> {
  const problems = await sessionMismatches(
    [
      ['DecSign.CopCode', dec.sign?.CopCode],
      ['DecHead.CopCode', dec.head.CopCode],
    ],
    card.enterpriseCode,
    () => deps.store.identity.getEnterprise(card.enterpriseCode),
  );
  const typistNo = dec.head.TypistNo?.trim() ?? '';
  if (typistNo && typistNo !== card.cardNo) {
    const typist = await cardOf(deps, typistNo);
    if (typist && typist.enterpriseCode !== card.enterpriseCode)
      problems.push(`${CARD_SESSION_MISMATCH}：DecHead.TypistNo[${typistNo}]不是IC卡所属企业[${card.enterpriseCode}]的卡`);
  }
  return problems;
}

/**
 * FAQ 19 and 20 for an INV101 核注清单: its `IcCardNo`, when given, is a white-listed card of the
 * sending enterprise (not locked, not expired); `InputCode` (录入单位) and `OperCusRegCode` (操作卡的
 * 海关十位) name that card's enterprise — the sending client's when no card is named.
 */
export function inv101CardProblems(deps: ImportDeps, client: ClientRow, inv: Inv101): Promise<string[]> {
  return packageCardProblems(deps, client, inv.head.IcCardNo, [
    ['InvtHeadType.InputCode', inv.head.InputCode],
    ['InvtMessage.OperCusRegCode', inv.messageFields.OperCusRegCode],
  ]);
}

/**
 * FAQ 19 and 20 for an SAS121 核放单, as for an INV101: the head's `IcCardNo`, when given, is a
 * white-listed card of the sending enterprise; the head's `InputCode` (录入单位编号) and the message's
 * `OperCusRegCode` (操作卡的海关十位) name that card's enterprise — the sending client's when no card is named.
 */
export function sas121CardProblems(
  deps: ImportDeps,
  client: ClientRow,
  head: { name: string; fields: Fields },
  message: { name: string; fields: Fields } | undefined,
): Promise<string[]> {
  return packageCardProblems(deps, client, head.fields.IcCardNo, [
    [`${head.name}.InputCode`, head.fields.InputCode],
    ...(message ? [[`${message.name}.OperCusRegCode`, message.fields.OperCusRegCode] as const] : []),
  ]);
}

/** A 金关二期 package's card (when it names one) and the fields naming the operating enterprise. */
async function packageCardProblems(
  deps: ImportDeps,
  client: ClientRow,
  icCardNo: string | undefined,
  fields: readonly (readonly [path: string, value: string | undefined])[],
): Promise<string[]> {
  const cardNo = icCardNo?.trim() ?? '';
  let enterpriseCode = client.enterpriseCode;
  if (cardNo) {
    const card = await cardOf(deps, cardNo);
    const refused = cardRefusal(card, cardNo, client.enterpriseCode, deps.clock.now());
    if (refused !== null || !card) return [refused ?? CARD_NOT_WHITELISTED];
    enterpriseCode = card.enterpriseCode;
  }
  return sessionMismatches(fields, enterpriseCode, () => deps.store.identity.getEnterprise(enterpriseCode));
}

/** An IC card by number, read once per batch (`deps.cards`). */
export function cardOf(deps: Pick<ImportDeps, 'store' | 'cards'>, cardNo: string): Promise<CardRow | undefined> {
  let read = deps.cards?.get(cardNo);
  if (!read) {
    read = deps.store.identity.getCard(cardNo);
    deps.cards?.set(cardNo, read);
  }
  return read;
}

/**
 * The SM2 check of a declaration against its card, started on the thread pool once a batch has read
 * both: the returned check runs while the caller goes on, and `checkDeclaration` decides whether its
 * answer counts (another enterprise's card, a locked card are refused before it). Undefined without
 * a signature or a known card.
 */
export async function signatureAhead(
  deps: Pick<ImportDeps, 'store' | 'cards'>,
  dec: DecMessage,
  xml: string,
): Promise<{ check: Promise<boolean> } | undefined> {
  const cardNo = dec.sign?.ICCode?.trim() ?? '';
  if (!cardNo || !decSignature(xml)) return undefined;
  const card = await cardOf(deps, cardNo);
  if (!card) return undefined;
  const check = verifyDecMessageAsync(xml, card.publicKeyPem);
  check.catch(() => undefined); // awaited by the import; an early failure is not left unhandled
  return { check };
}
