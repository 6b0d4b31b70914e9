import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CEB_FIXTURES, CEB_XSD_EXPORT, CEB_XSD_IMPORT, cebSchemaProblems, FIXTURES, sm2KeyPair, tempDir } from '../../../test/helpers.js';
import {
  buildCeb,
  CEB_DECLARED_STATUS,
  CEB_FORMAT_REFUSAL_STATUS,
  CEB_RECEIPT_SPECS,
  cebDeclaredSections,
  cebReceiptSpec,
  cebReceiptSpecOf,
  cebReturnKeys,
  cebReturnMessage,
  cebReturnWords,
  CEB_RETURN_STATUS,
  cebFormatRefusal,
  cebDigestCanonical,
  cebInventories,
  cebInventoryMessage,
  cebInventoryReturnMessage,
  cebInventoryReturns,
  cebOrderMessage,
  cebOrderReturnMessage,
  cebOrderReturns,
  cebOrders,
  cebReceipts,
  cebReturnStatus,
  cebSignedInfoCanonical,
  parseCeb,
  signCeb,
  validateCeb,
  verifyCeb,
  type CebMessage,
  type CebOrderHead,
  type CebOrderItem,
} from '../src/families/ceb.js';
import { MessageRejected } from '../src/errors.js';

const CEB = CEB_FIXTURES;
const XSD_IMPORT = CEB_XSD_IMPORT;
const XSD_EXPORT = CEB_XSD_EXPORT;

/**
 * Export samples that do not validate against the export XSD as published (fixtures/ceb-2022/README.md):
 * CEB214 (its root is `CEB214`, the schema declares `CEB214Message`), CEB303/403/505/507/509/603/605/607
 * (two `BaseTransfer` where the schema allows one), CEB792 (`SummaryResultList/gnum`, which the schema
 * does not have). They must still be read and written back unchanged.
 */
const EXPORT_INVALID_AS_PUBLISHED = ['CEB214', 'CEB303', 'CEB403', 'CEB505', 'CEB507', 'CEB509', 'CEB603', 'CEB605', 'CEB607', 'CEB792'];

const samples = (dir: 'import' | 'export') =>
  readdirSync(path.join(CEB, 'samples', dir))
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => ({ file: f, full: path.join(CEB, 'samples', dir, f) }));
const IMPORT_SAMPLES = samples('import');
const EXPORT_SAMPLES = samples('export');

/** The XSD that covers a message: every CEB message type is declared in exactly one business schema. */
function xsdFor(messageType: string): string {
  const n = Number(messageType.slice(3));
  // import: 311/312, 411/412, 511-514, 621-626, 711/712, 816/818/900; export: 2xx, 303/304, 403/404, 505-510, 603-608, 701/702/792
  const importTypes = [311, 312, 411, 412, 511, 512, 513, 514, 621, 622, 623, 624, 625, 626, 711, 712, 816, 818, 900];
  return importTypes.includes(n) ? XSD_IMPORT : XSD_EXPORT;
}

const tmp = tempDir('osw-ceb-');
afterAll(() => tmp.cleanup());

/** Runs xmllint against the official schema; returns '' when valid, else xmllint's complaint. */
const xmllint = cebSchemaProblems;

const roundTrip = (m: CebMessage) => parseCeb(buildCeb(m));

const orderHead: CebOrderHead = {
  guid: 'A1B2C3D4-0000-4000-8000-00000000311A',
  appType: '1',
  appTime: '20260115103000',
  appStatus: '2',
  orderType: 'I',
  orderNo: 'SO20260115-0001',
  ebpCode: '4403960001',
  ebpName: '深圳市跨境购电子商务有限公司',
  ebcCode: '4403960002',
  ebcName: '深圳市海淘贸易有限公司',
  goodsValue: '299.00',
  freight: '10',
  discount: '20.5',
  taxTotal: '23.86',
  acturalPaid: '312.36',
  currency: '142',
  buyerRegNo: 'buyer-8812',
  buyerName: '张三',
  buyerTelephone: '13800000000',
  buyerIdType: '1',
  buyerIdNumber: '440301199001011234',
  consignee: '张三',
  consigneeTelephone: '13800000000',
  consigneeAddress: '广东省深圳市南山区科技园 R&D 大厦 <3楼>',
  note: '',
};
const orderItem: CebOrderItem = {
  gnum: '1',
  itemNo: 'SKU-001',
  itemName: '婴儿奶粉',
  gmodel: '800g/罐',
  unit: '122',
  qty: '1',
  price: '299.00',
  totalPrice: '299.00',
  currency: '142',
  country: '502',
};
const baseTransfer = { copCode: '4403960002', copName: '深圳市海淘贸易有限公司', dxpMode: 'DXP', dxpId: 'DXPENT0000012345' };

/** A CEB311 made from typed fields given in scrambled key order. */
function builtOrder(): CebMessage {
  const scrambled = Object.fromEntries(Object.entries(orderHead).reverse()) as unknown as CebOrderHead;
  return cebOrderMessage({
    guid: 'A1B2C3D4-0000-4000-8000-00000000311A',
    orders: [{ head: scrambled, items: [orderItem, { ...orderItem, gnum: '2', itemNo: 'SKU-002' }] }],
    baseTransfer,
  });
}

describe('every official CEB 2022 sample is read and written back unchanged', () => {
  it('finds the 16 import and 23 export samples', () => {
    expect(IMPORT_SAMPLES.length).toBe(16);
    expect(EXPORT_SAMPLES.length).toBe(23);
  });

  it.each([...IMPORT_SAMPLES, ...EXPORT_SAMPLES].map((s) => [s.file, s.full]))(
    '%s: parse → build → parse gives an equal message',
    (file, full) => {
      const msg = parseCeb(readFileSync(full, 'utf8'));
      expect(msg.messageType).toBe(file.slice(0, 6));
      expect(msg.sections.length).toBeGreaterThan(0);
      expect(roundTrip(msg)).toEqual(msg);
    },
  );

  it('keeps repeated sections and rows in order, with every field', () => {
    const msg = parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB311Message.xml'), 'utf8'));
    expect(msg.sections.map((s) => s.name)).toEqual(Array(6).fill('Order'));
    expect(msg.sections[0].head?.orderNo).toBe('order20160321116421002');
    expect(Object.keys(msg.sections[0].head ?? {})).toHaveLength(30);
    expect(msg.sections[0].lists[0].rows.map((r) => r.gnum)).toEqual(['1', '2']);
    expect(msg.sections[0].lists[0].rows[0].note).toBe('');
    expect(msg.baseTransfer).toEqual({
      copCode: '1101180326',
      copName: '物流企业',
      dxpMode: 'DXP',
      dxpId: 'EXP2016522002580001',
      note: 'test',
    });
    expect(msg.signature?.signatureMethod).toBe('http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3');
    expect(msg.signature?.keyName).toBe('0001');
    expect(msg.signature?.x509Certificate).toMatch(/^MIIEWzCCA8Sg/);
  });

  it('keeps what the schema does not allow but the published samples carry (a second BaseTransfer, root CEB214)', () => {
    const c303 = parseCeb(readFileSync(path.join(CEB, 'samples/export/CEB303Message.xml'), 'utf8'));
    expect(c303.extraBaseTransfers).toHaveLength(1);
    const c214 = parseCeb(readFileSync(path.join(CEB, 'samples/export/CEB214Message.xml'), 'utf8'));
    expect(c214.messageType).toBe('CEB214');
    expect(c214.rootName).toBe('CEB214');
    expect(buildCeb(c214)).toContain('<ceb:CEB214 guid=');
  });

  it('writes the ceb: prefix, xmlns:ceb and the guid/version attributes on the root like the samples', () => {
    const xml = buildCeb(parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB312Message.xml'), 'utf8')));
    expect(xml.split('\n')[0]).toBe('<?xml version="1.0" encoding="UTF-8"?>');
    expect(xml.split('\n')[1]).toBe(
      '<ceb:CEB312Message guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0" xmlns:ceb="http://www.chinaport.gov.cn/ceb">',
    );
    expect(xml).toContain('    <ceb:returnStatus>2</ceb:returnStatus>');
  });
});

describe('the real CEB fixtures', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['ceb_CEB311Message_order.xml', 'CEB311', { orderNo: 'order20160321116421002', ebpCode: '1105910159', acturalPaid: '19050' }],
    ['ceb_CEB312Message_order_receipt.xml', 'CEB312', { orderNo: 'order20160321116420545', returnStatus: '2' }],
    ['ceb_CEB622Message_inventory_receipt.xml', 'CEB622', { preNo: 'B20160512000001882', returnStatus: '1', copNo: 'cop2016032211000' }],
  ];
  it.each(cases)('%s is read as %s with its keys and round-trips', (file, type, keys) => {
    const msg = parseCeb(readFileSync(path.join(FIXTURES, file), 'utf8'));
    expect(msg.messageType).toBe(type);
    expect(msg.guid).toBe('4CDE1CFD-EDED-46B1-946C-B8022E42FC94');
    const first = msg.sections[0];
    const fields = { ...first.head, ...first.fields };
    for (const [k, v] of Object.entries(keys)) expect(fields[k]).toBe(v);
    expect(roundTrip(msg)).toEqual(msg);
  });

  it('gives typed views of orders, inventories and receipts', () => {
    const order = parseCeb(readFileSync(path.join(FIXTURES, 'ceb_CEB311Message_order.xml'), 'utf8'));
    expect(cebOrders(order)).toHaveLength(6);
    expect(cebOrders(order)[0].head.consignee).toBe('焦洪宇');
    expect(cebOrders(order)[0].items[1].totalPrice).toBe('12000');

    const inv = parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB621Message.xml'), 'utf8'));
    expect(cebInventories(inv)).toHaveLength(10);
    expect(cebInventories(inv)[0].head.tradeMode).toBe('9610');
    expect(cebInventories(inv)[0].items[0].gcode).toBe('8541401000');

    const r312 = parseCeb(readFileSync(path.join(FIXTURES, 'ceb_CEB312Message_order_receipt.xml'), 'utf8'));
    const receipts = cebReceipts(r312);
    expect(receipts).toHaveLength(10);
    expect(receipts[0]).toMatchObject({
      kind: 'OrderReturn',
      returnStatus: '2',
      returnTime: '20160428182238000',
      returnInfo: '新增申报成功[4CDE1CFD-EDED-46B1-946C-B8022E42FC94]',
    });
    expect(receipts[0].status?.group).toBe('declared');
    expect(cebOrderReturns(r312)[0].orderNo).toBe('order20160321116420545');

    const r622 = parseCeb(readFileSync(path.join(FIXTURES, 'ceb_CEB622Message_inventory_receipt.xml'), 'utf8'));
    expect(cebReceipts(r622)[0]).toMatchObject({ kind: 'InventoryReturn', returnStatus: '1', returnInfo: '暂存' });
    expect(cebReceipts(r622)[0].status?.zh).toBe('电子口岸已暂存');
    expect(cebInventoryReturns(r622)[0].preNo).toBe('B20160512000001882');
  });

  it('refuses what is not a CEB message (C903) and what is not XML (C902)', () => {
    expect(() => parseCeb('<DecMessage/>')).toThrowError(MessageRejected);
    try {
      parseCeb('<Root><a></Root>');
    } catch (e) {
      expect((e as MessageRejected).code).toBe('C902');
    }
    try {
      parseCeb('<CEBXYZMessage/>');
    } catch (e) {
      expect((e as MessageRejected).code).toBe('C903');
    }
  });
});

describe('every CEB message we build validates against the official XSD (xmllint)', () => {
  it('a CEB900 format-check refusal: the message’s guid, returnStatus below 0 and returnInfo naming every field', () => {
    const refused = parseCeb(buildCeb(builtOrder()));
    const receipt = cebFormatRefusal({
      guid: 'A2C9E0B4-5D2F-4E8A-9C1B-2F3E4D5C6B7A',
      refused,
      problems: [
        { path: 'Order[0].OrderHead.orderNo', zh: '订单编号不能为空' },
        { path: 'Order[0].OrderList[0].gnum', zh: '商品序号须从1开始连续递增，应为1' },
      ],
      returnTime: '20261121100000000',
      oriCopMsgId: 'DXPESW5300000001202611211000000000001',
    });
    const xml = buildCeb(receipt);
    expect(xmllint(xml, XSD_IMPORT)).toBe('');
    expect(validateCeb(parseCeb(xml))).toEqual([]);
    const [r] = cebReceipts(parseCeb(xml));
    expect(r).toMatchObject({
      kind: 'MessageReturn',
      guid: refused.guid,
      returnStatus: CEB_FORMAT_REFUSAL_STATUS,
      returnInfo:
        '报文格式校验失败：Order[0].OrderHead.orderNo: 订单编号不能为空；Order[0].OrderList[0].gnum: 商品序号须从1开始连续递增，应为1',
      status: { group: 'failed' },
    });
    expect(r.fields).toMatchObject({
      oriCopMsgId: 'DXPESW5300000001202611211000000000001',
      oriMessageType: 'CEB311Message',
      oriBizMessage: '',
    });
  });

  it('a CEB311 built from typed fields, in schema order', () => {
    const xml = buildCeb(builtOrder());
    expect(xml.indexOf('<ceb:guid>')).toBeLessThan(xml.indexOf('<ceb:appType>'));
    expect(xmllint(xml, XSD_IMPORT)).toBe('');
    expect(validateCeb(parseCeb(xml))).toEqual([]);
  });

  it('a CEB621 built from typed inventories (the schema requires its signature)', () => {
    const sample = parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB621Message.xml'), 'utf8'));
    const msg = cebInventoryMessage({
      guid: 'A1B2C3D4-0000-4000-8000-00000000621A',
      inventories: cebInventories(sample).slice(0, 2),
      baseTransfer: { dxpId: 'DXPENT0000012345', dxpMode: 'DXP', copName: '测试企业', copCode: '1105910159' },
    });
    const unsigned = buildCeb(msg);
    expect(xmllint(unsigned, XSD_IMPORT)).toMatch(/Missing child element.*Signature/);
    expect(validateCeb(msg).map((p) => p.path)).toEqual(['Signature']);
    const signed = signCeb(unsigned, { privateKey: sm2KeyPair().privateKey, keyName: '8950000094247' });
    expect(xmllint(signed, XSD_IMPORT)).toBe('');
    expect(validateCeb(parseCeb(signed))).toEqual([]);
  });

  it('a CEB312 and a CEB622 receipt', () => {
    const r312 = cebOrderReturnMessage({
      guid: 'A1B2C3D4-0000-4000-8000-00000000312A',
      returns: [
        {
          returnInfo: '订单已入库',
          returnTime: '20260115103501123',
          returnStatus: '120',
          orderNo: 'SO20260115-0001',
          ebcCode: '4403960002',
          ebpCode: '4403960001',
          guid: 'A1B2C3D4-0000-4000-8000-00000000311A',
        },
      ],
    });
    expect(xmllint(buildCeb(r312), XSD_IMPORT)).toBe('');
    expect(validateCeb(r312)).toEqual([]);
    const r622 = cebInventoryReturnMessage({
      guid: 'A1B2C3D4-0000-4000-8000-00000000622A',
      returns: [
        {
          guid: 'A1B2C3D4-0000-4000-8000-00000000621A',
          customsCode: '5300',
          copNo: 'NBBH20160308005',
          preNo: 'B20260115000000001',
          invtNo: '53002026I000000001',
          returnStatus: '800',
          returnTime: '20260115120000000',
          returnInfo: '放行',
        },
      ],
    });
    expect(xmllint(buildCeb(r622), XSD_IMPORT)).toBe('');
    expect(validateCeb(r622)).toEqual([]);
    expect(cebReceipts(r622)[0].status?.group).toBe('released');
  });

  it.each(IMPORT_SAMPLES.map((s) => [s.file, s.full]))('import sample %s, rebuilt', (_file, full) => {
    const msg = parseCeb(readFileSync(full, 'utf8'));
    expect(xmllint(buildCeb(msg), xsdFor(msg.messageType))).toBe('');
  });

  it.each(EXPORT_SAMPLES.map((s) => [s.file, s.full]))('export sample %s, rebuilt, is exactly as valid as published', (file, full) => {
    const published = readFileSync(full, 'utf8');
    const msg = parseCeb(published);
    const rebuilt = xmllint(buildCeb(msg), xsdFor(msg.messageType));
    const asPublished = xmllint(published, xsdFor(msg.messageType));
    const invalid = EXPORT_INVALID_AS_PUBLISHED.includes(file.slice(0, 6));
    expect(asPublished === '').toBe(!invalid);
    expect(rebuilt === '').toBe(!invalid);
  });
});

describe('the receipts of the declared types (ceb-receipts.ts)', () => {
  it('every declared import type whose receipt the schema defines has its receipt, and nothing else', () => {
    const xsd = readFileSync(XSD_IMPORT, 'utf8');
    const types = [...xsd.matchAll(/<xs:element name="CEB(\d{3})Message">/g)].map((m) => Number(m[1]));
    const pairs = types.filter((n) => n % 2 === 1 && types.includes(n + 1)).map((n) => [`CEB${n}`, `CEB${n + 1}`]);
    expect(CEB_RECEIPT_SPECS.map((s) => [s.declared, s.receipt])).toEqual(pairs);
    for (const s of CEB_RECEIPT_SPECS) {
      // the receipt's root holds its return section, as the schema says
      const root = xsd.slice(xsd.indexOf(`<xs:element name="${s.receipt}Message">`));
      expect(root.slice(0, root.indexOf('</xs:element>'))).toContain(`ref="ceb:${s.returnSection}"`);
      expect(cebReceiptSpec(s.declared)).toBe(s);
      expect(cebReceiptSpecOf(s.receipt)).toBe(s);
    }
    expect(cebReceiptSpec('CEB816')).toBeUndefined();
    expect(cebReceiptSpec('CEB303')).toBeUndefined();
  });

  it.each(CEB_RECEIPT_SPECS.map((s) => [s.declared, s.receipt, s]))(
    '%s → %s: each step of its life, built from the official sample, validates against the XSD and carries the keys back',
    (declared, receipt, spec) => {
      const sample = parseCeb(readFileSync(path.join(CEB, 'samples/import', `${declared}Message.xml`), 'utf8'));
      const sections = cebDeclaredSections(spec, sample);
      expect(sections.length).toBeGreaterThan(0);
      for (const status of [CEB_DECLARED_STATUS, ...spec.life, '100', '-1']) {
        const msg = cebReturnMessage({
          spec,
          guid: 'A1B2C3D4-0000-4000-8000-0000000000AA',
          rows: sections.map((s, i) => ({
            keys: cebReturnKeys(spec, s, {
              preNo: `B20261130${String(i + 1).padStart(9, '0')}`,
              ...(spec.customsNo && status !== CEB_DECLARED_STATUS
                ? { [spec.customsNo]: `53002026I${String(i + 1).padStart(9, '0')}` }
                : {}),
            }),
            outcome: { returnStatus: status, returnTime: '20261130201500123', returnInfo: cebReturnWords(status) },
          })),
        });
        const xml = buildCeb(msg);
        expect(xmllint(xml, XSD_IMPORT), `${receipt} returnStatus ${status}`).toBe('');
        expect(validateCeb(parseCeb(xml))).toEqual([]);
        expect(msg.messageType).toBe(receipt);
        // schema order: the fields of each row come in the order of the receipt's rules
        const order = spec.rules.map((r) => r.name);
        for (const r of msg.sections) {
          const names = Object.keys(r.fields);
          expect(names).toEqual(order.filter((n) => names.includes(n)));
        }
        // the keys come back as declared: the document's guid, and each field the receipt shares with the declaration
        sections.forEach((s, i) => {
          const declaredFields = s.head ?? s.fields;
          const back = msg.sections[i].fields;
          expect(back.guid).toBe(declaredFields.guid);
          for (const k of ['orderNo', 'ebpCode', 'ebcCode', 'copNo', 'payCode', 'payTransactionId', 'logisticsCode', 'logisticsNo'])
            if (k in back) expect(back[k]).toBe(declaredFields[k]);
          expect(back.returnStatus).toBe(status);
          expect(back.returnTime).toBe('20261130201500123');
        });
      }
    },
  );

  it('the 清单编号 of CEB622 comes from customs, the declared one of a CEB626 only when the receipt can carry it (18 characters)', () => {
    const spec = cebReceiptSpec('CEB621')!;
    const inv = parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB621Message.xml'), 'utf8'));
    const [s] = cebDeclaredSections(spec, inv);
    expect(cebReturnKeys(spec, s, { preNo: 'B20261130000000001' })).toEqual({
      guid: s.head!.guid,
      customsCode: s.head!.customsCode,
      ebpCode: s.head!.ebpCode,
      ebcCode: s.head!.ebcCode,
      agentCode: s.head!.agentCode,
      copNo: s.head!.copNo,
      preNo: 'B20261130000000001',
    });
    expect(cebReturnKeys(spec, s, { preNo: 'B20261130000000001', invtNo: '53002026I000000001' }).invtNo).toBe('53002026I000000001');
    const refund = cebReceiptSpec('CEB625')!;
    const [r] = cebDeclaredSections(refund, parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB625Message.xml'), 'utf8')));
    expect(r.head!.invtNo).toHaveLength(17);
    expect(cebReturnKeys(refund, r, { preNo: 'B20261130000000001' })).not.toHaveProperty('invtNo');
    const cancel = cebReceiptSpec('CEB623')!;
    const [c] = cebDeclaredSections(cancel, parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB623Message.xml'), 'utf8')));
    expect(cebReturnKeys(cancel, c, { preNo: 'B20261130000000001' })).toMatchObject({
      invtNo: c.fields.invtNo,
      preNo: 'B20261130000000001',
    });
  });

  it('a receipt that cannot carry back a required key fails validateCeb and the XSD', () => {
    const spec = cebReceiptSpec('CEB621')!;
    const inv = parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB621Message.xml'), 'utf8'));
    const [s] = cebDeclaredSections(spec, inv);
    const noCopNo = { ...s, head: { ...s.head!, copNo: '' } };
    const msg = cebReturnMessage({
      spec,
      guid: 'A1B2C3D4-0000-4000-8000-0000000000AA',
      rows: [
        {
          keys: cebReturnKeys(spec, noCopNo, { preNo: 'B20261130000000001' }),
          outcome: { returnStatus: '2', returnTime: '20261130201500123', returnInfo: '电子口岸申报中' },
        },
      ],
    });
    expect(validateCeb(msg).map((p) => p.path)).toEqual(['InventoryReturn[0].copNo']);
    expect(xmllint(buildCeb(msg), XSD_IMPORT)).toMatch(/copNo/);
  });
});

describe('SM2-SM3 enveloped signature', () => {
  const card = sm2KeyPair();
  const key = card.privateKey;
  const opts = { privateKey: key, keyName: '8950000094247' };
  const unsigned = buildCeb(builtOrder());
  const signed = signCeb(unsigned, opts);

  it('signs and verifies with the card public key', () => {
    expect(verifyCeb(signed, card.publicKeyPem)).toBe(true);
    const sig = parseCeb(signed).signature!;
    expect(sig).toMatchObject({
      canonicalizationMethod: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
      signatureMethod: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3',
      referenceUri: '',
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature'],
      digestMethod: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm3',
      keyName: '8950000094247',
    });
    expect(Buffer.from(sig.digestValue, 'base64')).toHaveLength(32);
  });

  it('changing one character of the content breaks it', () => {
    expect(verifyCeb(signed.replace('SO20260115-0001', 'SO20260115-0002'), card.publicKeyPem)).toBe(false);
    expect(verifyCeb(signed.replace('<ceb:freight>10<', '<ceb:freight>11<'), card.publicKeyPem)).toBe(false);
  });

  it('changing the digest, the signature value or an algorithm breaks it', () => {
    const sig = parseCeb(signed).signature!;
    const flip = (s: string) => (s[5] === 'A' ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`);
    expect(verifyCeb(signed.replace(sig.digestValue, flip(sig.digestValue)), card.publicKeyPem)).toBe(false);
    expect(verifyCeb(signed.replace(sig.signatureValue, flip(sig.signatureValue)), card.publicKeyPem)).toBe(false);
    expect(verifyCeb(signed.replace('xmldsig#sm2-sm3', 'xmldsig#rsa-sha1'), card.publicKeyPem)).toBe(false);
  });

  it('another card key does not verify', () => {
    expect(verifyCeb(signed, sm2KeyPair().publicKeyPem)).toBe(false);
  });

  it('an unsigned message or the official sample (RSA-era signature) does not verify', () => {
    expect(verifyCeb(unsigned, card.publicKeyPem)).toBe(false);
    expect(verifyCeb(readFileSync(path.join(CEB, 'samples/import/CEB311Message.xml'), 'utf8'), card.publicKeyPem)).toBe(false);
  });

  it('a signed CEB311 still validates against the XSD (with xmldsig-core-schema)', () => {
    expect(xmllint(signed, XSD_IMPORT)).toBe('');
    expect(validateCeb(parseCeb(signed))).toEqual([]);
  });

  it('a signed CEB621 validates and verifies', () => {
    const sample = parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB621Message.xml'), 'utf8'));
    const xml = signCeb(buildCeb({ ...sample, signature: undefined }), opts);
    expect(verifyCeb(xml, card.publicKeyPem)).toBe(true);
    expect(xmllint(xml, XSD_IMPORT)).toBe('');
  });

  it('signing again replaces the signature instead of nesting it', () => {
    const twice = signCeb(signed, { ...opts, keyName: '8950000094248' });
    expect(twice.match(/<ds:Signature[\s>]/g)).toHaveLength(1);
    expect(verifyCeb(twice, card.publicKeyPem)).toBe(true);
    expect(parseCeb(twice).signature?.keyName).toBe('8950000094248');
  });

  it('a signed message survives parse → build byte for byte, and still verifies', () => {
    const rebuilt = buildCeb(parseCeb(signed));
    expect(rebuilt).toBe(signed);
    expect(verifyCeb(rebuilt, card.publicKeyPem)).toBe(true);
  });

  it('whitespace-only changes inside elements that C14N keeps do break it; attribute order does not', () => {
    expect(verifyCeb(signed.replace('<ceb:freight>10</ceb:freight>', '<ceb:freight> 10</ceb:freight>'), card.publicKeyPem)).toBe(false);
    const reordered = signed.replace(
      '<ceb:CEB311Message guid="A1B2C3D4-0000-4000-8000-00000000311A" version="1.0" xmlns:ceb="http://www.chinaport.gov.cn/ceb">',
      '<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" version="1.0"   guid="A1B2C3D4-0000-4000-8000-00000000311A">',
    );
    expect(reordered).not.toBe(signed);
    expect(verifyCeb(reordered, card.publicKeyPem)).toBe(true);
  });

  it('the canonical bytes are what docs/messages-ceb.md says', () => {
    const si = cebSignedInfoCanonical(signed);
    expect(
      si.startsWith(
        '<ds:SignedInfo xmlns:ceb="http://www.chinaport.gov.cn/ceb" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:CanonicalizationMethod>',
      ),
    ).toBe(true);
    expect(si.endsWith('</ds:Reference>\n    </ds:SignedInfo>')).toBe(true);
    const content = cebDigestCanonical(signed);
    expect(
      content.startsWith(
        '<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="A1B2C3D4-0000-4000-8000-00000000311A" version="1.0">\n  <ceb:Order>',
      ),
    ).toBe(true);
    expect(content.endsWith('</ceb:BaseTransfer>\n  \n</ceb:CEB311Message>')).toBe(true);
    expect(content).not.toContain('Signature');
    expect(content).toContain('R&amp;D 大厦 &lt;3楼&gt;');
  });

  it('carries the card certificate in X509Data and verifies with the certificate PEM', () => {
    const keyFile = path.join(tmp.dir, 'card.key.pem');
    const certFile = path.join(tmp.dir, 'card.cert.pem');
    writeFileSync(keyFile, key.export({ type: 'pkcs8', format: 'pem' }) as string);
    execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-x509',
        '-key',
        keyFile,
        '-sm3',
        '-sigopt',
        'distid:1234567812345678',
        '-subj',
        '/CN=8950000094247',
        '-days',
        '1',
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    const certPem = readFileSync(certFile, 'utf8');
    const xml = signCeb(unsigned, { ...opts, certificate: certPem });
    const cert = parseCeb(xml).signature?.x509Certificate ?? '';
    expect(certPem.replace(/-----[A-Z ]+-----|\s/g, '')).toBe(cert);
    expect(verifyCeb(xml, certPem)).toBe(true);
    expect(verifyCeb(xml, card.publicKeyPem)).toBe(true);
    expect(xmllint(xml, XSD_IMPORT)).toBe('');
  });
});

describe('validation reports every problem at once, with paths', () => {
  it('a valid built order has no problems', () => {
    expect(validateCeb(builtOrder())).toEqual([]);
  });

  it('lists missing, too long, malformed and misplaced fields together', () => {
    const msg = builtOrder();
    const head = msg.sections[0].head!;
    delete head.orderNo;
    head.ebpName = '';
    head.currency = 'RMB!';
    head.appTime = '2026-01-15';
    head.freight = '99';
    head.appType = '9';
    head.bogus = 'x';
    const rows = msg.sections[0].lists[0].rows;
    rows[1].gnum = '5';
    rows[0].qty = 'one';
    rows[1].price = '1.1234567';
    delete rows[0].itemName;
    msg.guid = 'short';
    delete msg.baseTransfer;
    const problems = validateCeb(msg);
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '@guid',
        'Order[0].OrderHead.orderNo',
        'Order[0].OrderHead.ebpName',
        'Order[0].OrderHead.currency',
        'Order[0].OrderHead.appTime',
        'Order[0].OrderList[1].price',
        'Order[0].OrderHead.appType',
        'Order[0].OrderHead.bogus',
        'Order[0].OrderHead.acturalPaid',
        'Order[0].OrderList[1].gnum',
        'Order[0].OrderList[0].qty',
        'Order[0].OrderList[0].itemName',
        'BaseTransfer',
      ]),
    );
    for (const p of problems) {
      expect(p.zh.length).toBeGreaterThan(0);
      expect(p.en.length).toBeGreaterThan(0);
    }
    expect(problems.find((p) => p.path === 'Order[0].OrderHead.orderNo')?.zh).toBe('订单编号不能为空');
    expect(problems.filter((p) => p.path === 'Order[0].OrderHead.appTime')).toHaveLength(1);
  });

  it('checks a CEB621 inventory list and its envelope', () => {
    const sample = parseCeb(readFileSync(path.join(CEB, 'samples/import/CEB621Message.xml'), 'utf8'));
    expect(validateCeb(sample)).toEqual([]);
    const inv = cebInventories(sample)[0];
    const msg = cebInventoryMessage({
      guid: sample.guid,
      inventories: [{ head: { ...inv.head, ieFlag: 'X', customsCode: '37000', declTime: '' }, items: [] }],
      baseTransfer: { copCode: '', copName: 'x', dxpMode: 'DXPX', dxpId: 'id' },
    });
    const paths = validateCeb(msg).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'Inventory[0].InventoryHead.ieFlag',
        'Inventory[0].InventoryHead.customsCode',
        'Inventory[0].InventoryHead.declTime',
        'Inventory[0].InventoryList',
        'BaseTransfer.copCode',
        'BaseTransfer.dxpMode',
      ]),
    );
  });

  it('checks receipts (CEB312/CEB622) field by field', () => {
    const msg = cebOrderReturnMessage({
      guid: 'A1B2C3D4-0000-4000-8000-00000000312A',
      returns: [{ guid: 'x', ebpCode: '1', ebcCode: '1', orderNo: 'o', returnStatus: '', returnTime: '2026', returnInfo: 'i' }],
    });
    const paths = validateCeb(msg).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['OrderReturn[0].guid', 'OrderReturn[0].returnStatus', 'OrderReturn[0].returnTime']));
  });
});

describe('returnStatus codes', () => {
  it('has each code with Chinese, English and a group', () => {
    const codes = CEB_RETURN_STATUS.map((s) => s.code);
    for (const c of ['1', '2', '3', '4', '100', '120', '300', '399', '500', '501', '502', '503', '599', '700', '800', '899'])
      expect(codes).toContain(c);
    for (const s of CEB_RETURN_STATUS) expect(s.zh && s.en && s.group).toBeTruthy();
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('looks codes up by meaning', () => {
    expect(cebReturnStatus('120')).toMatchObject({ zh: '海关入库', group: 'accepted' });
    expect(cebReturnStatus('100')?.group).toBe('refused');
    expect(cebReturnStatus('399')?.group).toBe('reviewing');
    expect(cebReturnStatus('500')?.group).toBe('inspection');
    expect(cebReturnStatus('502')?.group).toBe('held');
    expect(cebReturnStatus('800')?.group).toBe('released');
    expect(cebReturnStatus('899')?.group).toBe('closed');
    expect(cebReturnStatus('4')?.group).toBe('failed');
    expect(cebReturnStatus(' 800 ')?.code).toBe('800');
    expect(cebReturnStatus('-301010')).toMatchObject({ code: '-301010', group: 'failed', zh: '处理异常回执' });
    expect(cebReturnStatus('42')).toBeUndefined();
  });
});

describe('property: any CEB311 field values survive build → parse', () => {
  // safe strings: XML 1.0 characters, Chinese, &, <, >, quotes; no leading/trailing whitespace (values are trimmed when read)
  const chars = fc.constantFrom(...'abcXYZ0189 -_.,;:/()&<>"\'中国海关跨境电商订单号张三李四深圳'.split(''));
  const value = fc.array(chars, { minLength: 0, maxLength: 24 }).map((a) => a.join('').trim());
  const row = (keys: string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<string, fc.Arbitrary<string>>);

  it('build → parse gives the same message', () => {
    fc.assert(
      fc.property(
        row(Object.keys(orderHead)),
        fc.array(row(Object.keys(orderItem)), { minLength: 1, maxLength: 4 }),
        row(Object.keys(baseTransfer)),
        (head, items, bt) => {
          const msg = cebOrderMessage({
            guid: 'A1B2C3D4-0000-4000-8000-00000000311A',
            orders: [{ head: head as unknown as CebOrderHead, items: items as unknown as CebOrderItem[] }],
            baseTransfer: bt as typeof baseTransfer,
          });
          expect(parseCeb(buildCeb(msg))).toEqual(msg);
        },
      ),
      { numRuns: 200 },
    );
  });
});
