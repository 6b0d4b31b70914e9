import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCommonResponse,
  buildDecImportResponse,
  buildDecResult,
  buildDxpMsg,
  buildFailureRoot,
  parseCommonResponse,
  parseDecImportResponse,
  parseDecResult,
  parseFailureRoot,
  quickSniff,
  sniffXml,
} from '../src/index.js';

// values as they appear on the wire: trimmed, no control characters
const value = fc
  .array(fc.constantFrom('报', '关', '放', '行', '&', '<', '>', '"', "'", 'A', 'z', '0', '9', ' ', ';', ',', ']]>'), { maxLength: 16 })
  .map((a) => a.join('').trim());

describe('responses and receipts: build → parse round trips (property tests)', () => {
  it('DecImportResponse', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('0', '1'),
        value,
        value,
        fc.option(value, { nil: undefined }),
        (responseCode, errorMessage, clientSeqNo, seqNo) => {
          const r = { responseCode, errorMessage, clientSeqNo, seqNo, trnPreId: undefined };
          expect(parseDecImportResponse(buildDecImportResponse(r))).toEqual(r);
        },
      ),
    );
  });

  it('DEC_RESULT', () => {
    fc.assert(
      fc.property(
        fc.record({
          cusCiqNo: value,
          entryId: value,
          noticeDate: value,
          channel: value,
          note: value,
          customMaster: value,
          ieDate: value,
          dDate: value,
        }),
        (r) => {
          expect(parseDecResult(buildDecResult(r))).toEqual({ ...r, legacy: false, resultInfo: undefined });
        },
      ),
    );
  });

  it('CommonResponeMessage', () => {
    fc.assert(
      fc.property(
        fc.option(value, { nil: undefined }),
        value,
        value,
        fc.constantFrom('0', '-1'),
        (seqNo, etpsPreentNo, checkInfo, dealFlag) => {
          const r = { seqNo, etpsPreentNo, checkInfo, dealFlag };
          expect(parseCommonResponse(buildCommonResponse(r))).toEqual(r);
        },
      ),
    );
  });

  it('failure Root, with CDATA-breaking text too', () => {
    fc.assert(
      fc.property(fc.constantFrom('C18', 'C134', 'C901'), value, (code, info) => {
        expect(parseFailureRoot(buildFailureRoot(code, info))).toMatchObject({ resultFlag: '0', failCode: code, failInfo: info });
      }),
    );
  });

  it('a DxpMsg is recognised by the quick and the full sniff alike', () => {
    const xml = buildDxpMsg({
      CopMsgId: 'M1',
      SenderId: 'DXPESW5300000001',
      ReceiverIds: ['DXPEDCCUS0000001'],
      CreatTime: '2026-11-21T10:00:00',
      MsgType: 'DECMSG',
      data: Buffer.from('<DecMessage/>'),
      AddInfo: { FileName: 'a.xml' },
    });
    const full = sniffXml(xml);
    expect(full.family).toBe('transport');
    expect(full.keys).toMatchObject({
      CopMsgId: 'M1',
      MsgType: 'DECMSG',
      SenderId: 'DXPESW5300000001',
      ReceiverId: 'DXPEDCCUS0000001',
      FileName: 'a.xml',
    });
    expect(quickSniff(Buffer.from(xml))).toEqual({ family: full.family, root: full.root, messageType: full.messageType });
  });
});
