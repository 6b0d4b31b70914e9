import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, FIXTURES, sm2KeyPair } from '../../../test/helpers.js';
import {
  buildCommonResponse,
  buildInv101,
  buildManualData,
  buildSasPackage,
  buildSasReceipt,
  decodeXml,
  inv101From,
  MANUAL_INCREMENTAL_TYPE,
  parseCommonResponse,
  parseManualData,
  parseDecMessage,
  parseSasPackage,
  SAS_KEY_FIELDS,
  sasEnvelope,
  sasReceiptFrom,
  signSasPackage,
  sniffXml,
  STOCK_ROWS_LIMIT,
  validateDecMessage,
  validateInv101,
  validateManualData,
  verifySasPackage,
  type ManualData,
} from '../src/index.js';

const fixture = (n: string) => decodeXml(readFileSync(path.join(FIXTURES, n)));
const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');

describe('金关二期 Package messages from the field', () => {
  const packages: [string, string][] = [
    ['npts_SentBox_INV101_Signature_Package.xml', 'INV101'],
    ['sas_INV201_receipt.xml', 'INV201'],
    ['sas_INV202_receipt.xml', 'INV202'],
    ['sas_SAS223_receipt.xml', 'SAS223'],
  ];
  for (const [file, type] of packages) {
    it(`${file}: reads as ${type} and round-trips to an equal object`, () => {
      const p = parseSasPackage(fixture(file));
      expect(p.messageType).toBe(type);
      expect(parseSasPackage(buildSasPackage(p))).toEqual(p);
    });
  }

  it('the SentBox INV101 is wrapped in Signature/Object and keeps DelcareFlag and the head', () => {
    const p = parseSasPackage(fixture('npts_SentBox_INV101_Signature_Package.xml'));
    expect(p.signature).not.toBeNull();
    expect(p.envelope).toMatchObject({
      message_id: 'QDI52072019112514155240',
      sender_id: 'DXPESW0000003241',
      receiver_id: 'DXPEDCNEMS000001',
    });
    const inv = inv101From(p);
    expect(inv.delcareFlag).toBe('0');
    expect(inv.head.PutrecNo).toBe('C520719A0404');
    expect(inv.head.BizopEtpsNm).toBe('保点服饰标签（东莞）有限公司');
    expect(inv.lists.length).toBeGreaterThan(0);
    expect(validateInv101(inv)).toEqual([]);
    expect(inv101From(parseSasPackage(buildInv101(inv)))).toEqual(inv);
  });

  it('receipts read as named sections: INV201 HdeApprResult/BondInvtBsc, INV202 InvApprResult', () => {
    const r201 = sasReceiptFrom(parseSasPackage(fixture('sas_INV201_receipt.xml')));
    expect(r201.sections.map((s) => s.name).slice(0, 2)).toEqual(['HdeApprResult', 'BondInvtBsc']);
    expect(r201.sections[0].fields.manageResult).toBe('4');
    const r202 = sasReceiptFrom(parseSasPackage(fixture('sas_INV202_receipt.xml')));
    expect(r202.sections[0].fields).toMatchObject({ entrySeqNo: 'E20240001310220743', manageResult: '1' });
    expect(sasReceiptFrom(parseSasPackage(buildSasReceipt(r202)))).toEqual(r202);
  });

  for (const f of ['sas_Successed_INV101_CommonResponeMessage.xml', 'sas_Failed_SAS121_CommonResponeMessage.xml']) {
    it(`${f}: CommonResponeMessage round-trips with its misspelling on the wire`, () => {
      const r = parseCommonResponse(fixture(f));
      const built = buildCommonResponse(r);
      expect(built).toContain('<CommonResponeMessage>');
      expect(parseCommonResponse(built)).toEqual(r);
    });
  }

  it('accepts the correctly spelled CommonResponseMessage when reading', () => {
    expect(
      parseCommonResponse(
        '<CommonResponseMessage><EtpsPreentNo>A</EtpsPreentNo><CheckInfo>ok</CheckInfo><DealFlag>0</DealFlag></CommonResponseMessage>',
      ).dealFlag,
    ).toBe('0');
  });

  it('validation of an INV101 lists every problem with its path', () => {
    const inv = inv101From(parseSasPackage(fixture('npts_SentBox_INV101_Signature_Package.xml')));
    const bad = { ...inv, delcareFlag: '5', head: { ...inv.head, PutrecNo: '', BizopEtpsno: 'x' }, lists: [] };
    expect(validateInv101(bad).map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'BussinessData.DelcareFlag',
        'InvtHeadType.PutrecNo',
        'InvtHeadType.BizopEtpsno',
        'InvtMessage.InvtListType',
      ]),
    );
  });

  it('FAQ 18: a repeated 商品序号 or 报关单商品序号, and a change without the 预录入统一编号, are refused', () => {
    const inv = inv101From(parseSasPackage(fixture('npts_SentBox_INV101_Signature_Package.xml')));
    const lists = inv.lists.map((l) => ({ ...l }));
    lists[1].GdsSeqno = lists[0].GdsSeqno;
    lists[2].EntryGdsSeqno = lists[0].EntryGdsSeqno;
    expect(validateInv101({ ...inv, lists }).map((p) => `${p.path}: ${p.zh}`)).toEqual([
      `InvtListType[2].GdsSeqno: 商品序号[${lists[0].GdsSeqno}]重复(与第1项相同)`,
      `InvtListType[3].EntryGdsSeqno: 报关单商品序号[${lists[0].EntryGdsSeqno}]重复(与第1项相同)`,
    ]);
    const change = { ...inv, head: { ...inv.head, DclTypecd: '2', SeqNo: '' } };
    expect(validateInv101(change).map((p) => p.zh)).toEqual(['变更申请须填写预录入统一编号SeqNo']);
    expect(validateInv101({ ...change, head: { ...change.head, SeqNo: '202400000122534496' } })).toEqual([]);
  });
});

describe('identifying keys of every 金关二期 receipt type (osw message inspect)', () => {
  const receipt = (messageType: string, sections: { name: string; fields: Record<string, string> }[]) =>
    buildSasReceipt({
      messageType,
      envelope: sasEnvelope({
        messageId: `CUS${messageType}0001`,
        messageType,
        senderId: 'CUS0000',
        receiverId: 'E010000',
        at: new Date(),
      }),
      sections,
    });
  const appr = { etpsPreentNo: '202400000069440319', businessId: 'Z3111I240728000000000003', tmsCnt: '0', manageResult: '1' };

  it('INV211 记账回执 (BondInvtBsc and BwsDt in camelCase, as customs writes it) shows its 预录入统一编号 and 企业内部清单编号', () => {
    const keys = sniffXml(
      receipt('INV211', [
        {
          name: 'BondInvtBsc',
          fields: {
            bondInvtNo: 'QD311124I000067486',
            chgTmsCnt: '0',
            invtPreentNo: '202400000122403239',
            putrecNo: 'T3111W000076',
            etpsInnerInvtNo: '临海43447305',
            rltEntryNo: '311120240619961023',
          },
        },
        { name: 'BwsDt', fields: { bwsNo: 'T3111W000076', gdsSeqno: '2255', invtNo: 'QD311124I000067486' } },
      ]),
    ).keys;
    expect(keys).toMatchObject({
      message_type: 'INV211',
      bondInvtNo: 'QD311124I000067486',
      invtPreentNo: '202400000122403239',
      etpsInnerInvtNo: '临海43447305',
      putrecNo: 'T3111W000076',
      rltEntryNo: '311120240619961023',
    });
  });

  it('SAS221 and SAS224 show the 核放单编号, its 预录入统一编号 and the result', () => {
    for (const type of ['SAS221', 'SAS224']) {
      const keys = sniffXml(
        receipt(type, [
          { name: 'HdeApprResult', fields: appr },
          { name: 'SasPassportBsc', fields: { passportNo: appr.businessId, sasPassportPreentNo: appr.etpsPreentNo } },
          { name: 'SasPassportRlt', fields: { passportNo: appr.businessId, rltNo: 'QD311124I000067647' } },
        ]),
      ).keys;
      expect(keys).toMatchObject({
        passportNo: appr.businessId,
        sasPassportPreentNo: appr.etpsPreentNo,
        etpsPreentNo: appr.etpsPreentNo,
        businessId: appr.businessId,
        manageResult: '1',
      });
    }
  });

  it('keys are matched whatever their case and shown as the message spells them', () => {
    const pascal = fixture('sas_INV201_receipt.xml').replace(/<(\/?)([a-z])(\w*)>/g, (_, slash: string, first: string, rest: string) =>
      ['version', 'message_id', 'file_name', 'message_type', 'sender_id', 'receiver_id', 'send_time'].includes(first + rest)
        ? `<${slash}${first}${rest}>`
        : `<${slash}${first.toUpperCase()}${rest}>`,
    );
    expect(sniffXml(pascal).keys).toMatchObject({
      InvtPreentNo: '202400000122717119',
      EtpsInnerInvtNo: 'COSU6391946850D',
      BondInvtNo: 'QD311124E000098849',
    });
    for (const name of SAS_KEY_FIELDS) {
      for (const spelt of [name, name[0].toLowerCase() + name.slice(1), name.toUpperCase()]) {
        const keys = sniffXml(receipt('INV211', [{ name: 'BondInvtBsc', fields: { [spelt]: 'V1' } }])).keys;
        expect(keys[spelt], `${spelt} is shown`).toBe('V1');
      }
    }
  });
});

describe('统一社会信用代码 (USCC) lengths', () => {
  const inv = inv101From(parseSasPackage(fixture('npts_SentBox_INV101_Signature_Package.xml')));

  it('an INV101 DclEtpsSccd of 17 characters is refused, with the DecMessage check and wording', () => {
    const short = { ...inv, head: { ...inv.head, DclEtpsSccd: '91441900796227760', InputCreditCode: '9144190079622776067' } };
    const problems = validateInv101(short);
    expect(problems).toEqual([
      { path: 'InvtHeadType.DclEtpsSccd', zh: 'DclEtpsSccd须为18位统一社会信用代码', en: 'DclEtpsSccd must be an 18-character USCC' },
      {
        path: 'InvtHeadType.InputCreditCode',
        zh: 'InputCreditCode须为18位统一社会信用代码',
        en: 'InputCreditCode must be an 18-character USCC',
      },
    ]);
    const dec = parseDecMessage(example);
    dec.head.TradeCoScc = '91441900796227760';
    expect(validateDecMessage(dec).filter((p) => p.path === 'DecHead.TradeCoScc')).toEqual([
      { path: 'DecHead.TradeCoScc', zh: 'TradeCoScc须为18位统一社会信用代码', en: 'TradeCoScc must be an 18-character USCC' },
    ]);
  });

  it('every USCC field of the head is checked; empty ones are not', () => {
    for (const f of ['BizopEtpsSccd', 'RvsngdEtpsSccd', 'CorrEntryDclEtpsSccd', 'RltEntryBizopEtpsSccd', 'RltEntryDclEtpsSccd'])
      expect(validateInv101({ ...inv, head: { ...inv.head, [f]: '9144' } }).map((p) => p.path)).toEqual([`InvtHeadType.${f}`]);
    expect(validateInv101({ ...inv, head: { ...inv.head, RltEntryRvsngdEtpsSccd: '' } })).toEqual([]);
  });
});

describe('SM2/SM3 signature of a Package', () => {
  const card = sm2KeyPair();
  const key = card.privateKey;
  const xml = fixture('npts_SentBox_INV101_Signature_Package.xml');

  it('signs the Package; the signature verifies with the card key and names the card', () => {
    const signed = signSasPackage(xml, { privateKey: key, keyName: '8950000000002' });
    expect(signed).toContain('xmldsig#sm2-sm3');
    expect(verifySasPackage(signed, card.publicKeyPem)).toEqual({ ok: true, keyName: '8950000000002' });
    // formatting does not matter, content does
    expect(verifySasPackage(signed.replace(/\n\s+/g, '\n'), card.publicKeyPem).ok).toBe(true);
    const tampered = signed.replace('<PutrecNo>C520719A0404</PutrecNo>', '<PutrecNo>C520719A0405</PutrecNo>');
    expect(verifySasPackage(tampered, card.publicKeyPem)).toMatchObject({ ok: false, reason: 'DigestValue does not match the Package' });
    expect(verifySasPackage(signed, sm2KeyPair().publicKeyPem).ok).toBe(false);
  });

  it('an unsigned Package does not verify', () => {
    expect(verifySasPackage(fixture('sas_INV201_receipt.xml'), card.publicKeyPem).ok).toBe(false);
  });
});

describe('manual data push format (OSWEMS01 stock, OSWEMS02 incremental)', () => {
  const envelope = sasEnvelope({
    messageId: 'PUSH000001',
    messageType: MANUAL_INCREMENTAL_TYPE,
    senderId: 'DXPEDCEMS0000001',
    receiverId: 'DXPESW5300000002',
    at: new Date('2026-11-21T02:00:00Z'),
  });
  const data: ManualData = {
    kind: 'incremental',
    manualNo: 'E53002600001',
    version: 4,
    head: { BizopEtpsno: '4403960002', BizopEtpsNm: '深圳市华南进出口贸易有限公司', MasterCuscd: '5300' },
    imgs: [
      {
        serial: 31,
        mark: '3',
        fields: { GdsMtno: 'M-031', Gdecd: '8541100000', GdsNm: '二极管', GdsSpcfModelDesc: 'SOD-123', DclUnitcd: '007', DclQty: '1000' },
      },
    ],
    exgs: [
      {
        serial: 2,
        mark: '1',
        fields: { GdsMtno: 'P-002', Gdecd: '8517620000', GdsNm: '智能手表', GdsSpcfModelDesc: '型号2', DclUnitcd: '007', DclQty: '800' },
      },
    ],
  };

  it('builds a Package that reads back as the same data', () => {
    const xml = buildManualData(data, envelope);
    expect(xml).toContain('<message_type>OSWEMS02</message_type>');
    expect(xml).toContain('<business_id>E53002600001</business_id>');
    const back = parseManualData(xml);
    expect(back.data).toEqual(data);
    expect(validateManualData(back.data)).toEqual([]);
  });

  it('a stock snapshot holds at most 10,000 rows per type, all unchanged', () => {
    const rows = Array.from({ length: STOCK_ROWS_LIMIT + 1 }, (_, i) => ({
      serial: i + 1,
      mark: '0' as const,
      fields: { Gdecd: '8541100000' },
    }));
    const problems = validateManualData({ ...data, kind: 'stock', imgs: rows, exgs: [{ serial: 1, mark: '3', fields: {} }] });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['EmsImgList.EmsImg', 'EmsExgList.EmsExg[1].ModfMarkcd']));
  });

  it('property: any rows survive build → parse', () => {
    const safe = fc.array(fc.constantFrom('料', '件', '&', '<', 'A', '1', '-', ' '), { maxLength: 10 }).map((a) => a.join('').trim());
    const item = fc.record({
      serial: fc.integer({ min: 1, max: 99999 }),
      mark: fc.constantFrom('0', '1', '2', '3' as const),
      fields: fc.record({ GdsNm: safe, DclQty: safe }),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.array(item, { maxLength: 8 }), (imgs, exgs) => {
        const d = { ...data, imgs, exgs } as ManualData;
        expect(parseManualData(buildManualData(d, envelope)).data).toEqual(d);
      }),
      { numRuns: 100 },
    );
  });
});
