/**
 * The exchange's import step: a message arrives from an authenticated client, is checked, stored
 * and answered. The sender is the client that authenticated, never what the message claims.
 * A message id is accepted once per client: a resend gets the stored answer again.
 *
 * Families: declarations (DecImportResponse), manifests MT1101/MT2101/MT3101/MT4101 (PlatImpRet),
 * 金关二期 INV101/SAS121 (CommonResponeMessage) and the CEB declarations that have a receipt (their
 * receipt with returnStatus 2 电子口岸申报中) when the business system behind the exchange handles
 * them; anything else is answered with a C903 `<Root>`. An accepted declaration is also a
 * business event: its 申报数据 pushes are written in the same transaction.
 */
import crypto from 'node:crypto';
import {
  buildDecImportResponse,
  buildFailureRoot,
  chinaYear,
  declarationSeqNo,
  decodeXml,
  declaredEncoding,
  looksLikeZip,
  MessageRejected,
  OswError,
  parseDecMessage,
  readDeclarationZip,
  quickSniff,
  checkWellFormed,
  buildCommonResponse,
  buildPlatImpRet,
  inv101From,
  leafRecord,
  parseManifest,
  parseSasPackage,
  platImpRetMissingMessageType,
  receiptSeqNo,
  sas121Head,
  validateInv101,
  validateManifest,
  manifestSenderClientId,
  type DecMessage,
  type Manifest,
  type SasPackage,
  buildCeb,
  cebFormatRefusal,
  chinaCompactMillis,
  parseCeb,
  validateCeb,
  cebDeclaredSections,
  cebReceiptSpec,
  cebReturnKeys,
  cebReturnMessage,
  cebReturnWords,
  cebSectionSaved,
  CEB_DECLARED_STATUS,
  CEB_SAVED_STATUS,
  type CebMessage,
  type CebReceiptSpec,
  type CebSection,
} from '@osw/messages';
import { fileNameProblem, isMessageId, type ImportAnswer, type ImportOutcome } from '@osw/messages/exchange';
import { raiseDeclarationDataSet, type AcceptedDeclaration } from '../push/matching.js';
import { checkDeclaration, clientSeqNoKey, clientSeqNoRepeated, inv101CardProblems, sas121CardProblems } from './check-declaration.js';
import type { PlatformDeps, PlatformMetrics, Tracing, TraceSpan } from '../ports.js';
import type { BatchWrites } from './batch-writes.js';
import type { CardRow, ClientRow, DeclarationRow, InboundRow, Store } from '../store.js';

export interface InboundMessage {
  client: ClientRow;
  messageId: string;
  fileName: string;
  business: string;
  body: Uint8Array;
  /** the sender's trace context (the exchange's `traceparent`), when it sent a valid one */
  traceparent?: string;
  /**
   * with tracing on, the trace context of this message's import (its span), set by the import: what
   * the import hands on (customs' jobs, pushes) continues it
   */
  importTrace?: string;
}

export type { ImportAnswer };

/** An accepted manifest (舱单), as the business system gets it. */
export interface AcceptedManifest {
  client: ClientRow;
  messageId: string;
  business: string;
  manifest: Manifest;
  xml: string;
  /** the trace context of its import (tracing on) */
  traceparent?: string;
}

/** An accepted 金关二期 Package (INV101 核注清单, SAS121 核放单). */
export interface AcceptedPackage {
  client: ClientRow;
  messageId: string;
  business: string;
  messageType: string;
  pkg: SasPackage;
  /** 预录入统一编号 given in the CommonResponeMessage */
  seqNo: string;
  /** 企业内部编号 (EtpsInnerInvtNo / EtpsPreentNo) */
  etpsPreentNo: string;
  xml: string;
  /** the trace context of its import (tracing on) */
  traceparent?: string;
}

/** An accepted CEB declaration (跨境电商: 订单, 支付单, 运单, 清单…), as the business system gets it. */
export interface AcceptedCeb {
  client: ClientRow;
  messageId: string;
  business: string;
  ceb: CebMessage;
  /** its receipt type and the life of its returnStatus */
  spec: CebReceiptSpec;
  /** the sections the receipts answer, in order */
  sections: CebSection[];
  /** the 预录入编号 (preNo) the e-port gave each of them, in the same order */
  preNos: string[];
  xml: string;
  /** the trace context of its import (tracing on) */
  traceparent?: string;
}

/** Business systems behind the exchange (the customs sandbox, or a gateway to real customs). */
export interface CustomsPort {
  declarationAccepted(tx: Store, declaration: DeclarationRow, now: Date): Promise<void>;
  /** a batch's accepted declarations at once, in their order (as `declarationAccepted` for each) */
  declarationsAccepted?(tx: Store, accepted: readonly AcceptedDeclaration[]): Promise<void>;
  /** manifests; without it manifests are answered C903 */
  manifestAccepted?(tx: Store, m: AcceptedManifest, now: Date): Promise<void>;
  /** 金关二期 Packages; without it they are answered C903 */
  packageAccepted?(tx: Store, p: AcceptedPackage, now: Date): Promise<void>;
  /** CEB declarations that have a receipt (CEB311, CEB621…); without it they are answered C903 */
  cebAccepted?(tx: Store, c: AcceptedCeb, now: Date): Promise<void>;
}

/** Manifest message types the platform takes (原始/预配/运抵/理货). */
export const MANIFEST_TYPES = ['MT1101', 'MT2101', 'MT3101', 'MT4101'] as const;
/** 金关二期 message types the platform takes. */
export const PACKAGE_TYPES = ['INV101', 'SAS121'] as const;

/** What an import works with. */
export type ImportDeps = Pick<PlatformDeps, 'store' | 'clock' | 'logger' | 'metrics' | 'tracing'> & {
  /** IC cards read once per batch (its messages are mostly signed with one card) */
  cards?: Map<string, Promise<CardRow | undefined>>;
  /**
   * What a batch knows of its message ids (`inboundKey`): read at once before it imports and kept
   * up to date as it stores; null for an id not stored. An id it does not hold is read.
   */
  inbound?: Map<string, InboundRow | null>;
  /**
   * What a batch knows of its declarations' ClientSeqNos (`clientSeqNoKey`): the SeqNo of the sender
   * enterprise's declaration that took it, null for one not taken; read at once and kept up to date
   * as it stores. A ClientSeqNo it does not hold is read.
   */
  clientSeqNos?: Map<string, string | null>;
  /** messages a batch read ahead (`readInbound`), before its transaction; a message it does not hold is read when imported */
  reads?: Map<InboundMessage, Promise<ReadMessage>>;
  /**
   * Accepted declarations a batch hands to customs and matches to their 申报数据 subscriptions as a
   * set before it commits (`acceptedAsSet`); without it each declaration is handed on as it is accepted.
   */
  accepted?: AcceptedDeclaration[];
  /**
   * Rows a batch writes as sets before it hands on its accepted declarations, and the block its
   * declarations' SeqNos come from (`BatchWrites`); without it each row is written, and each SeqNo
   * taken, as the import goes.
   */
  writes?: BatchWrites;
};

/**
 * What an import reads of a message before any store work: its text, family and type, and for a
 * declaration its parsed form; or the refusal of a message that cannot be read. `signature`, when
 * a batch started it, is the SM2 check of a declaration against its card, running on the thread pool.
 */
export type ReadMessage = { sha256: string; family: string; messageType: string } & (
  | {
      xmlText: string;
      /** the message body is that text exactly (UTF-8 without a BOM, not a ZIP): stored once, it serves as both */
      xmlIsBody: boolean;
      declaration: DecMessage | null;
      /** the names of the PDFs beside the message in its ZIP */
      attachments: string[];
      rejected?: undefined;
      signature?: { check: Promise<boolean> };
    }
  | { rejected: MessageRejected }
);

export async function readInbound(body: Uint8Array): Promise<ReadMessage> {
  const sha256 = crypto.createHash('sha256').update(body).digest('hex');
  let family = 'unknown';
  let messageType = '';
  try {
    const zip = looksLikeZip(body) ? await readDeclarationZip(Buffer.from(body)) : null;
    const xmlBytes = zip ? zip.xml.data : body;
    const attachments = zip ? zip.attachments.map((a) => a.name) : [];
    if (xmlBytes.length === 0) throw new MessageRejected('C901', '报文为空 (the file is empty)');
    const xmlText = decodeXml(xmlBytes);
    // the family from the first bytes; one full parse, by the family's own reader
    const quick = quickSniff(xmlBytes);
    family = quick.family;
    messageType = quick.messageType;
    let declaration: DecMessage | null = null;
    if (family === 'declaration') declaration = parseDecMessage(xmlText);
    else {
      checkWellFormed(xmlText);
      if (family === 'unknown') throw new MessageRejected('C903', `无法识别的报文类型 (unknown message type)`);
    }
    const xmlIsBody =
      !zip &&
      body[0] !== 0xef &&
      body[0] !== 0xff &&
      body[0] !== 0xfe &&
      utf8Label((declaredEncoding(body) ?? 'utf-8').toLowerCase()) &&
      Buffer.byteLength(xmlText) === body.length;
    return { sha256, family, messageType, xmlText, xmlIsBody, declaration, attachments };
  } catch (err) {
    if (!(err instanceof MessageRejected)) throw err;
    return { sha256, family, messageType, rejected: err };
  }
}

const utf8Label = (label: string) => label === 'utf-8' || label === 'utf8';

/** The ClientSeqNo (客户端编号) a declaration is known by: DecSign's, else DecHead's. */
export function declarationClientSeqNo(dec: DecMessage): string {
  return (dec.sign?.ClientSeqNo || dec.head.ClientSeqNo || '').trim();
}

/** The key of a client's message id in `ImportDeps.inbound`. */
export function inboundKey(clientId: string, messageId: string): string {
  return `${clientId}\n${messageId}`;
}

export async function importMessage(deps: ImportDeps, customs: CustomsPort, msg: InboundMessage): Promise<ImportAnswer> {
  const span = deps.tracing ? importSpan(deps.tracing, msg) : undefined;
  try {
    const answer = await importMessageOnce(deps, customs, msg).catch((err: unknown) => {
      if (err instanceof OswError) deps.metrics?.rejected(err.code);
      throw err;
    });
    if (deps.metrics) countImport(deps.metrics, { ok: true, ...answer });
    if (span) spanOutcome(span, { ok: true, ...answer });
    return answer;
  } catch (err) {
    span?.fail(err);
    throw err;
  } finally {
    span?.end();
  }
}

/**
 * The span of a message's import (tracing on): a child of the sender's trace context; the message's
 * `importTrace` becomes the span's, so the work the import hands on joins the trace.
 */
export function importSpan(tracing: Tracing, msg: InboundMessage, batchSize = 1): TraceSpan {
  const span = tracing.start('osw.exchange.import', {
    parent: msg.traceparent,
    kind: 'consumer',
    attributes: {
      'osw.client_id': msg.client.clientId,
      'osw.message_id': msg.messageId,
      'osw.business': msg.business,
      'osw.file': msg.fileName,
      /** how many messages came with it in one request (HTTP batch) or one take of the broker's queue */
      'osw.batch_size': batchSize,
    },
  });
  msg.importTrace = span.traceparent;
  return span;
}

/** What became of the import, on its span. */
export function spanOutcome(span: TraceSpan, o: ImportOutcome): void {
  if (!o.ok) return span.fail(`${o.error.code}: ${o.error.message}`);
  span.set({ 'osw.family': o.family, 'osw.accepted': o.accepted, 'osw.duplicate': o.duplicate, 'osw.document': o.documentKey ?? '' });
}

async function importMessageOnce(deps: ImportDeps, customs: CustomsPort, msg: InboundMessage): Promise<ImportAnswer> {
  try {
    return await importOnce(deps, customs, msg);
  } catch (err) {
    // two deliveries of one message id raced: the loser answers with what the winner stored
    const known =
      err instanceof OswError ? undefined : await deps.store.inbound.get(msg.client.clientId, msg.messageId).catch(() => undefined);
    if (known) return answerOf(known, true);
    throw err;
  }
}

/** Counts what became of one message (its answer, or the exchange's refusal). */
export function countImport(metrics: PlatformMetrics, o: ImportOutcome): void {
  if (!o.ok) metrics.rejected(o.error.code);
  else metrics.imported(o.family, o.duplicate ? 'duplicate' : o.accepted ? 'accepted' : 'refused');
}

/** Why the exchange refuses a message before anything is stored (the only refusals an import throws), or null. */
export function inboundRefusal(msg: Pick<InboundMessage, 'messageId' | 'fileName'>): OswError | null {
  if (!isMessageId(msg.messageId))
    return new OswError('OSW_EXCHANGE_BAD_MESSAGE_ID', 'message id must be 8-128 characters of A-Z a-z 0-9 _ . -');
  // a name no InBox or folder could hold is refused before anything is stored (both transports)
  const nameProblem = fileNameProblem(msg.fileName);
  return nameProblem ? new OswError('OSW_EXCHANGE_BAD_REQUEST', `file name refused: ${nameProblem}`) : null;
}

/** One import without the race fallback of `importMessage` (a batch handles it around its savepoint). */
export async function importOnce(deps: ImportDeps, customs: CustomsPort, msg: InboundMessage): Promise<ImportAnswer> {
  const refused = inboundRefusal(msg);
  if (refused) throw refused;
  const log = deps.logger.child({ clientId: msg.client.clientId, msgId: msg.messageId, file: msg.fileName });
  const key = inboundKey(msg.client.clientId, msg.messageId);
  const known = deps.inbound?.has(key)
    ? (deps.inbound.get(key) ?? undefined)
    : await deps.store.inbound.get(msg.client.clientId, msg.messageId);
  if (known) {
    log.info({ accepted: known.accepted }, 'duplicate message id: answered again, not imported twice');
    return answerOf(known, true);
  }

  const now = deps.clock.now();
  const ahead = deps.reads?.get(msg);
  // read here when the batch did not, or when its reading ahead failed (then it fails here as it would alone)
  const read = await (ahead ? ahead.catch(() => readInbound(msg.body)) : readInbound(msg.body));
  const { sha256, family, messageType } = read;
  if (read.rejected) {
    const err = read.rejected;
    return record(
      deps,
      msg,
      { accepted: false, responseXml: buildFailureRoot(err.code, err.message), family, messageType, sha256, documentKey: null, now },
      log,
    );
  }
  const { xmlText, xmlIsBody, declaration } = read;

  if (
    family === 'manifest' &&
    customs.manifestAccepted &&
    (messageType === '' || (MANIFEST_TYPES as readonly string[]).includes(messageType))
  )
    return importManifest(deps, customs, msg, xmlText, { sha256, now }, log);
  if (family === 'sas' && customs.packageAccepted && (PACKAGE_TYPES as readonly string[]).includes(messageType))
    return importPackage(deps, customs, msg, xmlText, { sha256, now }, log);
  if (family === 'ceb') {
    const checked = checkCeb(msg, xmlText, customs.cebAccepted ? cebReceiptSpec(messageType) : undefined, now);
    if (checked.refusal)
      return record(deps, msg, { accepted: false, responseXml: checked.refusal, family, messageType, sha256, documentKey: null, now }, log);
    if (checked.spec) return importCeb(deps, customs, msg, xmlText, { ceb: checked.ceb, spec: checked.spec, sha256, now }, log);
  }
  if (!declaration) {
    const info = `平台暂不受理该类报文: ${messageType || family} (family ${family} is not handled by this platform yet)`;
    return record(
      deps,
      msg,
      { accepted: false, responseXml: buildFailureRoot('C903', info), family, messageType, sha256, documentKey: null, now },
      log,
    );
  }
  return importDeclaration(
    deps,
    customs,
    msg,
    xmlText,
    declaration,
    { sha256, now, signature: read.signature, attachments: read.attachments, xmlIsBody },
    log,
  );
}

/**
 * A batch's accepted declarations, before it commits: handed to customs (their receipts planned)
 * and matched to the 申报数据 subscriptions as a set, in the batch's transaction (outbox).
 */
export async function acceptedAsSet(tx: Store, customs: CustomsPort, accepted: readonly AcceptedDeclaration[]): Promise<void> {
  if (!accepted.length) return;
  if (customs.declarationsAccepted) await customs.declarationsAccepted(tx, accepted);
  else for (const a of accepted) await customs.declarationAccepted(tx, a.declaration, a.now);
  await raiseDeclarationDataSet(tx, accepted);
}

/** A message its family's reader refused: answered with a failure `<Root>` carrying the failCode. */
function unreadable(
  deps: ImportDeps,
  msg: InboundMessage,
  err: MessageRejected,
  family: string,
  meta: { sha256: string; now: Date },
  log: PlatformDeps['logger'],
): Promise<ImportAnswer> {
  const responseXml = buildFailureRoot(err.code, err.message);
  return record(
    deps,
    msg,
    { accepted: false, responseXml, family, messageType: '', sha256: meta.sha256, documentKey: null, now: meta.now },
    log,
  );
}

/**
 * CEB (跨境电商): the format check runs first, as at the e-port — a message that breaks the 2022-05
 * schema rules is answered with a CEB900 报文格式校验回执 (returnStatus below 0, returnInfo naming every
 * field); so is a declaration whose receipt could not carry back a key it must (a CEB621 without its
 * 企业内部编号 copNo: the CEB622 requires it). A message that cannot be read is answered by its reader's
 * failCode. One that passes goes on with its receipt type (`spec`, when the business system takes it;
 * without one it is answered C903).
 */
function checkCeb(
  msg: InboundMessage,
  xml: string,
  spec: CebReceiptSpec | undefined,
  now: Date,
): { refusal: string; ceb?: undefined; spec?: undefined } | { refusal: null; ceb: CebMessage; spec?: CebReceiptSpec } {
  let ceb: CebMessage;
  try {
    ceb = parseCeb(xml);
  } catch (err) {
    if (err instanceof MessageRejected) return { refusal: buildFailureRoot(err.code, err.message) };
    throw err;
  }
  const problems = validateCeb(ceb);
  if (!problems.length && spec) problems.push(...cebReturnKeyProblems(spec, cebDeclaredSections(spec, ceb)));
  if (!problems.length) return { refusal: null, ceb, spec };
  const refusal = buildCeb(
    cebFormatRefusal({
      guid: crypto.randomUUID().toUpperCase(),
      refused: ceb,
      problems,
      returnTime: chinaCompactMillis(now),
      oriCopMsgId: msg.messageId,
    }),
  );
  return { refusal };
}

/** A receipt's placeholder for the number the e-port gives (the check needs its form, not its value). */
const PRE_NO_FORM = 'B00000000000000000';

/**
 * What the receipts could not carry back: the receipt of each section, built with placeholder numbers
 * and checked against its schema rules; each problem named by the declared field it comes from.
 */
function cebReturnKeyProblems(spec: CebReceiptSpec, sections: readonly CebSection[]): { path: string; zh: string; en: string }[] {
  if (!sections.length) return [{ path: spec.section, zh: `缺少${spec.section}`, en: `the message has no ${spec.section}` }];
  const probe = cebReturnMessage({
    spec,
    guid: PRE_NO_FORM.padEnd(36, '0'),
    rows: sections.map((s) => ({
      keys: cebReturnKeys(spec, s, { preNo: PRE_NO_FORM }),
      outcome: { returnStatus: CEB_DECLARED_STATUS, returnTime: '0'.repeat(17), returnInfo: '-' },
    })),
  });
  return validateCeb(probe).map((p) => {
    const path = p.path.replace(/^\w+\[(\d+)\]/, (_, i: string) => {
      const s = sections[Number(i)];
      return `${spec.section}[${i}]${s?.head ? `.${s.headName ?? `${spec.section}Head`}` : ''}`;
    });
    return { path, zh: `${p.zh}（${spec.receipt}回执须带回）`, en: `${p.en} (the ${spec.receipt} receipt must carry it back)` };
  });
}

/**
 * An accepted CEB declaration: its receipt with returnStatus 2 电子口岸申报中 (1 电子口岸已暂存 for a
 * section sent with appStatus 1) and the 预录入编号 (preNo, `B` + China day + 9-digit serial) the e-port
 * gives each section is the import answer; the business system answers the rest.
 */
async function importCeb(
  deps: ImportDeps,
  customs: CustomsPort,
  msg: InboundMessage,
  xml: string,
  meta: { ceb: CebMessage; spec: CebReceiptSpec; sha256: string; now: Date },
  log: PlatformDeps['logger'],
): Promise<ImportAnswer> {
  const { ceb, spec } = meta;
  const sections = cebDeclaredSections(spec, ceb);
  const base = { family: 'ceb', messageType: ceb.messageType, sha256: meta.sha256, now: meta.now };
  return deps.store.transaction(async (tx) => {
    const day = chinaCompactMillis(meta.now).slice(0, 8);
    const first = await tx.serials.nextMany(`cebPreNo:${day}`, sections.length);
    const preNos = sections.map((_, i) => `B${day}${String(first + i).padStart(9, '0')}`);
    const returnTime = chinaCompactMillis(meta.now);
    const responseXml = buildCeb(
      cebReturnMessage({
        spec,
        guid: crypto.randomUUID().toUpperCase(),
        rows: sections.map((s, i) => {
          const returnStatus = cebSectionSaved(s) ? CEB_SAVED_STATUS : CEB_DECLARED_STATUS;
          return {
            keys: cebReturnKeys(spec, s, { preNo: preNos[i] }),
            outcome: { returnStatus, returnTime, returnInfo: cebReturnWords(returnStatus) },
          };
        }),
      }),
    );
    const answer = await record({ ...deps, store: tx }, msg, { ...base, accepted: true, responseXml, documentKey: ceb.guid }, log);
    await customs.cebAccepted!(
      tx,
      {
        client: msg.client,
        messageId: msg.messageId,
        business: msg.business,
        ceb,
        spec,
        sections,
        preNos,
        xml,
        traceparent: msg.importTrace,
      },
      meta.now,
    );
    log.info({ messageType: ceb.messageType, guid: ceb.guid, sections: sections.length }, `${ceb.messageType} accepted`);
    return answer;
  });
}

/** Manifests: PlatImpRet (StatementCode E1 数据中心入库成功), then the business system answers. */
async function importManifest(
  deps: ImportDeps,
  customs: CustomsPort,
  msg: InboundMessage,
  xml: string,
  meta: { sha256: string; now: Date },
  log: PlatformDeps['logger'],
): Promise<ImportAnswer> {
  let manifest: Manifest;
  try {
    manifest = parseManifest(xml);
  } catch (err) {
    if (!(err instanceof MessageRejected)) throw err;
    return unreadable(deps, msg, err, 'manifest', meta, log);
  }
  const type = manifest.head.MessageType ?? '';
  const base = { family: 'manifest', messageType: type, sha256: meta.sha256, now: meta.now };
  if (!manifest.head.MessageType)
    return record(
      deps,
      msg,
      { ...base, accepted: false, responseXml: platImpRetMissingMessageType(manifest.head), documentKey: null },
      log,
    );
  const problems = validateManifest(manifest);
  // FAQ 17: a SenderID of the import client's form names the client that sends it
  const claimed = manifestSenderClientId(manifest.head.SenderID);
  if (claimed && claimed !== msg.client.clientId)
    problems.push({
      path: 'Head.SenderID',
      zh: `发送方代码中的客户端ID[${claimed}]不是发送报文的客户端[${msg.client.clientId}]`,
      en: `Head.SenderID names client ${claimed}, but ${msg.client.clientId} sent it`,
    });
  if (problems.length) {
    const responseXml = buildPlatImpRet({
      head: manifest.head,
      statementCode: 'E2',
      statementDescription: `数据中心入库失败：${problems.map((p) => `${p.path} ${p.zh}`).join('；')}`,
    });
    return record(deps, msg, { ...base, accepted: false, responseXml, documentKey: null }, log);
  }
  const documentKey = manifest.head.MessageID ?? msg.messageId;
  return deps.store.transaction(async (tx) => {
    const responseXml = buildPlatImpRet({ head: manifest.head, statementCode: 'E1', statementDescription: '数据中心入库成功' });
    const answer = await record({ ...deps, store: tx }, msg, { ...base, accepted: true, responseXml, documentKey }, log);
    await customs.manifestAccepted!(
      tx,
      { client: msg.client, messageId: msg.messageId, business: msg.business, manifest, xml, traceparent: msg.importTrace },
      meta.now,
    );
    log.info({ messageType: type, manifestId: documentKey }, 'manifest accepted');
    return answer;
  });
}

/** 金关二期 INV101/SAS121: CommonResponeMessage (DealFlag 0 with a 预录入统一编号, or -1 with CheckInfo). */
async function importPackage(
  deps: ImportDeps,
  customs: CustomsPort,
  msg: InboundMessage,
  xml: string,
  meta: { sha256: string; now: Date },
  log: PlatformDeps['logger'],
): Promise<ImportAnswer> {
  let pkg: SasPackage;
  try {
    pkg = parseSasPackage(xml);
  } catch (err) {
    if (!(err instanceof MessageRejected)) throw err;
    return unreadable(deps, msg, err, 'sas', meta, log);
  }
  const type = pkg.messageType;
  const base = { family: 'sas', messageType: type, sha256: meta.sha256, now: meta.now };
  const problems: string[] = [];
  let etpsPreentNo = '';
  if (type === 'INV101') {
    try {
      const inv = inv101From(pkg);
      etpsPreentNo = inv.head.EtpsInnerInvtNo ?? '';
      problems.push(...validateInv101(inv).map((p) => `${p.path}${p.zh}`));
      problems.push(...(await inv101CardProblems(deps, msg.client, inv)));
    } catch (err) {
      if (!(err instanceof MessageRejected)) throw err;
      problems.push(err.message);
    }
  } else {
    const found = sas121Head(pkg);
    const head = found ? leafRecord(found.head) : {};
    etpsPreentNo = head.EtpsPreentNo ?? head.etpsPreentNo ?? '';
    if (!found) problems.push('缺少核放单表头SasPassportBsc');
    if (!pkg.envelope.message_id) problems.push('EnvelopInfo.message_id报文编号不能为空');
    if (found)
      problems.push(
        ...(await sas121CardProblems(
          deps,
          msg.client,
          { name: found.head.name, fields: head },
          found.message ? { name: found.message.name, fields: leafRecord(found.message) } : undefined,
        )),
      );
  }
  const what = type === 'INV101' ? '保税核注清单' : '核放单';
  if (problems.length) {
    const responseXml = buildCommonResponse({ etpsPreentNo, checkInfo: `报文类型为${type}，${problems.join('；')}`, dealFlag: '-1' });
    return record(deps, msg, { ...base, accepted: false, responseXml, documentKey: null }, log);
  }
  return deps.store.transaction(async (tx) => {
    const year = chinaYear(meta.now);
    const seqNo = receiptSeqNo(year, await tx.serials.next(`sasSeqNo:${year}`));
    const responseXml = buildCommonResponse({ seqNo, etpsPreentNo, checkInfo: `${what}申报服务调用成功`, dealFlag: '0' });
    const answer = await record({ ...deps, store: tx }, msg, { ...base, accepted: true, responseXml, documentKey: seqNo }, log);
    await customs.packageAccepted!(
      tx,
      {
        client: msg.client,
        messageId: msg.messageId,
        business: msg.business,
        messageType: type,
        pkg,
        seqNo,
        etpsPreentNo,
        xml,
        traceparent: msg.importTrace,
      },
      meta.now,
    );
    log.info({ messageType: type, seqNo }, `${type} accepted`);
    return answer;
  });
}

async function importDeclaration(
  deps: ImportDeps,
  customs: CustomsPort,
  msg: InboundMessage,
  xml: string,
  dec: DecMessage,
  meta: { sha256: string; now: Date; signature?: { check: Promise<boolean> }; attachments: readonly string[]; xmlIsBody: boolean },
  log: PlatformDeps['logger'],
): Promise<ImportAnswer> {
  const clientSeqNo = declarationClientSeqNo(dec);
  const problems = await checkDeclaration(deps, msg.client, dec, xml, clientSeqNo, meta.signature, meta.attachments);
  const base = { family: 'declaration', messageType: 'DecMessage', sha256: meta.sha256, now: meta.now };
  if (problems.length) {
    const responseXml = buildDecImportResponse({ responseCode: '1', errorMessage: `导入失败：${problems.join('；')}`, clientSeqNo });
    return record(deps, msg, { ...base, accepted: false, responseXml, documentKey: null }, log);
  }
  return deps.store.transaction(async (tx) => {
    const year = chinaYear(meta.now);
    const serial = `seqNo:${year}`;
    const seqNo = declarationSeqNo(year, await (deps.writes ? deps.writes.serial(serial) : tx.serials.next(serial)));
    const operType = dec.sign?.OperType ?? '';
    const responseXml = buildDecImportResponse({
      responseCode: '0',
      errorMessage: operType === 'G' ? '暂存成功' : '导入成功',
      clientSeqNo,
      seqNo,
    });
    const at = meta.now.toISOString();
    const declaration: DeclarationRow = {
      seqNo,
      clientSeqNo,
      senderClientId: msg.client.clientId,
      senderEnterprise: msg.client.enterpriseCode,
      tradeCode: dec.head.TradeCode ?? '',
      ownerCode: dec.head.OwnerCode ?? '',
      agentCode: dec.head.AgentCode ?? '',
      ieFlag: dec.head.IEFlag ?? '',
      customMaster: dec.head.CustomMaster ?? '',
      entryId: '',
      channel: '',
      messageId: msg.messageId,
      icCode: (dec.sign?.ICCode ?? '').trim(),
      typistNo: (dec.head.TypistNo ?? '').trim(),
      xml,
      declaredAt: at,
      updatedAt: at,
    };
    // a batch writes its declarations as a set before it commits: a ClientSeqNo taken meanwhile fails the set there
    if (deps.writes) deps.writes.declarations.push({ row: declaration, opts: { xmlIsInboundBody: meta.xmlIsBody } });
    else if (!(await tx.declarations.insert(declaration, { xmlIsInboundBody: meta.xmlIsBody }))) {
      // another instance accepted the same ClientSeqNo a moment ago: refused like any repeat
      const first = await tx.declarations.findByClientSeqNo(declaration.senderEnterprise, clientSeqNo);
      const refusal = buildDecImportResponse({
        responseCode: '1',
        errorMessage: `导入失败：${clientSeqNoRepeated(clientSeqNo, first?.seqNo)}`,
        clientSeqNo,
      });
      return record({ ...deps, store: tx }, msg, { ...base, accepted: false, responseXml: refusal, documentKey: null }, log);
    }
    // a later message of the batch with this ClientSeqNo is refused as a repeat
    if (clientSeqNo) deps.clientSeqNos?.set(clientSeqNoKey(declaration.senderEnterprise, clientSeqNo), seqNo);
    const answer = await record({ ...deps, store: tx }, msg, { ...base, accepted: true, responseXml, documentKey: seqNo }, log);
    // to customs and to the 收发货人's 申报数据 subscribers in the same transaction (outbox): a batch's as one set, before it commits
    const accepted: AcceptedDeclaration = { declaration, now: meta.now, traceparent: msg.importTrace };
    if (deps.accepted) deps.accepted.push(accepted);
    else await acceptedAsSet(tx, customs, [accepted]);
    log.info({ seqNo, clientSeqNo }, 'declaration accepted');
    return answer;
  });
}

async function record(
  deps: ImportDeps,
  msg: InboundMessage,
  r: { accepted: boolean; responseXml: string; family: string; messageType: string; sha256: string; documentKey: string | null; now: Date },
  log: PlatformDeps['logger'],
): Promise<ImportAnswer> {
  const row: InboundRow = {
    clientId: msg.client.clientId,
    messageId: msg.messageId,
    business: msg.business,
    fileName: msg.fileName,
    family: r.family,
    messageType: r.messageType,
    sha256: r.sha256,
    body: msg.body,
    accepted: r.accepted,
    responseXml: r.responseXml,
    documentKey: r.documentKey,
    receivedAt: r.now.toISOString(),
  };
  if (deps.writes) deps.writes.inbound.push(row);
  else await deps.store.inbound.insert(row);
  deps.inbound?.set(inboundKey(row.clientId, row.messageId), row);
  if (!r.accepted) log.info({ family: r.family }, 'message refused');
  return answerOf(row, false);
}

/** The answer to a stored import: the first time, or again for a duplicate message id. */
export function answerOf(row: InboundRow, duplicate: boolean): ImportAnswer {
  return {
    messageId: row.messageId,
    accepted: row.accepted,
    duplicate,
    family: row.family,
    documentKey: row.documentKey,
    responseXml: row.responseXml,
  };
}
