/**
 * One entry point per action for any message: validate, sign and verify by family. Used by
 * `osw message validate|sign|verify` and by the import client.
 */
import type { KeyObject } from 'node:crypto';
import { MessageRejected } from './errors.js';
import { parseCeb, validateCeb } from './families/ceb.js';
import { signCeb, verifyCeb } from './families/ceb-signature.js';
import { parseCommonResponse } from './families/sas.js';
import { attachmentProblems, parseDecImportResponse, parseDecMessage, parseDecResult, validateDecMessage } from './families/declaration.js';
import { parseFailureRoot } from './families/failure.js';
import {
  MANIFEST_RESPONSE_TYPE,
  parseManifest,
  parseManifestResponse,
  parsePlatImpRet,
  checkManifestCodes,
  validateManifest,
  validateManifestResponse,
  validatePlatImpRet,
} from './families/manifest.js';
import { MANUAL_INCREMENTAL_TYPE, MANUAL_STOCK_TYPE, parseManualData, validateManualData } from './families/manual.js';
import { inv101From, parseSasPackage, validateInv101 } from './families/sas.js';
import { signSasPackage, verifySasPackage } from './families/sas-signing.js';
import { decSignature, keyFingerprint, signDecMessage, verifyDecMessage } from './signing.js';
import { sniffXml, type Family } from './sniff.js';
import { chinaCompactMillis } from './time.js';
import { Problems, type Problem } from './validation.js';
import { parseDxpMsg } from './families/dxp.js';

export interface ValidationReport {
  family: Family | 'unknown';
  messageType: string;
  /** false when the family has no rules beyond being readable */
  rulesApplied: boolean;
  problems: Problem[];
}

/**
 * Every problem of a message at once; an unreadable message is one problem with its failCode.
 * `attachments`: the names of the PDFs beside a declaration in its ZIP, checked against its 随附单证.
 */
export function validateMessage(xml: string, opts: { attachments?: readonly string[] } = {}): ValidationReport {
  let family: Family | 'unknown' = 'unknown';
  let messageType = '';
  try {
    const s = sniffXml(xml);
    family = s.family;
    messageType = s.messageType;
    switch (s.family) {
      case 'declaration': {
        const dec = parseDecMessage(xml);
        return {
          family,
          messageType,
          rulesApplied: true,
          problems: [...validateDecMessage(dec), ...attachmentProblems(dec, opts.attachments ?? [])],
        };
      }
      case 'ceb':
        return { family, messageType, rulesApplied: true, problems: validateCeb(parseCeb(xml)) };
      case 'manifest':
        // a reply is checked as a reply: it echoes the manifest's Head and has a Response, no Declaration
        if (messageType === MANIFEST_RESPONSE_TYPE)
          return { family, messageType, rulesApplied: true, problems: validateManifestResponse(parseManifestResponse(xml)) };
        return { family, messageType, rulesApplied: true, problems: manifestProblems(parseManifest(xml)) };
      case 'sas':
        if (messageType === MANUAL_STOCK_TYPE || messageType === MANUAL_INCREMENTAL_TYPE)
          return { family, messageType, rulesApplied: true, problems: validateManualData(parseManualData(xml).data) };
        if (messageType === 'INV101')
          return { family, messageType, rulesApplied: true, problems: validateInv101(inv101From(parseSasPackage(xml))) };
        return { family, messageType, rulesApplied: true, problems: envelopeProblems(xml) };
      case 'import-response':
        if (messageType === 'DecImportResponse') {
          const r = parseDecImportResponse(xml);
          const p = new Problems();
          p.oneOf('DecImportResponse.ResponseCode', r.responseCode, ['0', '1'], '回执代码', { required: true });
          return { family, messageType, rulesApplied: true, problems: p.list };
        }
        if (messageType === 'PlatImpRet')
          return { family, messageType, rulesApplied: true, problems: validatePlatImpRet(parsePlatImpRet(xml)) };
        if (messageType === 'CommonResponeMessage') {
          const r = parseCommonResponse(xml);
          const p = new Problems();
          p.oneOf('CommonResponeMessage.DealFlag', r.dealFlag, ['0', '-1'], '处理标志', { required: true });
          return { family, messageType, rulesApplied: true, problems: p.list };
        }
        return { family, messageType, rulesApplied: false, problems: [] };
      case 'declaration-receipt': {
        const r = parseDecResult(xml);
        const p = new Problems();
        p.required('DEC_RESULT.CUS_CIQ_NO', r.cusCiqNo, '统一编号');
        p.required('DEC_RESULT.CHANNEL', r.channel, '回执状态');
        return { family, messageType, rulesApplied: true, problems: p.list };
      }
      case 'failure': {
        const r = parseFailureRoot(xml);
        const p = new Problems();
        p.required('Root.failCode', r.failCode, '失败代码');
        return { family, messageType, rulesApplied: true, problems: p.list };
      }
      case 'transport':
        parseDxpMsg(xml);
        return { family, messageType, rulesApplied: false, problems: [] };
    }
  } catch (err) {
    if (!(err instanceof MessageRejected)) throw err;
    return {
      family,
      messageType,
      rulesApplied: true,
      problems: [{ path: '', zh: `[${err.code}] ${err.message}`, en: `[${err.code}] ${err.message}` }],
    };
  }
  return { family, messageType, rulesApplied: false, problems: [] };
}

function envelopeProblems(xml: string): Problem[] {
  const p = new Problems();
  const e = parseSasPackage(xml).envelope;
  p.required('EnvelopInfo.message_id', e.message_id, '报文编号');
  p.required('EnvelopInfo.message_type', e.message_type, '报文类型');
  p.required('EnvelopInfo.sender_id', e.sender_id, '发送方编号');
  return p.list;
}

export interface SigningCard {
  privateKey: KeyObject;
  cardNo: string;
  publicKeyPem: string;
}

/** Signs a declaration (DecSign), a 金关二期 Package (Signature) or a CEB message (ds:Signature). */
export function signMessage(xml: string, card: SigningCard, now: Date): { family: Family; xml: string } {
  const { family } = sniffXml(xml);
  switch (family) {
    case 'declaration':
      return {
        family,
        xml: signDecMessage(xml, {
          privateKey: card.privateKey,
          cardNo: card.cardNo,
          certificate: keyFingerprint(card.publicKeyPem),
          signDate: chinaCompactMillis(now),
        }),
      };
    case 'sas':
      return { family, xml: signSasPackage(xml, { privateKey: card.privateKey, keyName: card.cardNo }) };
    case 'ceb':
      return { family, xml: signCeb(xml, { privateKey: card.privateKey, keyName: card.cardNo }) };
    default:
      throw new MessageRejected('C903', `messages of family ${family} are not signed`);
  }
}

export interface VerifyResult {
  family: Family;
  ok: boolean;
  reason?: string;
}

export function verifyMessage(xml: string, publicKeyPem: string): VerifyResult {
  const { family } = sniffXml(xml);
  switch (family) {
    case 'declaration': {
      if (!decSignature(xml)) return { family, ok: false, reason: 'DecSign/Sign is empty' };
      const ok = verifyDecMessage(xml, publicKeyPem);
      return ok ? { family, ok } : { family, ok, reason: 'SM2 signature does not verify' };
    }
    case 'sas': {
      const r = verifySasPackage(xml, publicKeyPem);
      return { family, ok: r.ok, reason: r.reason };
    }
    case 'ceb': {
      const ok = verifyCeb(xml, publicKeyPem);
      return ok ? { family, ok } : { family, ok, reason: 'signature missing or does not verify' };
    }
    default:
      return { family, ok: false, reason: `messages of family ${family} carry no signature` };
  }
}

/** A manifest's problems as the exchange and customs find them: its form (validateManifest), then its codes. */
function manifestProblems(m: ReturnType<typeof parseManifest>): Problem[] {
  return [...validateManifest(m), ...checkManifestCodes(m)];
}
