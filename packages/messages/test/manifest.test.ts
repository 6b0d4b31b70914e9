import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/helpers.js';
import {
  buildManifest,
  buildManifestResponse,
  buildPlatImpRet,
  checkManifestCodes,
  checkManifestLayout,
  declarationPath,
  MANIFEST_FUNCTION_CODES,
  MANIFEST_MESSAGE_ID_PATTERN,
  MANIFEST_MESSAGE_TYPES,
  MANIFEST_RESPONSE_NAMESPACE,
  MANIFEST_SENDER_ID_PATTERN,
  MANIFEST_STATEMENT_CODES,
  manifestMessageId,
  manifestMessageTypeInfo,
  manifestNamespace,
  manifestSenderClientId,
  manifestSenderId,
  manifestSenderIdProblem,
  manifestStatementInfo,
  manifestTree,
  parseManifest,
  parseManifestResponse,
  parsePlatImpRet,
  platImpRetMissingMessageType,
  validateManifest,
  validateManifestResponse,
  validatePlatImpRet,
  type ManifestHead,
  type ManifestInput,
} from '../src/families/manifest.js';
import { MessageRejected } from '../src/errors.js';
import { quickSniff, sniffXml, validateMessage } from '../src/index.js';
import type { XNode } from '../src/tree.js';

const fixture = () => readFileSync(path.join(FIXTURES, 'mft_MT2101_manifest_unresolved_repo.xml'), 'utf8');

/** A Head as an enterprise sends it, for a given type. */
function headFor(type: string, when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))): ManifestHead {
  const sender = manifestSenderId('4201', '101115245', 'DXPESW0000003241');
  return {
    MessageID: manifestMessageId(type, sender, when),
    FunctionCode: '9',
    MessageType: type,
    SenderID: sender,
    ReceiverID: 'EPORT',
    SendTime: '20260102110405006',
    Version: '1.0',
  };
}

describe('the real MT2101 fixture', () => {
  it('parses as an MT2101 with its Head fields and namespace', () => {
    const m = parseManifest(fixture());
    expect(m.namespace).toBe('urn:Declaration:datamodel:standard:CN:MT2101:1');
    expect(m.head).toEqual({
      MessageID: 'CN_MT2101_1p1_4201101115245_20180903113640022',
      FunctionCode: '9',
      MessageType: 'MT2101',
      SenderID: '4201101115245_SWS0000000002_SW61000020170331_@',
      ReceiverID: 'EPORT',
      SendTime: '20180519113649890',
      Version: '1.0',
    });
  });

  it('keeps the Declaration tree: order, nesting and the CurrencyTypeCode attribute', () => {
    const m = parseManifest(fixture());
    expect(m.declaration!.map((c) => c.name)).toEqual([
      'RepresentativePerson',
      'ExitCustomsOffice',
      'Agent',
      'Carrier',
      'BorderTransportMeans',
      'Consignment',
      'AdditionalInformation',
    ]);
    expect(declarationPath(m, 'BorderTransportMeans', 'JourneyID')?.text).toBe('CL12');
    expect(declarationPath(m, 'Consignment', 'TransportContractDocument', 'ID')?.text).toBe('201805');
    expect(declarationPath(m, 'Consignment', 'TransportContractDocument', 'Consolidator', 'ID')?.text).toBe('4201100004245');
    const value = declarationPath(m, 'Consignment', 'ValueAmount')!;
    expect(value.attrs).toEqual({ CurrencyTypeCode: 'AED' });
    expect(value.text).toBe('999');
    // the real misspelling-like name is kept as is
    expect(declarationPath(m, 'Consignment', 'ConsignmentPackaging', 'QuantityQuantity')?.text).toBe('999');
  });

  it('round-trips: parse → build → parse is equal for every element', () => {
    const first = parseManifest(fixture());
    const built = buildManifest(first);
    expect(built).toContain('<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT2101:1">');
    expect(built).toContain('<ValueAmount CurrencyTypeCode="AED">999</ValueAmount>');
    expect(parseManifest(built)).toEqual(first);
    // and building again is byte-stable
    expect(buildManifest(parseManifest(built))).toBe(built);
  });

  it('passes validation', () => {
    expect(validateManifest(parseManifest(fixture()))).toEqual([]);
  });

  it('is refused as a manifest when the root is something else', () => {
    expect(() => parseManifest('<DecMessage/>')).toThrow(MessageRejected);
  });
});

describe('building each manifest message type', () => {
  const bodies: Record<string, () => XNode[]> = {
    MT1101: () =>
      manifestTree({
        DeclarationOfficeID: '2200',
        BorderTransportMeans: { JourneyID: '0NE1SE1MA', TypeCode: '1', ID: 'UN9321483', Name: 'MAERSK 马士基' },
        Consignment: [
          {
            TransportContractDocument: { ID: 'BL001' },
            ValueAmount: { '@': { CurrencyTypeCode: 'USD' }, '#': '12.50' },
            TransportEquipment: [{ EquipmentIdentification: { ID: 'MSKU1234565' } }, { EquipmentIdentification: { ID: 'MSKU7654321' } }],
          },
          { TransportContractDocument: { ID: 'BL002' }, AdditionalInformation: { Content: 'A & B <fragile>' } },
        ],
      }),
    MT2101: () => parseManifest(fixture()).declaration!,
    MT3101: () =>
      manifestTree({
        DeclarationOfficeID: '2225',
        Consignment: {
          TransportContractDocument: { ID: 'BL003' },
          TransportEquipment: { EquipmentIdentification: { ID: 'TGHU0000001' }, SealID: { '@': { AgencyCode: 'CA' }, '#': 'SEAL1' } },
        },
        UnloadingLocation: { ID: 'CNSHA/2225', ArrivalDate: '20260102' },
      }),
    MT4101: () =>
      manifestTree({
        Carrier: { ID: 'MSK' },
        BorderTransportMeans: { JourneyID: '001E', TypeCode: '1', ID: 'UN9321483', Name: 'MAERSK' },
        Consignment: [{ TransportContractDocument: { ID: 'BL004' }, LoadingLocation: { ID: 'CNSHA/2225', LoadingDate: '20260102120000' } }],
        AdditionalInformation: { Content: '装载 DCTDL:MSADL' },
      }),
    MT5101: () =>
      manifestTree({
        DeclarationOfficeID: '2225',
        BorderTransportMeans: { JourneyID: '001W', TypeCode: '1', ActualDateTime: '20260102080000', CompletedDateTime: '20260102180000' },
        TallyParty: { ID: 'TALLY01', Contact: { Name: '理货员' } },
        Consignment: { TransportContractDocument: { ID: 'BL005' }, ConsignmentPackaging: { QuantityQuantity: '10', TypeCode: 'CT' } },
      }),
  };

  for (const [type, body] of Object.entries(bodies)) {
    it(`${type} (${manifestMessageTypeInfo(type)!.zh}) is written under its namespace and round-trips`, () => {
      const input: ManifestInput = { head: headFor(type), declaration: body() };
      const xml = buildManifest(input);
      expect(xml).toContain(`<Manifest xmlns="${manifestNamespace(type)}">`);
      const parsed = parseManifest(xml);
      expect(parsed.head).toEqual(input.head);
      expect(parsed.namespace).toBe(manifestNamespace(type));
      expect(parsed.declaration).toEqual(input.declaration);
      expect(parseManifest(buildManifest(parsed))).toEqual(parsed);
      expect(validateManifest(parsed)).toEqual([]);
    });
  }

  it('repeated elements stay in order with their own children', () => {
    const m = parseManifest(buildManifest({ head: headFor('MT1101'), declaration: bodies.MT1101() }));
    const consignments = m.declaration!.filter((c) => c.name === 'Consignment');
    expect(consignments.map((c) => c.children[0].children[0].text)).toEqual(['BL001', 'BL002']);
    const boxes = consignments[0].children.filter((c) => c.name === 'TransportEquipment');
    expect(boxes.map((b) => b.children[0].children[0].text)).toEqual(['MSKU1234565', 'MSKU7654321']);
    expect(consignments[1].children[1].children[0].text).toBe('A & B <fragile>');
  });

  it('a prefixed manifest is read and written back under the default namespace', () => {
    const xml = `<?xml version="1.0"?><m:Manifest xmlns:m="urn:Declaration:datamodel:standard:CN:MT3101:1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><m:Head><m:MessageID>x</m:MessageID><m:MessageType>MT3101</m:MessageType></m:Head><m:Declaration><m:DeclarationOfficeID>2225</m:DeclarationOfficeID></m:Declaration></m:Manifest>`;
    const m = parseManifest(xml);
    expect(m.namespace).toBe(manifestNamespace('MT3101'));
    expect(m.rootAttributes).toEqual({ 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' });
    const again = parseManifest(buildManifest(m));
    expect(again).toEqual(m);
    expect(declarationPath(again, 'DeclarationOfficeID')?.text).toBe('2225');
  });

  it.skipIf(!existsSync('/usr/bin/xmllint'))('the built XML is well-formed and namespace-correct for xmllint too', () => {
    for (const [type, body] of Object.entries(bodies)) {
      const xml = buildManifest({ head: headFor(type), declaration: body() });
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Manifest')).toBe(true);
      expect(() => execFileSync('/usr/bin/xmllint', ['--noout', '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow();
    }
  });
});

describe('MessageID and SenderID rules', () => {
  it('SenderID is customs area 4 + organisation code 9 + _DXPESW + the client digits', () => {
    expect(manifestSenderId('0100', '123456789', 'DXPESW0000000001')).toBe('0100123456789_DXPESW0000000001');
    expect(manifestSenderId('4201', '10111524X', '0000003241')).toBe('420110111524X_DXPESW0000003241');
    expect(MANIFEST_SENDER_ID_PATTERN.test(manifestSenderId('5300', 'MA1W6AK72', '0000000042'))).toBe(true);
  });

  it('SenderID parts of the wrong form are refused', () => {
    expect(() => manifestSenderId('420', '101115245', '0000003241')).toThrow(RangeError);
    expect(() => manifestSenderId('4201', '10111524', '0000003241')).toThrow(RangeError);
    expect(() => manifestSenderId('4201', '101115245', 'DXPENT0000003241')).toThrow(RangeError);
    expect(() => manifestSenderId('4201', '101115245', '123')).toThrow(RangeError);
  });

  it('MessageID is CN_<type>_1p1_<filing code>_<China time to the millisecond>', () => {
    const when = new Date('2018-09-03T03:36:40.022Z'); // 11:36:40.022 in China
    expect(manifestMessageId('MT2101', '4201101115245_SWS0000000002_SW61000020170331_@', when)).toBe(
      'CN_MT2101_1p1_4201101115245_20180903113640022',
    );
    expect(manifestMessageId('MT1101', manifestSenderId('0100', '123456789', '0000000001'), when)).toBe(
      'CN_MT1101_1p1_0100123456789_20180903113640022',
    );
    expect(manifestMessageId('MT2201', '4712666767427_47001002', when, '1P0')).toBe('CN_MT2201_1P0_4712666767427_20180903113640022');
    expect(MANIFEST_MESSAGE_ID_PATTERN.test(manifestMessageId('MT5101', '0100123456789', when))).toBe(true);
  });

  it('MessageID refuses a message type that is not MT + 4 characters', () => {
    expect(() => manifestMessageId('2101', '0100123456789', new Date())).toThrow(RangeError);
  });
});

describe('FAQ 17: the SenderID customs takes', () => {
  it('the import client’s form and the channels real messages came through pass', () => {
    for (const ok of [
      '0100123456789_DXPESW0000000001',
      '0100123456789_DXPENT0000000001',
      '4201101115245_SWS0000000002_SW61000020170331_@',
      '4712666767427_47001002',
      '53001234567AB_DXPESW5300000001',
    ])
      expect(manifestSenderIdProblem(ok), ok).toBeUndefined();
  });

  it('a SenderID without the filing code, without its channel, with a wrong client id or customs area is refused', () => {
    const refused: [string, string][] = [
      ['0100123456789DXPESW0000000001', '发送方代码须为关区4位+组织机构代码9位+_DXPESW+客户端ID'],
      ['0100123456789_', '发送方代码须为'],
      ['0100123456789', '发送方代码须为'],
      ['010012345678_DXPESW0000000001', '发送方代码须为'],
      ['0100123456789__DXPESW0000000001', '发送方代码须为'],
      ['0100123456789_DXPESW 0000000001', '发送方代码须为'],
      ['0100123456789_DXPESW12345', '客户端ID须为DXPESW加10位数字'],
      ['0100123456789_dxpesw0000000001', '客户端ID须为DXPESW加10位数字'],
      ['0100123456789_DXPESW0000000001_1', '客户端ID须为DXPESW加10位数字'],
      ['9301123456789_DXPESW0000000001', '关区[9301]不属于关区代码表中的任何直属海关'],
    ];
    for (const [senderId, zh] of refused) {
      const p = manifestSenderIdProblem(senderId);
      expect(p?.zh, senderId).toContain(zh);
      expect(p?.en, senderId).toMatch(/^Head\.SenderID/);
    }
    expect(manifestSenderClientId('0100123456789_DXPESW0000000001')).toBe('DXPESW0000000001');
    expect(manifestSenderClientId('4201101115245_SWS0000000002_SW61000020170331_@')).toBeUndefined();
  });

  it('a manifest’s currencies are ISO 4217 codes (the real MT2101’s AED passes)', () => {
    const real = parseManifest(readFileSync(path.join(FIXTURES, 'mft_MT2101_manifest_unresolved_repo.xml'), 'utf8'));
    expect(checkManifestCodes(real)).toEqual([]);
    const bad = parseManifest(
      readFileSync(path.join(FIXTURES, 'mft_MT2101_manifest_unresolved_repo.xml'), 'utf8').replace(
        'CurrencyTypeCode="AED"',
        'CurrencyTypeCode="RMB"',
      ),
    );
    expect(checkManifestCodes(bad)).toEqual([
      {
        path: 'Declaration.Consignment.ValueAmount@CurrencyTypeCode',
        zh: '币制(CurrencyTypeCode)[RMB]不是ISO 4217货币代码',
        en: 'CurrencyTypeCode RMB is not an ISO 4217 currency code',
      },
    ]);
  });
});

describe('FAQ 17: element order and empty values', () => {
  const problems = (xml: string) => validateMessage(xml).problems.map((p) => `${p.path}: ${p.zh}`);

  it('the real MT2101 is in schema order and has no empty element; so is every type built here', () => {
    expect(checkManifestLayout(parseManifest(fixture()))).toEqual([]);
    expect(validateMessage(fixture()).problems).toEqual([]);
    for (const x of readdirSync(FIXTURES).filter((f) => f.startsWith('mft_')))
      expect(validateMessage(readFileSync(path.join(FIXTURES, x), 'utf8')).problems, x).toEqual([]);
  });

  it('an element out of the schema order is refused, naming the element and the one it must precede', () => {
    // Consignor moved before Consignee; Name before JourneyID in BorderTransportMeans
    const consignee = /<Consignee>[\s\S]*?<\/Consignee>\s*/.exec(fixture())![0];
    const swapped = fixture()
      .replace(consignee, '')
      .replace(/(<\/Consignor>\s*)/, `$1${consignee}`)
      .replace('<JourneyID>CL12</JourneyID>', '')
      .replace('<Name>OOOO</Name>', '<Name>OOOO</Name><JourneyID>CL12</JourneyID>');
    expect(problems(swapped)).toEqual([
      'Declaration.BorderTransportMeans.JourneyID: 元素顺序不符合报文格式(XSD)：JourneyID须在Name之前',
      'Declaration.Consignment.Consignee: 元素顺序不符合报文格式(XSD)：Consignee须在Consignor之前',
    ]);
    const p = validateMessage(swapped).problems[1];
    expect(p.en).toBe("Consignee must come before Consignor (the manifest schema's element order)");
  });

  it('Head fields out of order are refused too; elements the table does not know are neither placed nor refused', () => {
    const head = fixture().replace('<MessageID>CN_MT2101_1p1_4201101115245_20180903113640022</MessageID>', '');
    const late = head.replace(
      '<Version>1.0</Version>',
      '<Version>1.0</Version><MessageID>CN_MT2101_1p1_4201101115245_20180903113640022</MessageID>',
    );
    expect(problems(late)).toEqual(['Head.MessageID: 元素顺序不符合报文格式(XSD)：MessageID须在Version之前']);
    // building writes the Head in order again
    expect(validateMessage(buildManifest(parseManifest(late))).problems).toEqual([]);
    const unknown = fixture().replace('<Carrier>', '<TallyParty><ID>T1</ID></TallyParty><Carrier>');
    expect(problems(unknown)).toEqual([]);
  });

  it('an element present with an empty value (<X></X>, <X/>, spaces) is refused, naming its path', () => {
    const bad = fixture()
      .replace('<CityName>M1</CityName>', '<CityName></CityName>')
      .replace('<AEO>MM</AEO>', '<AEO/>')
      .replace('<Content>BBBBBB101</Content>', '<Content>   </Content>')
      .replace('<ValueAmount CurrencyTypeCode="AED">999</ValueAmount>', '<ValueAmount CurrencyTypeCode="AED"></ValueAmount>')
      .replace('<ReceiverID>EPORT</ReceiverID>', '<ReceiverID></ReceiverID>');
    expect(problems(bad)).toEqual([
      'Head.ReceiverID: 接收方代码不能为空',
      'Declaration.Consignment.ValueAmount: ValueAmount的值为空(不填的元素须删去，不能留空元素)',
      'Declaration.Consignment.Consignee.Address.CityName: CityName的值为空(不填的元素须删去，不能留空元素)',
      'Declaration.Consignment.Consignor.AEO: AEO的值为空(不填的元素须删去，不能留空元素)',
      'Declaration.AdditionalInformation.Content: Content的值为空(不填的元素须删去，不能留空元素)',
    ]);
    expect(validateMessage(bad).problems[1].en).toBe(
      'Declaration.Consignment.ValueAmount is empty: give it a value or leave the element out',
    );
  });

  it('repeated elements are named by their index', () => {
    const m = parseManifest(fixture());
    const consignment = m.declaration!.find((c) => c.name === 'Consignment')!;
    const second: XNode = {
      ...consignment,
      children: consignment.children.map((c) => (c.name === 'GrossVolumeMeasure' ? { ...c, text: '' } : c)),
    };
    const declaration = m.declaration!.flatMap((c) => (c === consignment ? [consignment, second] : [c]));
    expect(checkManifestLayout({ declaration }).map((p) => p.path)).toEqual(['Declaration.Consignment[2].GrossVolumeMeasure']);
  });
});

describe('validation', () => {
  it('reports every problem at once, each with its path', () => {
    const problems = validateManifest({
      namespace: manifestNamespace('MT1101'),
      head: {
        MessageID: 'CN_MT1101_1p1_0100123456789_2026',
        FunctionCode: '7',
        MessageType: 'MT2101',
        SenderID: 'nobody',
        SendTime: '2026-01-02',
        Version: '',
      },
      declaration: null,
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual([
      'Manifest@xmlns',
      'Head.MessageID',
      'Head.FunctionCode',
      'Head.SenderID',
      'Head.ReceiverID',
      'Head.SendTime',
      'Head.Version',
      'Declaration',
    ]);
    for (const p of problems) {
      expect(p.zh.length).toBeGreaterThan(0);
      expect(p.en.length).toBeGreaterThan(0);
    }
  });

  it('a missing MessageType is reported, and MessageID must agree with MessageType and SenderID', () => {
    const head = headFor('MT2101');
    expect(validateManifest({ head: { ...head, MessageType: undefined }, declaration: [] }).map((p) => p.path)).toEqual([
      'Head.MessageType',
    ]);
    const wrong = validateManifest({ head: { ...head, MessageType: 'MT1101' }, declaration: [] });
    expect(wrong.map((p) => p.path)).toEqual(['Head.MessageID']);
    expect(wrong[0].en).toContain('MT2101');
    const otherSender = validateManifest({
      head: { ...head, SenderID: manifestSenderId('5300', '123456789', '0000000001') },
      declaration: [],
    });
    expect(otherSender.map((p) => p.path)).toEqual(['Head.MessageID']);
  });

  it('FunctionCode 11 is a customs response code, not something an enterprise sends', () => {
    expect(MANIFEST_FUNCTION_CODES['11'].sentBy).toBe('customs');
    expect(validateManifest({ head: { ...headFor('MT2101'), FunctionCode: '11' }, declaration: [] }).map((p) => p.path)).toEqual([
      'Head.FunctionCode',
    ]);
    for (const code of ['2', '3', '5', '9', '0'])
      expect(validateManifest({ head: { ...headFor('MT2101'), FunctionCode: code }, declaration: [] })).toEqual([]);
  });
});

describe('statement codes', () => {
  it('every code has Chinese, English and a group, and the table has no duplicates', () => {
    const codes = MANIFEST_STATEMENT_CODES.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const s of MANIFEST_STATEMENT_CODES) {
      expect(s.zh).toMatch(/\p{Script=Han}/u);
      expect(s.en.length).toBeGreaterThan(0);
      expect(['accepted', 'reviewing', 'refused', 'released', 'held', 'error']).toContain(s.group);
    }
  });

  it('looks codes up by value', () => {
    expect(manifestStatementInfo('01')).toMatchObject({ zh: '海关接受申报', group: 'accepted' });
    expect(manifestStatementInfo('02')?.group).toBe('reviewing');
    expect(manifestStatementInfo('03')).toMatchObject({ zh: '海关退单', group: 'refused' });
    expect(manifestStatementInfo('11')?.group).toBe('released');
    expect(manifestStatementInfo('12')?.group).toBe('held');
    expect(manifestStatementInfo('13')).toMatchObject({ zh: '海关禁卸', group: 'held' });
    expect(manifestStatementInfo('-900517')).toMatchObject({ zh: '报文中不存在MessageType端点', group: 'error', from: 'platform' });
    expect(manifestStatementInfo('99')).toBeUndefined();
  });

  it('MT4101 is the loading manifest and MT5101 the import tally report', () => {
    expect(manifestMessageTypeInfo('MT4101')?.zh).toBe('水运装载舱单');
    expect(manifestMessageTypeInfo('MT5101')?.zh).toBe('水运进口理货报告');
    expect(new Set(MANIFEST_MESSAGE_TYPES.map((t) => t.type)).size).toBe(MANIFEST_MESSAGE_TYPES.length);
  });
});

describe('platform import response PlatImpRet', () => {
  it('a manifest without MessageType is answered with -900517 and the Head it had', () => {
    const head = headFor('MT2101');
    const xml = platImpRetMissingMessageType(head);
    expect(xml).toContain('<PlatImpRet>');
    expect(xml).toContain('<StatementCode>-900517</StatementCode>');
    expect(xml).not.toContain('<MessageType>');
    const r = parsePlatImpRet(xml);
    expect(r.manifest.head.MessageID).toBe(head.MessageID);
    expect(r.manifest.head.MessageType).toBeUndefined();
    expect(r.manifest.statementCode).toBe('-900517');
    expect(r.manifest.statementDescription).toBe('报文中不存在MessageType端点');
    expect(r.manifest.outcome?.group).toBe('error');
    expect(r.manifest.namespace).toBe(MANIFEST_RESPONSE_NAMESPACE);
  });

  it('round-trips exactly', () => {
    const xml = buildPlatImpRet({
      head: { MessageID: 'CN_MT1101_1p1_0100123456789_20260102110405006', FunctionCode: '9', MessageType: 'MT1101' },
      statementCode: 'E1',
      statementDescription: '数据中心入库成功',
    });
    const r = parsePlatImpRet(xml);
    expect(r.manifest.outcome?.group).toBe('accepted');
    expect(buildPlatImpRet(r.manifest)).toBe(xml);
  });

  it('refuses other roots', () => {
    expect(() => parsePlatImpRet('<Root><failCode>C18</failCode></Root>')).toThrow(MessageRejected);
    expect(() => parsePlatImpRet('<PlatImpRet><RetBizData/></PlatImpRet>')).toThrow(/RetBizData\/Manifest/);
  });
});

describe('customs response MTRES4', () => {
  const responseHead: ManifestHead = {
    MessageID: 'SEA_2200132238475_2020111315',
    FunctionCode: '11',
    MessageType: 'MT2101',
    SenderID: '2200',
    ReceiverID: '2200132208081',
    SendTime: '20201104075460000',
    Version: '1.0',
  };

  it('01 (accepted) builds and parses with consignments and the statement', () => {
    const xml = buildManifestResponse({
      head: responseHead,
      borderTransportMeans: { JourneyID: '111315', ID: 'UN111315' },
      consignments: [
        {
          transportContractId: 'HDM30111315',
          associatedTransportId: '',
          responseType: { Code: '01', Text: '21301 预配舱单主要数据传输成功。' },
        },
      ],
      statementCode: '01',
      statementDescription: '海关接受申报',
    });
    expect(xml).toContain(`<Manifest xmlns="${MANIFEST_RESPONSE_NAMESPACE}">`);
    const r = parseManifestResponse(xml);
    expect(r.head).toEqual(responseHead);
    expect(r.borderTransportMeans).toEqual({ JourneyID: '111315', ID: 'UN111315' });
    expect(r.consignments).toEqual([
      {
        transportContractId: 'HDM30111315',
        associatedTransportId: '',
        responseType: { Code: '01', Text: '21301 预配舱单主要数据传输成功。' },
      },
    ]);
    expect(r.statementCode).toBe('01');
    expect(r.outcome).toMatchObject({ group: 'accepted', zh: '海关接受申报' });
    expect(buildManifestResponse(r)).toBe(xml);
  });

  it('03 (refused) on the response level is read as the outcome', () => {
    const xml = buildManifestResponse({ head: responseHead, responseType: { Code: '03', Text: '海关退单：提单号重复' } });
    const r = parseManifestResponse(xml);
    expect(r.statementCode).toBeUndefined();
    expect(r.responseType).toEqual({ Code: '03', Text: '海关退单：提单号重复' });
    expect(r.outcomeCode).toBe('03');
    expect(r.outcome?.group).toBe('refused');
    expect(buildManifestResponse(r)).toBe(xml);
  });

  it('a per-consignment code decides when nothing else does', () => {
    const r = parseManifestResponse(
      buildManifestResponse({ head: responseHead, consignments: [{ transportContractId: 'B1', responseType: { Code: '02' } }] }),
    );
    expect(r.outcome?.group).toBe('reviewing');
  });
});

// ------------------------------------------------------------------------------------------
// property tests

/** Text that survives XML: no control characters, no surrounding whitespace (values are trimmed). */
const safeText = fc
  .array(
    fc.oneof(
      fc.constantFrom('&', '<', '>', '"', "'", '中', '国', '舱', '单', ' ', '-', '/', '_', '#', '@', ']]>'),
      fc.string({ minLength: 1, maxLength: 3 }).filter((s) => /^[\x20-\x7e]+$/.test(s)),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join('').trim());

const nameArb = fc.constantFrom(
  'ID',
  'Name',
  'JourneyID',
  'TypeCode',
  'Content',
  'Line',
  'CityName',
  'QuantityQuantity',
  'CargoDescription',
);
const groupArb = fc.constantFrom('Consignment', 'TransportEquipment', 'ConsignmentItem', 'Consignee', 'Address', 'Commodity');

const leafArb: fc.Arbitrary<XNode> = fc
  .record({ name: nameArb, text: safeText, attr: fc.option(safeText, { nil: undefined }) })
  .map(({ name, text, attr }): XNode => ({
    name,
    prefix: '',
    attrs: attr === undefined ? {} : { CurrencyTypeCode: attr },
    children: [],
    text,
  }));

const treeArb: fc.Arbitrary<XNode[]> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc
      .record({ name: groupArb, kids: tie('kids') as fc.Arbitrary<XNode[]> })
      .map(({ name, kids }) => ({ name, prefix: '', attrs: {}, children: kids }) as XNode),
  ),
  kids: fc.array(tie('node') as fc.Arbitrary<XNode>, { minLength: 1, maxLength: 4 }),
})).kids as fc.Arbitrary<XNode[]>;

describe('property: build → parse round trip', () => {
  it('any manifest built from safe strings (Chinese, &, <) reads back equal', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('MT1101', 'MT2101', 'MT3101', 'MT4101', 'MT5101'),
        safeText,
        safeText,
        treeArb,
        (type, receiver, version, declaration) => {
          const input: ManifestInput = { head: { ...headFor(type), ReceiverID: receiver, Version: version }, declaration };
          const parsed = parseManifest(buildManifest(input));
          expect(parsed.head).toEqual(input.head);
          expect(parsed.declaration).toEqual(declaration);
          expect(parseManifest(buildManifest(parsed))).toEqual(parsed);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('any MTRES4 response reads back equal', () => {
    fc.assert(
      fc.property(safeText, safeText, fc.constantFrom(...MANIFEST_STATEMENT_CODES.map((s) => s.code)), (bill, text, code) => {
        const xml = buildManifestResponse({
          head: { MessageID: 'M1', FunctionCode: '11' },
          consignments: [{ transportContractId: bill, responseType: { Code: code, Text: text } }],
          statementCode: code,
          statementDescription: text,
        });
        const r = parseManifestResponse(xml);
        expect(r.consignments).toEqual([{ transportContractId: bill, responseType: { Code: code, Text: text } }]);
        expect(r.statementDescription).toBe(text);
        expect(buildManifestResponse(r)).toBe(xml);
      }),
      { numRuns: 100 },
    );
  });
});

describe('replies are checked as replies (MTRES4, MT5101 replies, PlatImpRet)', () => {
  /** As the sandbox writes it: the manifest's Head echoed, SenderID EPORT, ResponseType and statement. */
  const sandboxReply = (type: string) => {
    const h = headFor(type);
    return buildManifestResponse({
      head: { ...h, SenderID: 'EPORT', ReceiverID: h.SenderID },
      responseType: { Code: '01', Text: '海关接受申报' },
      statementCode: '01',
      statementDescription: '海关接受申报',
    });
  };
  /** As customs writes it (the Flink job sample): FunctionCode 11, its own MessageID, one consignment. */
  const customsReply = (type: string) =>
    buildManifestResponse({
      head: {
        MessageID: 'SEA_2200132238475_2020111315',
        FunctionCode: '11',
        MessageType: type,
        SenderID: '2200',
        ReceiverID: '2200132208081',
        SendTime: '20201104075460000',
        Version: '1.0',
      },
      borderTransportMeans: { JourneyID: '111315', ID: 'UN111315' },
      consignments: [{ transportContractId: 'HDM30111315', associatedTransportId: '', responseType: { Code: '01', Text: '23删除13' } }],
    });

  for (const type of ['MT2101', 'MT5101', 'MT9999']) {
    it(`a reply to ${type} is an MTRES4 and has no problems, where the manifest rules would find some`, () => {
      for (const xml of [sandboxReply(type), customsReply(type)]) {
        expect(validateMessage(xml)).toEqual({ family: 'manifest', messageType: 'MTRES4', rulesApplied: true, problems: [] });
        expect(sniffXml(xml).keys.MessageType).toBe(type);
        expect(quickSniff(Buffer.from(xml))).toEqual({ family: 'manifest', root: 'Manifest', messageType: 'MTRES4' });
        // the enterprise rules are the wrong ones for it: no Declaration, MTRES4 namespace
        expect(validateManifest(parseManifest(xml)).map((p) => p.path)).toEqual(expect.arrayContaining(['Manifest@xmlns', 'Declaration']));
      }
    });
  }

  it('a reply written without namespace is known by its Response; a manifest without namespace stays a manifest', () => {
    const bare = sandboxReply('MT5101').replace(` xmlns="${MANIFEST_RESPONSE_NAMESPACE}"`, '');
    expect(validateMessage(bare)).toMatchObject({ messageType: 'MTRES4', problems: [] });
    expect(quickSniff(Buffer.from(bare)).messageType).toBe('MTRES4');
    const manifest = fixture().replace(/ xmlns="[^"]*"/, '');
    expect(sniffXml(manifest).messageType).toBe('MT2101');
    expect(quickSniff(Buffer.from(manifest)).messageType).toBe('MT2101');
  });

  it('a reply missing what a reply always carries lists every problem with its path', () => {
    const xml = buildManifestResponse({
      namespace: manifestNamespace('MT2101'),
      head: { MessageID: '', FunctionCode: '77', MessageType: 'X1', SendTime: '2020' },
      consignments: [{ transportContractId: '', responseType: { Code: '' } }],
    });
    expect(validateManifestResponse(parseManifestResponse(xml)).map((p) => p.path)).toEqual([
      'Manifest@xmlns',
      'Head.MessageID',
      'Head.MessageType',
      'Head.FunctionCode',
      'Head.SenderID',
      'Head.ReceiverID',
      'Head.SendTime',
      'Head.Version',
      'Response.AdditionalInformation.StatementCode',
      'Response.Consignment[1].TransportContractDocument.ID',
      'Response.Consignment[1].ResponseType.Code',
    ]);
    expect(validateManifestResponse(parseManifestResponse(buildManifestResponse({ head: headFor('MT2101') }))).map((p) => p.path)).toEqual([
      'Response',
    ]);
  });

  it('PlatImpRet: E1 and -900517 answers pass; a missing StatementCode or a MessageType beside -900517 does not', () => {
    const head = headFor('MT2101');
    const e1 = buildPlatImpRet({ head, statementCode: 'E1', statementDescription: '数据中心入库成功' });
    expect(validateMessage(e1)).toEqual({ family: 'import-response', messageType: 'PlatImpRet', rulesApplied: true, problems: [] });
    expect(validateMessage(platImpRetMissingMessageType(head)).problems).toEqual([]);
    const at = 'PlatImpRet.RetBizData.Manifest';
    expect(
      validatePlatImpRet(parsePlatImpRet(buildPlatImpRet({ head: { MessageID: 'x' }, statementDescription: 'n' }))).map((p) => p.path),
    ).toEqual([`${at}.Response.AdditionalInformation.StatementCode`]);
    expect(validatePlatImpRet(parsePlatImpRet(buildPlatImpRet({ head, statementCode: '-900517' }))).map((p) => p.path)).toEqual([
      `${at}.Head.MessageType`,
    ]);
    expect(
      validatePlatImpRet(parsePlatImpRet(buildPlatImpRet({ head: { MessageID: 'x' }, statementCode: 'E2' }))).map((p) => p.path),
    ).toEqual([`${at}.Head.MessageType`]);
  });

  it("the English MessageID problem names the message's own type", () => {
    const bad = { head: { ...headFor('MT5101'), MessageID: 'CN_BAD' }, declaration: [] };
    const problem = validateManifest(bad).find((p) => p.path === 'Head.MessageID');
    expect(problem?.en).toBe('Head.MessageID must look like CN_MT5101_1p1_<filing code>_<yyyyMMddHHmmssfff>, got CN_BAD');
    const untyped = validateManifest({ head: { ...bad.head, MessageType: undefined }, declaration: [] }).find(
      (p) => p.path === 'Head.MessageID',
    );
    expect(untyped?.en).toContain('CN_<MessageType>_1p1_');
  });
});
