import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/helpers.js';
import { decodeXml, parseDecImportResponse, parseDecResult, parseFailureRoot, sniffBytes, MessageRejected } from '../src/index.js';

const read = (name: string) => readFileSync(path.join(FIXTURES, name));

describe('real messages from the field are read exactly', () => {
  const expected: Record<string, { family: string; root: string; messageType: string; keys: Record<string, string> }> = {
    'dec_Successed_DecImportResponse.xml': {
      family: 'import-response',
      root: 'DecImportResponse',
      messageType: 'DecImportResponse',
      keys: { ResponseCode: '0', ClientSeqNo: 'E52072019122319225343', SeqNo: 'E20190000357524667' },
    },
    'dec_Failed_DecImportResponse.xml': {
      family: 'import-response',
      root: 'DecImportResponse',
      messageType: 'DecImportResponse',
      keys: { ResponseCode: '1', ClientSeqNo: 'E52072019122319204282' },
    },
    'dec_Receipt_DEC_RESULT_channel7.xml': {
      family: 'declaration-receipt',
      root: 'DEC_RESULT',
      messageType: 'DEC_RESULT',
      keys: { CUS_CIQ_NO: 'E20190000357086783', ENTRY_ID: '', CHANNEL: '7' },
    },
    'dec_Receipt_DEC_RESULT_channelP_released.xml': {
      family: 'declaration-receipt',
      root: 'DEC_RESULT',
      messageType: 'DEC_RESULT',
      keys: { CUS_CIQ_NO: 'E20190000357086783', ENTRY_ID: '520720190579438584', CHANNEL: 'P' },
    },
    'dec_DEC_DATA_receipt_legacy_unresolved_repo.xml': {
      family: 'declaration-receipt',
      root: 'DEC_DATA',
      messageType: 'DEC_RESULT',
      keys: { SEQ_NO: '000000001398639573', CHANNEL: '7' },
    },
    'sas_Successed_INV101_CommonResponeMessage.xml': {
      family: 'import-response',
      root: 'CommonResponeMessage',
      messageType: 'CommonResponeMessage',
      keys: { SeqNo: '202400000122534496', EtpsPreentNo: '278792851A', DealFlag: '0' },
    },
    'sas_Failed_SAS121_CommonResponeMessage.xml': {
      family: 'import-response',
      root: 'CommonResponeMessage',
      messageType: 'CommonResponeMessage',
      keys: { EtpsPreentNo: '浙B2M765', DealFlag: '-1' },
    },
    'sas_INV201_receipt.xml': {
      family: 'sas',
      root: 'Package',
      messageType: 'INV201',
      keys: {
        message_id: 'CUS0000E0100002024073011480300878902307',
        businessId: 'QD311124E000098849',
        manageResult: '4',
        bondInvtNo: 'QD311124E000098849',
        invtPreentNo: '202400000122717119',
        etpsInnerInvtNo: 'COSU6391946850D',
        putrecNo: 'T3111W000076',
      },
    },
    'sas_INV202_receipt.xml': {
      family: 'sas',
      root: 'Package',
      messageType: 'INV202',
      keys: { entrySeqNo: 'E20240001310220743', invPreentNo: '202400000122534496' },
    },
    'sas_SAS223_receipt.xml': {
      family: 'sas',
      root: 'Package',
      messageType: 'SAS223',
      keys: {
        passportNo: 'Z3111E240726000000000456',
        sasPassportPreentNo: '202400000069405902',
        etpsPreentNo: '202400000069405902',
        manageResult: '1',
      },
    },
    'npts_SentBox_INV101_Signature_Package.xml': {
      family: 'sas',
      root: 'Signature',
      messageType: 'INV101',
      keys: {
        message_id: 'QDI52072019112514155240',
        sender_id: 'DXPESW0000003241',
        EtpsInnerInvtNo: 'QDI52072019112514155240',
        DelcareFlag: '0',
      },
    },
    'npts_Failed_Root_C18_rabbitmq.xml': {
      family: 'failure',
      root: 'Root',
      messageType: 'Root',
      keys: { resultFlag: '0', failCode: 'C18' },
    },
    'mft_MT2101_manifest_unresolved_repo.xml': {
      family: 'manifest',
      root: 'Manifest',
      messageType: 'MT2101',
      keys: { MessageID: 'CN_MT2101_1p1_4201101115245_20180903113640022', FunctionCode: '9' },
    },
    'ceb_CEB311Message_order.xml': {
      family: 'ceb',
      root: 'CEB311Message',
      messageType: 'CEB311',
      keys: { guid: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94', orderNo: 'order20160321116421002' },
    },
    'ceb_CEB312Message_order_receipt.xml': {
      family: 'ceb',
      root: 'CEB312Message',
      messageType: 'CEB312',
      keys: { returnStatus: '2', orderNo: 'order20160321116420545' },
    },
    'ceb_CEB622Message_inventory_receipt.xml': {
      family: 'ceb',
      root: 'CEB622Message',
      messageType: 'CEB622',
      keys: { preNo: 'B20160512000001882', returnStatus: '1' },
    },
  };

  it('covers every file in fixtures/real', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [file, want] of Object.entries(expected)) {
    it(`sniffs ${file}`, () => {
      const got = sniffBytes(read(file));
      expect(got.family).toBe(want.family);
      expect(got.root).toBe(want.root);
      expect(got.messageType).toBe(want.messageType);
      expect(got.keys).toMatchObject(want.keys);
    });
  }

  it('reads DecImportResponse fields, SeqNo optional', () => {
    expect(parseDecImportResponse(decodeXml(read('dec_Successed_DecImportResponse.xml')))).toEqual({
      responseCode: '0',
      errorMessage: '暂存成功',
      clientSeqNo: 'E52072019122319225343',
      seqNo: 'E20190000357524667',
      trnPreId: undefined,
    });
    const failed = parseDecImportResponse(decodeXml(read('dec_Failed_DecImportResponse.xml')));
    expect(failed.seqNo).toBeUndefined();
    expect(failed.errorMessage).toBe('暂存失败：商品序号1：,出口享惠情况填制不规范（尚未与最终目的国签署并实施优惠贸易安排）');
  });

  it('reads DEC_RESULT and the legacy DEC_DATA form', () => {
    const p = parseDecResult(decodeXml(read('dec_Receipt_DEC_RESULT_channelP_released.xml')));
    expect(p).toMatchObject({
      cusCiqNo: 'E20190000357086783',
      entryId: '520720190579438584',
      channel: 'P',
      note: ';报关单放行',
      customMaster: '5207',
      dDate: '2019-12-23T21:36:33',
      legacy: false,
    });
    const legacy = parseDecResult(decodeXml(read('dec_DEC_DATA_receipt_legacy_unresolved_repo.xml')));
    expect(legacy).toMatchObject({
      cusCiqNo: '000000001398639573',
      channel: '7',
      noticeDate: '20180208T15032200',
      customMaster: '5317',
      legacy: true,
      resultInfo: '',
    });
  });

  it('reads the C18 failure Root with its CDATA text intact', () => {
    const f = parseFailureRoot(decodeXml(read('npts_Failed_Root_C18_rabbitmq.xml')));
    expect(f.failCode).toBe('C18');
    expect(f.failInfo).toContain('RabbitMQ 发送报文时发生错误');
    expect(f.failInfo).toContain('RabbitMQ.Client.Impl.Frame.ReadFrom');
  });

  it('refuses what is not a message with a failCode', () => {
    const codeOf = (b: Buffer) => {
      try {
        sniffBytes(b);
        return 'accepted';
      } catch (e) {
        return (e as MessageRejected).code;
      }
    };
    expect(codeOf(Buffer.alloc(0))).toBe('C901');
    expect(codeOf(Buffer.from('<a><b></a>'))).toBe('C902');
    expect(codeOf(Buffer.from('<Unknown/>'))).toBe('C903');
  });

  it('decodes GB2312/GBK declared files', () => {
    const gbk = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="GB2312"?><DEC_RESULT><NOTE>'),
      Buffer.from([0xb7, 0xc5, 0xd0, 0xd0]),
      Buffer.from('</NOTE></DEC_RESULT>'),
    ]);
    expect(decodeXml(gbk)).toContain('<NOTE>放行</NOTE>');
  });
});

import { quickSniff, parseTree, normalizeTree, treeToElement, writeXml, inspectMessage, writeZip } from '../src/index.js';

describe('every real fixture, generically', () => {
  for (const file of readdirSync(FIXTURES).sort()) {
    it(`${file}: the element tree re-serialises to XML that parses back equal`, () => {
      const tree = parseTree(decodeXml(read(file)));
      const again = parseTree(writeXml(treeToElement(tree)));
      expect(normalizeTree(again)).toEqual(normalizeTree(tree));
      expect(again).toEqual(tree);
    });
    it(`${file}: quick sniff (no full parse) agrees with the full sniff`, () => {
      const quick = quickSniff(read(file));
      const full = sniffBytes(read(file));
      expect(quick).toEqual({ family: full.family, root: full.root, messageType: full.messageType });
    });
  }

  it('a ZIP is inspected through its XML entry', async () => {
    const zip = await writeZip([
      { name: 'r.xml', data: read('dec_Successed_DecImportResponse.xml') },
      { name: 'a.pdf', data: Buffer.from('%PDF') },
    ]);
    const got = await inspectMessage(zip);
    expect(got.family).toBe('import-response');
    expect(got.zip).toEqual({ xml: 'r.xml', attachments: [{ name: 'a.pdf', size: 4 }] });
  });
});

describe('encodings', () => {
  const gbkBody = Buffer.from([0xb7, 0xc5, 0xd0, 0xd0]); // 放行 in GBK
  it('reads GBK and GB18030 files that declare it', () => {
    for (const enc of ['GBK', 'GB18030', 'gb2312']) {
      const x = Buffer.concat([
        Buffer.from(`<?xml version="1.0" encoding="${enc}"?><DEC_RESULT><CUS_CIQ_NO>E1</CUS_CIQ_NO><NOTE>`),
        gbkBody,
        Buffer.from('</NOTE></DEC_RESULT>'),
      ]);
      expect(sniffBytes(x).keys.NOTE).toBe('放行');
    }
  });
  it('says clearly when the bytes do not match the declared encoding (C911)', () => {
    const lying = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?><DEC_RESULT><NOTE>'),
      gbkBody,
      Buffer.from('</NOTE></DEC_RESULT>'),
    ]);
    let err: MessageRejected | undefined;
    try {
      sniffBytes(lying);
    } catch (e) {
      err = e as MessageRejected;
    }
    expect(err?.code).toBe('C911');
    expect(err?.message).toContain('GB18030');
    expect(() => decodeXml(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><a/>'))).toThrow(/不支持的报文编码/);
  });
});
