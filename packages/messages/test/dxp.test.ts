import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageRejected } from '../src/errors.js';
import { buildDxpMsg, dxpCreatTime, DXP_NAMESPACE, parseDxpMsg, type DxpMsgInput } from '../src/families/dxp.js';
import { buildManifest, manifestMessageId, parseManifest } from '../src/families/manifest.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A DecMessage-like payload with Chinese text and characters that would break XML if not encoded. */
const DEC_MESSAGE = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<DecMessage xmlns="http://www.chinaport.gov.cn/dec" version="3.1">
  <DecHead>
    <ClientSeqNo>E52072019122319225343</ClientSeqNo>
    <OwnerName>昆明某某进出口有限公司 &amp; Co.</OwnerName>
    <MarkNo>N/M</MarkNo>
  </DecHead>
  <DecLists><DecList><GName>咖啡豆 "阿拉比卡" &lt;生&gt;</GName></DecList></DecLists>
</DecMessage>
`;

function envelope(data: Uint8Array, over: Partial<DxpMsgInput> = {}): DxpMsgInput {
  return {
    CopMsgId: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94',
    SenderId: 'DXPESW0000003241',
    ReceiverIds: ['DXPEDCDEC0000001'],
    CreatTime: dxpCreatTime(new Date('2019-12-23T13:36:38Z')),
    MsgType: 'DECMSG',
    data,
    AddInfo: { FileName: 'DecMessage_E52072019122319225343.xml', IcCard: '8950000094247' },
    ...over,
  };
}

describe('DxpMsg envelope', () => {
  it('carries a DecMessage and gives back exactly the same bytes, Chinese included', () => {
    const bytes = utf8(DEC_MESSAGE);
    const xml = buildDxpMsg(envelope(bytes));
    expect(xml).toContain(`<DxpMsg xmlns="${DXP_NAMESPACE}"`);
    expect(xml).toContain('ver="1.0"');
    expect(xml).toContain('<CreatTime>2019-12-23T21:36:38</CreatTime>');
    expect(xml).toContain(`<Data>${Buffer.from(bytes).toString('base64')}</Data>`);
    const m = parseDxpMsg(xml);
    expect(m.data).toEqual(bytes);
    expect(new TextDecoder().decode(m.data)).toBe(DEC_MESSAGE);
  });

  it('keeps the envelope fields in schema order and reads them back', () => {
    const xml = buildDxpMsg(
      envelope(utf8('x'), {
        ReceiverIds: ['DXPEDCDEC0000001', 'DXPENT0000024643'],
        Id: 'ID01',
        AddInfo: {
          FileName: 'a.xml',
          IcCard: '1',
          BizKey: [
            { name: 'DealFlag', value: '1' },
            { name: 'RetType', value: '' },
          ],
          IsTextEncode: 'UTF-8',
          RecMapId: 'R1',
        },
      }),
    );
    const order = [
      '<TransInfo>',
      '<CopMsgId>',
      '<SenderId>',
      '<ReceiverIds>',
      '<ReceiverId>',
      '<CreatTime>',
      '<MsgType>',
      '</TransInfo>',
      '<Data>',
      '<AddInfo>',
      '<FileName>',
      '<IcCard>',
      '<BizKey>',
      '<Key name="DealFlag">',
      '<IsText Encode="UTF-8">',
      '<RecMapId>',
    ];
    const at = order.map((t) => xml.indexOf(t));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const m = parseDxpMsg(xml);
    expect(m).toMatchObject({
      ver: '1.0',
      Id: 'ID01',
      CopMsgId: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94',
      SenderId: 'DXPESW0000003241',
      ReceiverIds: ['DXPEDCDEC0000001', 'DXPENT0000024643'],
      CreatTime: '2019-12-23T21:36:38',
      MsgType: 'DECMSG',
      AddInfo: {
        FileName: 'a.xml',
        IcCard: '1',
        BizKey: [
          { name: 'DealFlag', value: '1' },
          { name: 'RetType', value: '' },
        ],
        IsTextEncode: 'UTF-8',
        RecMapId: 'R1',
      },
    });
    expect(buildDxpMsg(m)).toBe(xml);
  });

  it('reads the dxp:-prefixed form real senders write, with line-wrapped base64', () => {
    const payload = utf8('<CEB311Message xmlns="http://www.chinaport.gov.cn/ceb">订单</CEB311Message>');
    const b64 = Buffer.from(payload)
      .toString('base64')
      .replace(/(.{20})/g, '$1\n');
    const xml = `<?xml version='1.0' encoding='utf-8'?><dxp:DxpMsg xmlns:dxp='http://www.chinaport.gov.cn/dxp' xmlns:ds='http://www.w3.org/2000/09/xmldsig#' ver='1.0'> <dxp:TransInfo> <dxp:CopMsgId>c1</dxp:CopMsgId><dxp:SenderId>DXPENT0000024643</dxp:SenderId><dxp:ReceiverIds><dxp:ReceiverId>DXPEDCCEB0000002</dxp:ReceiverId></dxp:ReceiverIds><dxp:CreatTime>2020-01-01T00:00:00Z</dxp:CreatTime><dxp:MsgType>CEB311Message</dxp:MsgType></dxp:TransInfo><dxp:Data>${b64}</dxp:Data><dxp:AddInfo><dxp:FileName>f.xml</dxp:FileName><dxp:IcCard>8950000094247</dxp:IcCard></dxp:AddInfo><ds:Signature><ds:KeyInfo><ds:KeyName>01</ds:KeyName></ds:KeyInfo></ds:Signature></dxp:DxpMsg>`;
    const m = parseDxpMsg(xml);
    expect(m.data).toEqual(payload);
    expect(m.MsgType).toBe('CEB311Message');
    expect(m.CreatTime).toBe('2020-01-01T00:00:00Z');
    expect(m.AddInfo).toEqual({ FileName: 'f.xml', IcCard: '8950000094247' });
    expect(m.extra.map((e) => `${e.prefix}:${e.name}`)).toEqual(['ds:Signature']);
    // written back under the default namespace, the signature element kept
    const again = parseDxpMsg(buildDxpMsg(m));
    expect(again).toEqual(m);
  });

  it('carries a manifest whose MessageID is the manifest id', () => {
    const manifest = buildManifest({
      head: {
        MessageID: manifestMessageId('MT2101', '4201101115245', new Date(0)),
        FunctionCode: '9',
        MessageType: 'MT2101',
        SenderID: '4201101115245_DXPESW0000003241',
        ReceiverID: 'EPORT',
        SendTime: '19700101080000000',
        Version: '1.0',
      },
      declaration: [],
    });
    const m = parseDxpMsg(buildDxpMsg(envelope(utf8(manifest), { MsgType: 'MT2101' })));
    expect(parseManifest(new TextDecoder().decode(m.data)).head.MessageID).toBe('CN_MT2101_1p1_4201101115245_19700101080000000');
  });

  it('empty data is an empty Data element and reads back as no bytes', () => {
    const m = parseDxpMsg(buildDxpMsg(envelope(new Uint8Array(0), { AddInfo: undefined })));
    expect(m.data.length).toBe(0);
    expect(m.AddInfo).toBeUndefined();
  });

  it('refuses Data that is not base64, a missing TransInfo, and another root', () => {
    const bad = buildDxpMsg(envelope(utf8('x'))).replace(/<Data>[^<]*<\/Data>/, '<Data>not*base64!</Data>');
    expect(() => parseDxpMsg(bad)).toThrow(MessageRejected);
    expect(() => parseDxpMsg(`<DxpMsg xmlns="${DXP_NAMESPACE}" ver="1.0"><Data>QQ==</Data></DxpMsg>`)).toThrow(/TransInfo/);
    expect(() => parseDxpMsg('<DxpRep/>')).toThrow(MessageRejected);
    expect(() => buildDxpMsg(envelope(utf8('x'), { ReceiverIds: [] }))).toThrow(RangeError);
  });
});

const safeText = fc
  .array(
    fc.oneof(
      fc.constantFrom('&', '<', '>', '"', "'", '中', '文', ' ', '-', ':'),
      fc.string({ minLength: 1, maxLength: 3 }).filter((s) => /^[\x20-\x7e]+$/.test(s)),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((p) => p.join('').trim())
  .filter((s) => s.length > 0);

describe('property: DxpMsg build → parse', () => {
  it('any bytes and any safe envelope strings come back exactly', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        safeText,
        safeText,
        fc.array(safeText, { minLength: 1, maxLength: 5 }),
        safeText,
        fc.option(safeText, { nil: undefined }),
        (data, cop, sender, receivers, msgType, fileName) => {
          const input: DxpMsgInput = {
            CopMsgId: cop,
            SenderId: sender,
            ReceiverIds: receivers,
            CreatTime: '2026-01-02T03:04:05',
            MsgType: msgType,
            data,
            AddInfo: fileName === undefined ? undefined : { FileName: fileName },
          };
          const xml = buildDxpMsg(input);
          const m = parseDxpMsg(xml);
          expect(m.data).toEqual(data);
          expect({ CopMsgId: m.CopMsgId, SenderId: m.SenderId, ReceiverIds: m.ReceiverIds, MsgType: m.MsgType }).toEqual({
            CopMsgId: cop,
            SenderId: sender,
            ReceiverIds: receivers,
            MsgType: msgType,
          });
          expect(m.AddInfo).toEqual(input.AddInfo);
          expect(buildDxpMsg(m)).toBe(xml);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any Unicode text payload (not only UTF-8 safe ASCII) round-trips byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        const bytes = utf8(s);
        expect(parseDxpMsg(buildDxpMsg(envelope(bytes))).data).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });
});
