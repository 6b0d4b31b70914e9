import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXTURES, sm2KeyPair } from '../../../test/helpers.js';
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
  parseSasPackage,
  sasEnvelope,
  sasReceiptFrom,
  signSasPackage,
  STOCK_ROWS_LIMIT,
  validateInv101,
  validateManualData,
  verifySasPackage,
  type ManualData,
} from '../src/index.js';

const fixture = (n: string) => decodeXml(readFileSync(path.join(FIXTURES, n)));

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
