/** The customs sandbox: 金关二期 and manifest families on the exchange, scenario rules, chosen receipts, manual approvals. */
import { acknowledgeDeliveries, takeDeliveries } from '../src/core/exchange/outbound.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildCeb,
  buildSasPackage,
  cebReceipts,
  emptySasSignature,
  leaf,
  node,
  parseCeb,
  parseCommonResponse,
  parseManifestResponse,
  parsePlatImpRet,
  parseSasPackage,
  recordNode,
  sasReceiptFrom,
  validateMessage,
} from '@osw/messages';
import { afterEach, describe, expect, it } from 'vitest';
import { CEB_FIXTURES, cebSchemaProblems, FIXTURES, tempDir } from '../../../test/helpers.js';
import { EXCHANGE_HEADER, EXCHANGE_HTTP } from '@osw/messages/exchange';
import type { ImportAnswer } from '../src/core/exchange/accept.js';
import { CustomsSandbox } from '../src/core/sandbox/customs.js';
import { declarationPlan, REFUSAL_PATH } from '../src/core/sandbox/declarations.js';
import { loadScenario } from '../src/adapters/sandbox/scenario-file.js';
import { parseScenario } from '../src/core/sandbox/scenario.js';
import { startSandboxWorker } from '../src/core/sandbox/worker.js';
import { apiWorld, MANUAL_NO, type ApiWorld } from './api-world.js';
import { issueCard } from '../src/core/identity/registry.js';
import { example } from './push-world.js';

const inv101Fixture = readFileSync(path.join(FIXTURES, 'npts_SentBox_INV101_Signature_Package.xml'), 'utf8');
/** The real INV101 as the broker's: its operator card in IcCardNo, its 海关十位 in InputCode and OperCusRegCode (FAQ 19/20). */
function brokerInv101(card = w.broker.operatorCard, code = w.broker.code): Buffer {
  return Buffer.from(
    inv101Fixture
      .replace(/<IcCardNo>\d+<\/IcCardNo>/, `<IcCardNo>${card}</IcCardNo>`)
      .replace(/<InputCode>\d+<\/InputCode>/, `<InputCode>${code}</InputCode>`)
      .replace(/<OperCusRegCode>\d+<\/OperCusRegCode>/, `<OperCusRegCode>${code}</OperCusRegCode>`),
  );
}
/** An official CEB 2022-05 import sample (fixtures/ceb-2022/samples/import). */
const cebSample = (type: string) => readFileSync(path.join(CEB_FIXTURES, 'samples/import', `${type}Message.xml`), 'utf8');
const mt2101 = readFileSync(path.join(FIXTURES, 'mft_MT2101_manifest_unresolved_repo.xml'), 'utf8');

/**
 * An SAS121 核放单. `fields` go into the head (IcCardNo, InputCode …); `operCusRegCode` beside it in the
 * message; `real` writes it as gx-customs-bridge sends it (PassPortMessage/PassportHead) instead of
 * PassportMessage/SasPassportBsc.
 */
function sas121(rmk = '', opts: { fields?: Record<string, string>; operCusRegCode?: string; real?: boolean } = {}) {
  const head = recordNode(opts.real ? 'PassportHead' : 'SasPassportBsc', {
    EtpsPreentNo: '粤B12345',
    MasterCuscd: '5300',
    IoTypecd: 'E',
    ...opts.fields,
    Rmk: rmk,
  });
  const message = node(opts.real ? 'PassPortMessage' : 'PassportMessage', [
    ...(opts.operCusRegCode !== undefined ? [leaf('OperCusRegCode', opts.operCusRegCode)] : []),
    head,
  ]);
  return buildSasPackage({
    messageType: 'SAS121',
    envelope: {
      version: '1.0',
      business_id: '',
      message_id: 'SAS121TEST0001',
      file_name: 'SAS121TEST0001.SAS',
      message_type: 'SAS121',
      sender_id: 'DXPESW5300000001',
      receiver_id: 'DXPEDCSAS0000001',
      send_time: '2026-11-21T10:00:00',
    },
    pocket: null,
    business: [message, leaf('DelcareFlag', '1')],
    packageAttrs: {},
    signature: emptySasSignature(),
  });
}

let w: ApiWorld;
let sandbox: CustomsSandbox;
let n = 0;
afterEach(async () => w?.close());

async function world(opts: ConstructorParameters<typeof CustomsSandbox>[0] = { paceMs: 0 }) {
  sandbox = new CustomsSandbox(opts);
  w = await apiWorld({ customs: sandbox });
}

/** Posts a message to the HTTP exchange as the broker's client, the way its import client sends it; answers the import answer. */
async function send(body: string | Buffer, business: string): Promise<ImportAnswer> {
  const messageId = `${w.broker.clientId}2026112110000000${String(++n).padStart(5, '0')}`;
  const res = await w.app.inject({
    method: 'POST',
    url: EXCHANGE_HTTP.messages,
    headers: {
      authorization: 'Basic ' + Buffer.from(`${w.broker.clientId}:${w.broker.secret}`).toString('base64'),
      'content-type': 'application/octet-stream',
      [EXCHANGE_HEADER.messageId]: messageId,
      [EXCHANGE_HEADER.fileName]: encodeURIComponent(`m${n}.xml`),
      [EXCHANGE_HEADER.business]: business,
    },
    payload: Buffer.from(body),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as ImportAnswer;
}

async function runSandbox() {
  const worker = startSandboxWorker(w.deps, sandbox, { tickMs: 60_000 });
  await worker.runDue();
  await worker.stop();
  const rows = await takeDeliveries(w.deps, w.broker.clientId, 100);
  await acknowledgeDeliveries(
    w.deps,
    w.broker.clientId,
    rows.map((r) => r.id),
  );
  return rows;
}

describe('金关二期 on the exchange', () => {
  it('INV101: CommonResponeMessage DealFlag 0 with a 预录入统一编号, then INV201 审批 and INV202 生成报关单 to the sender', async () => {
    await world();
    const inv101 = brokerInv101();
    const answer = await send(inv101, 'processing-trade');
    expect(answer).toMatchObject({ accepted: true, family: 'sas' });
    const resp = parseCommonResponse(answer.responseXml);
    expect(resp).toMatchObject({ dealFlag: '0', checkInfo: '保税核注清单申报服务调用成功' });
    expect(resp.seqNo).toMatch(/^2026\d{14}$/);
    const got = await runSandbox();
    expect(got.map((g) => g.business)).toEqual(['processing-trade', 'processing-trade']);
    const receipts = got.map((g) => sasReceiptFrom(parseSasPackage(g.body)));
    expect(receipts.map((r) => r.messageType)).toEqual(['INV201', 'INV202']);
    expect(got[0].fileName).toBe(`Receipt_${receipts[0].envelope.message_id}_${/_(\d{21})\.xml$/.exec(got[0].fileName)![1]}.xml`);
    expect(receipts[0].sections[0]).toMatchObject({ name: 'HdeApprResult', fields: { etpsPreentNo: resp.seqNo, manageResult: '1' } });
    expect(receipts[0].sections[1].fields.bondInvtNo).toMatch(/^QD\d{4}26[IE]\d{9}$/);
    expect(receipts[1].sections[0].fields.entrySeqNo).toMatch(/^E2026\d{13}$/);
  });

  it('SAS121: SAS221 then SAS223; a message with #退单 gets SAS221 退单 and nothing more', async () => {
    await world();
    expect(parseCommonResponse((await send(sas121(), 'processing-trade')).responseXml)).toMatchObject({
      dealFlag: '0',
      etpsPreentNo: '粤B12345',
    });
    expect((await runSandbox()).map((g) => sasReceiptFrom(parseSasPackage(g.body)).messageType)).toEqual(['SAS221', 'SAS223']);
    await send(sas121('#退单'), 'processing-trade');
    const refused = (await runSandbox()).map((g) => sasReceiptFrom(parseSasPackage(g.body)));
    expect(refused.map((r) => r.messageType)).toEqual(['SAS221']);
    expect(refused[0].sections[0].fields).toMatchObject({ manageResult: '2', rmk: expect.stringContaining('退单') });
  });

  it('an INV101 that breaks the rules is answered DealFlag -1 with every reason, and nothing is scheduled', async () => {
    await world();
    const inv101 = brokerInv101();
    const bad = inv101.toString('utf8').replace(/<BizopEtpsno>[^<]*<\/BizopEtpsno>/, '<BizopEtpsno>x</BizopEtpsno>');
    const answer = await send(bad, 'processing-trade');
    expect(answer.accepted).toBe(false);
    expect(parseCommonResponse(answer.responseXml)).toMatchObject({ dealFlag: '-1', checkInfo: expect.stringContaining('BizopEtpsno') });
    expect(await runSandbox()).toEqual([]);
  });

  it('an INV101 whose codes are not in the customs code tables is answered DealFlag -1 naming each field; pre-2018 country codes pass', async () => {
    await world();
    const inv101 = brokerInv101().toString('utf8');
    expect(inv101).toContain('<DestinationNatcd>142</DestinationNatcd>');
    const bad = inv101
      .replace('<SupvModecd>0654</SupvModecd>', '<SupvModecd>9876</SupvModecd>')
      .replace('<DclPlcCuscd>5207</DclPlcCuscd>', '<DclPlcCuscd>9301</DclPlcCuscd>')
      .replace('<DclCurrcd>USD</DclCurrcd>', '<DclCurrcd>XYZ</DclCurrcd>')
      .replace('<DclUnitcd>035</DclUnitcd>', '<DclUnitcd>999</DclUnitcd>');
    const answer = await send(bad, 'processing-trade');
    expect(answer.accepted).toBe(false);
    expect(parseCommonResponse(answer.responseXml)).toMatchObject({
      dealFlag: '-1',
      checkInfo:
        '报文类型为INV101，InvtHeadType.SupvModecd监管方式(SupvModecd)[9876]不在监管方式代码表中；' +
        'InvtHeadType.DclPlcCuscd关区代码(DclPlcCuscd)[9301]不在关区代码表中；' +
        'InvtListType[1].DclUnitcd申报计量单位(DclUnitcd)[999]不在计量单位代码表中；' +
        'InvtListType[1].DclCurrcd币制(DclCurrcd)[XYZ]不在货币代码表中',
    });
    expect(await runSandbox()).toEqual([]);
  });

  it('FAQ 18: an INV101 with a 商品序号 twice, or a change without its 预录入统一编号, is answered DealFlag -1', async () => {
    await world();
    const inv101 = brokerInv101();
    const twice = inv101.toString('utf8').replace(/<GdsSeqno>2<\/GdsSeqno>/, '<GdsSeqno>1</GdsSeqno>');
    const a = parseCommonResponse((await send(twice, 'processing-trade')).responseXml);
    expect(a).toMatchObject({ dealFlag: '-1', checkInfo: expect.stringContaining('商品序号[1]重复(与第1项相同)') });
    const change = inv101.toString('utf8').replace(/<DclTypecd>1<\/DclTypecd>/, '<DclTypecd>2</DclTypecd>');
    const b = parseCommonResponse((await send(change, 'processing-trade')).responseXml);
    expect(b).toMatchObject({ dealFlag: '-1', checkInfo: expect.stringContaining('变更申请须填写预录入统一编号SeqNo') });
    expect(await runSandbox()).toEqual([]);
  });
});

describe('金关二期: the card and the operating enterprise (FAQ 19, 20)', () => {
  it('an INV101 whose IcCardNo is another enterprise’s, unknown, locked or expired card is answered DealFlag -1 "非白名单用户或者ic卡号不合法"', async () => {
    await world();
    const checkInfo = async (body: Buffer) => {
      const answer = await send(body, 'processing-trade');
      expect(answer.accepted).toBe(false);
      const r = parseCommonResponse(answer.responseXml);
      expect(r).toMatchObject({ dealFlag: '-1', etpsPreentNo: 'QDI52072019112514155240' });
      return r.checkInfo;
    };
    expect(await checkInfo(brokerInv101(w.owner.operatorCard))).toBe(
      `报文类型为INV101，非白名单用户或者ic卡号不合法：IC卡[${w.owner.operatorCard}]不存在或不属于发送企业[${w.broker.code}]`,
    );
    expect(await checkInfo(brokerInv101('8930000083638'))).toContain(
      '非白名单用户或者ic卡号不合法：IC卡[8930000083638]不存在或不属于发送企业',
    );
    const expiring = await issueCard(w.deps, {
      enterpriseCode: w.broker.code,
      kind: 'operator',
      pin: '12345678',
      validUntil: new Date(w.now().getTime() + 60_000),
    });
    expect(parseCommonResponse((await send(brokerInv101(expiring.cardNo), 'processing-trade')).responseXml).dealFlag).toBe('0');
    w.advance(60_000);
    expect(await checkInfo(brokerInv101(expiring.cardNo))).toBe(
      `报文类型为INV101，非白名单用户或者ic卡号不合法：IC卡[${expiring.cardNo}]已过期(有效期至2026-11-21 10:01:00)`,
    );
    for (let i = 0; i < 5; i++) await w.deps.store.identity.recordCardPinFailure(w.broker.operatorCard);
    expect(await checkInfo(brokerInv101())).toContain(`IC卡[${w.broker.operatorCard}]已锁定`);
  });

  it('an INV101 whose InputCode or OperCusRegCode is not the card’s enterprise is answered "操作卡海关十位和Session中的不相符"', async () => {
    await world();
    const answer = await send(brokerInv101(w.broker.operatorCard, w.owner.code), 'processing-trade');
    expect(parseCommonResponse(answer.responseXml)).toMatchObject({
      dealFlag: '-1',
      checkInfo:
        `报文类型为INV101，操作卡海关十位和Session中的不相符：InvtHeadType.InputCode[${w.owner.code}]不是IC卡所属企业[${w.broker.code}]；` +
        `操作卡海关十位和Session中的不相符：InvtMessage.OperCusRegCode[${w.owner.code}]不是IC卡所属企业[${w.broker.code}]`,
    });
    // the real file as it is: another enterprise's card and 海关十位 (4419986507)
    expect(parseCommonResponse((await send(Buffer.from(inv101Fixture), 'processing-trade')).responseXml).checkInfo).toContain(
      '非白名单用户或者ic卡号不合法',
    );
    expect(await runSandbox()).toEqual([]);
  });

  it('an SAS121 核放单 is held to the same: its IcCardNo white-listed, its InputCode and OperCusRegCode the card’s enterprise', async () => {
    await world();
    const refusal = async (body: string) => {
      const answer = await send(body, 'processing-trade');
      expect(answer.accepted).toBe(false);
      const r = parseCommonResponse(answer.responseXml);
      expect(r).toMatchObject({ dealFlag: '-1', etpsPreentNo: '粤B12345' });
      return r.checkInfo;
    };
    // FAQ 19: no card named, so the sending client's enterprise stands for the card's
    expect(await refusal(sas121('', { fields: { InputCode: w.owner.code }, operCusRegCode: w.owner.code }))).toBe(
      `报文类型为SAS121，操作卡海关十位和Session中的不相符：SasPassportBsc.InputCode[${w.owner.code}]不是IC卡所属企业[${w.broker.code}]；` +
        `操作卡海关十位和Session中的不相符：PassportMessage.OperCusRegCode[${w.owner.code}]不是IC卡所属企业[${w.broker.code}]`,
    );
    // the layout a real bridge sends: PassPortMessage/PassportHead
    expect(await refusal(sas121('', { real: true, operCusRegCode: w.owner.code }))).toBe(
      `报文类型为SAS121，操作卡海关十位和Session中的不相符：PassPortMessage.OperCusRegCode[${w.owner.code}]不是IC卡所属企业[${w.broker.code}]`,
    );
    // FAQ 20: another enterprise's card, an unknown card, a locked card
    expect(await refusal(sas121('', { fields: { IcCardNo: w.owner.operatorCard } }))).toBe(
      `报文类型为SAS121，非白名单用户或者ic卡号不合法：IC卡[${w.owner.operatorCard}]不存在或不属于发送企业[${w.broker.code}]`,
    );
    expect(await refusal(sas121('', { fields: { IcCardNo: '8930000083638' } }))).toContain('IC卡[8930000083638]不存在或不属于发送企业');
    expect(await runSandbox()).toEqual([]);
    // the broker's own card and 海关十位, in either layout, pass and go on to SAS221/SAS223
    const own = { fields: { IcCardNo: w.broker.operatorCard, InputCode: w.broker.code }, operCusRegCode: w.broker.code };
    for (const real of [false, true])
      expect(parseCommonResponse((await send(sas121('', { ...own, real }), 'processing-trade')).responseXml).dealFlag, `real ${real}`).toBe(
        '0',
      );
    expect((await runSandbox()).map((g) => sasReceiptFrom(parseSasPackage(g.body)).messageType).sort()).toEqual([
      'SAS221',
      'SAS221',
      'SAS223',
      'SAS223',
    ]);
    for (let i = 0; i < 5; i++) await w.deps.store.identity.recordCardPinFailure(w.broker.operatorCard);
    expect(await refusal(sas121('', own))).toBe(`报文类型为SAS121，非白名单用户或者ic卡号不合法：IC卡[${w.broker.operatorCard}]已锁定`);
  });
});

describe('manifests on the exchange', () => {
  it('MT2101: PlatImpRet E1, then the customs response with StatementCode 01; #退单 gives 03; no MessageType gives -900517', async () => {
    await world();
    const ok = await send(mt2101, 'manifest-sea-air');
    expect(ok.accepted).toBe(true);
    expect(parsePlatImpRet(ok.responseXml).manifest).toMatchObject({ statementCode: 'E1' });
    const [r1] = await runSandbox();
    const resp = parseManifestResponse(r1.body);
    expect(resp).toMatchObject({ statementCode: '01', outcome: { group: 'accepted' } });
    // customs answers with its own function code 11 (通关回执), not the manifest's 9
    expect(resp.head).toMatchObject({
      FunctionCode: '11',
      MessageType: 'MT2101',
      ReceiverID: '4201101115245_SWS0000000002_SW61000020170331_@',
    });
    expect(r1.fileName).toMatch(new RegExp(`^Receipt_${resp.head.MessageID}_\\d{21}\\.xml$`));
    // the sandbox's replies pass `osw message validate` as replies
    expect(validateMessage(r1.body)).toMatchObject({ family: 'manifest', messageType: 'MTRES4', rulesApplied: true, problems: [] });
    expect(validateMessage(ok.responseXml)).toMatchObject({ messageType: 'PlatImpRet', rulesApplied: true, problems: [] });
    // the remark where the schema has it (AdditionalInformation last in Declaration): in another place it is refused on import
    await send(mt2101.replace('<Content>BBBBBB101</Content>', '<Content>#退单</Content>'), 'manifest-sea-air');
    expect(parseManifestResponse((await runSandbox())[0].body)).toMatchObject({ statementCode: '03', outcome: { group: 'refused' } });
    const noType = await send(mt2101.replace(/<(\w+:)?MessageType>[^<]*<\/(\w+:)?MessageType>/, ''), 'manifest-sea-air');
    expect(noType.accepted).toBe(false);
    expect(parsePlatImpRet(noType.responseXml).manifest.statementCode).toBe('-900517');
    expect(validateMessage(noType.responseXml).problems).toEqual([]);
  });
});

describe('manifests refused as customs refuses them', () => {
  const withSender = (senderId: string) => mt2101.replace(/<SenderID>[^<]*<\/SenderID>/, `<SenderID>${senderId}</SenderID>`);

  it('FAQ 17: a SenderID not 关区4位+组织机构代码+_DXPESW+客户端ID is answered PlatImpRet E2 naming it; the real channels and the sending client’s id pass', async () => {
    await world();
    const refusal = async (senderId: string) => {
      const answer = await send(withSender(senderId), 'manifest-sea-air');
      expect(answer.accepted).toBe(false);
      const r = parsePlatImpRet(answer.responseXml).manifest;
      expect(r.statementCode).toBe('E2');
      return r.statementDescription;
    };
    const digits = w.broker.clientId.slice(6);
    expect(await refusal(`4201101115245DXPESW${digits}`)).toBe(
      `数据中心入库失败：Head.SenderID 发送方代码须为关区4位+组织机构代码9位+_DXPESW+客户端ID（如0100123456789_DXPESW0000000001），实为 4201101115245DXPESW${digits}`,
    );
    expect(await refusal('4201101115245_DXPESW12345')).toContain(
      'Head.SenderID 发送方代码中的客户端ID须为DXPESW加10位数字，实为 DXPESW12345',
    );
    expect(await refusal('4201101115245_')).toContain('Head.SenderID 发送方代码须为关区4位+组织机构代码9位');
    expect(await refusal('420110111524_DXPESW0000000001')).toContain('Head.SenderID 发送方代码须为');
    expect(await refusal(`4201101115245_DXPESW${digits}_X`)).toContain('客户端ID须为DXPESW加10位数字');
    expect(await refusal('4201101115245_DXPESW0000009999')).toContain(
      `Head.SenderID 发送方代码中的客户端ID[DXPESW0000009999]不是发送报文的客户端[${w.broker.clientId}]`,
    );
    // a customs area no 直属海关 of the 关区代码表 has (the MessageID's filing code follows the SenderID's)
    const unknownArea = mt2101.replaceAll('4201101115245', '9301101115245');
    const a = await send(unknownArea, 'manifest-sea-air');
    expect(parsePlatImpRet(a.responseXml).manifest.statementDescription).toContain(
      '发送方代码中的关区[9301]不属于关区代码表中的任何直属海关',
    );
    expect(await runSandbox()).toEqual([]);
    // the import client's own form, and the fixture's Single Window channel as customs took it
    for (const senderId of [`4201101115245_DXPESW${digits}`, '4201101115245_SWS0000000002_SW61000020170331_@', '4201101115245_47001002'])
      expect((await send(withSender(senderId), 'manifest-sea-air')).accepted, senderId).toBe(true);
  });

  it('a currency that is not ISO 4217 is taken by the data centre (E1) and refused by customs: StatementCode 03 naming the field', async () => {
    await world();
    const bad = mt2101.replace('CurrencyTypeCode="AED"', 'CurrencyTypeCode="XYZ"');
    const ok = await send(bad, 'manifest-sea-air');
    expect(parsePlatImpRet(ok.responseXml).manifest.statementCode).toBe('E1');
    const [r] = await runSandbox();
    const resp = parseManifestResponse(r.body);
    expect(resp).toMatchObject({
      statementCode: '03',
      outcome: { group: 'refused' },
      statementDescription:
        '海关退单：Declaration.Consignment.ValueAmount@CurrencyTypeCode 币制(CurrencyTypeCode)[XYZ]不是ISO 4217货币代码',
    });
    expect(resp.head.FunctionCode).toBe('11');
    // osw message validate finds the same
    expect(validateMessage(bad).problems.map((p) => p.path)).toEqual(['Declaration.Consignment.ValueAmount@CurrencyTypeCode']);
  });

  it('FAQ 17: an element out of schema order or present with an empty value is answered PlatImpRet E2 naming each; nothing goes to customs', async () => {
    await world();
    const bad = mt2101
      .replace('<Carrier>\n      <ID>MM</ID>\n    </Carrier>\n', '')
      .replace('<Agent>', '<Carrier><ID>MM</ID></Carrier><Agent>')
      .replace('<GrossVolumeMeasure>9</GrossVolumeMeasure>', '<GrossVolumeMeasure/>');
    expect(bad).not.toBe(mt2101);
    const answer = await send(bad, 'manifest-sea-air');
    expect(answer.accepted).toBe(false);
    const r = parsePlatImpRet(answer.responseXml).manifest;
    expect(r.statementCode).toBe('E2');
    expect(r.statementDescription).toBe(
      '数据中心入库失败：Declaration.Agent 元素顺序不符合报文格式(XSD)：Agent须在Carrier之前；' +
        'Declaration.Consignment.GrossVolumeMeasure GrossVolumeMeasure的值为空(不填的元素须删去，不能留空元素)',
    );
    expect(await runSandbox()).toEqual([]);
    // osw message validate finds the same two
    expect(validateMessage(bad).problems.map((p) => p.path)).toEqual(['Declaration.Agent', 'Declaration.Consignment.GrossVolumeMeasure']);
  });
});

describe('CEB (跨境电商) on the exchange', () => {
  const ceb311 = readFileSync(path.join(FIXTURES, 'ceb_CEB311Message_order.xml'), 'utf8');

  it('a CEB311 that breaks the schema rules is answered CEB900 with a negative returnStatus and returnInfo naming each field', async () => {
    await world();
    const bad = ceb311.replace(/<ceb:orderNo>[^<]*<\/ceb:orderNo>/, '<ceb:orderNo></ceb:orderNo>');
    const answer = await send(bad, 'ceb');
    expect(answer).toMatchObject({ accepted: false, family: 'ceb' });
    const receipt = parseCeb(answer.responseXml);
    expect(receipt.messageType).toBe('CEB900');
    expect(receipt.guid).toMatch(/^[0-9A-F-]{36}$/);
    const [ret] = receipt.sections;
    expect(ret.name).toBe('MessageReturn');
    expect(ret.fields).toMatchObject({
      guid: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94',
      returnStatus: '-1',
      returnInfo: expect.stringMatching(/^报文格式校验失败：Order\[0\]\.OrderHead\.orderNo: /),
      returnTime: expect.stringMatching(/^\d{17}$/),
      oriCopMsgId: expect.stringMatching(/^DXPESW/),
      oriMessageType: 'CEB311Message',
    });
    expect(cebReceipts(receipt)[0].status).toMatchObject({ group: 'failed' });
    expect(await runSandbox()).toEqual([]);
  });

  it('a CEB311 that passes: CEB312 returnStatus 2 as the import answer, then 120 海关入库 and 399 海关审结 to the sender', async () => {
    await world();
    const answer = await send(ceb311, 'ceb');
    expect(answer).toMatchObject({ accepted: true, family: 'ceb', documentKey: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94' });
    expect(cebSchemaProblems(answer.responseXml)).toBe('');
    const first = parseCeb(answer.responseXml);
    expect(first.messageType).toBe('CEB312');
    expect(first.guid).not.toBe('4CDE1CFD-EDED-46B1-946C-B8022E42FC94');
    const keys = {
      guid: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94',
      ebpCode: '1105910159',
      ebcCode: '1105910159',
      orderNo: 'order20160321116421002',
    };
    // one OrderReturn per Order (the fixture holds six), in order
    expect(first.sections).toHaveLength(6);
    expect(first.sections[0].fields).toEqual({
      ...keys,
      returnStatus: '2',
      returnTime: expect.stringMatching(/^\d{17}$/),
      returnInfo: '电子口岸申报中',
    });
    const got = await runSandbox();
    expect(got.map((g) => g.business)).toEqual(['ceb', 'ceb']);
    for (const g of got) {
      expect(cebSchemaProblems(g.body)).toBe('');
      expect(g.fileName).toMatch(/^Receipt_DXPEDCCEB0000002DXPESW\d+_\d{21}\.xml$/);
    }
    const receipts = got.map((g) => parseCeb(g.body));
    expect(receipts.map((r) => r.messageType)).toEqual(['CEB312', 'CEB312']);
    expect(receipts.map((r) => r.sections.length)).toEqual([6, 6]);
    expect(receipts.map((r) => r.sections[0].fields)).toEqual([
      { ...keys, returnStatus: '120', returnTime: expect.stringMatching(/^\d{17}$/), returnInfo: '海关入库' },
      { ...keys, returnStatus: '399', returnTime: expect.stringMatching(/^\d{17}$/), returnInfo: '海关审结' },
    ]);
    // a resend of the same message id gets the stored answer and no second set of receipts
    const again = await w.app.inject({
      method: 'POST',
      url: EXCHANGE_HTTP.messages,
      headers: {
        authorization: 'Basic ' + Buffer.from(`${w.broker.clientId}:${w.broker.secret}`).toString('base64'),
        'content-type': 'application/octet-stream',
        [EXCHANGE_HEADER.messageId]: `${w.broker.clientId}2026112110000000${String(n).padStart(5, '0')}`,
        [EXCHANGE_HEADER.fileName]: encodeURIComponent(`m${n}.xml`),
        [EXCHANGE_HEADER.business]: 'ceb',
      },
      payload: Buffer.from(ceb311),
    });
    expect(again.json()).toMatchObject({ duplicate: true, responseXml: answer.responseXml });
    expect(await runSandbox()).toEqual([]);
  });

  it('a CEB621 清单: CEB622 2 (1 for a 暂存 Inventory) with the 预录入编号, then 120 with the 清单编号 and 800 放行 for the declared ones; all valid against the XSD', async () => {
    await world();
    const answer = await send(cebSample('CEB621'), 'ceb');
    expect(answer).toMatchObject({ accepted: true, family: 'ceb' });
    expect(cebSchemaProblems(answer.responseXml)).toBe('');
    const first = parseCeb(answer.responseXml);
    expect(first.messageType).toBe('CEB622');
    expect(first.sections).toHaveLength(10);
    const preNos = first.sections.map((x) => x.fields.preNo);
    expect(new Set(preNos).size).toBe(10);
    for (const p of preNos) expect(p).toMatch(/^B\d{8}\d{9}$/);
    expect(first.sections[0].fields).toEqual({
      guid: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94',
      customsCode: '3700',
      ebpCode: '1101110325',
      ebcCode: '1101110325',
      agentCode: '1105910159',
      copNo: 'NBBH20160308005',
      preNo: preNos[0],
      returnStatus: '2',
      returnTime: expect.stringMatching(/^\d{17}$/),
      returnInfo: '电子口岸申报中',
    });
    // the official sample declares five Inventories (appStatus 2) and saves five (appStatus 1, 暂存): those stop at 1
    expect(first.sections.map((x) => x.fields.returnStatus)).toEqual(['2', '1', '2', '1', '2', '1', '2', '1', '2', '1']);
    const declared = first.sections.filter((x) => x.fields.returnStatus === '2').map((x) => x.fields.preNo);
    const got = await runSandbox();
    for (const g of got) expect(cebSchemaProblems(g.body)).toBe('');
    const receipts = got.map((g) => parseCeb(g.body));
    expect(receipts.map((r) => [r.messageType, r.sections[0].fields.returnStatus])).toEqual([
      ['CEB622', '120'],
      ['CEB622', '800'],
    ]);
    // the same 预录入编号 on every receipt; the 清单编号 (关区 + 年 + I + 9位流水号) from 120 on
    for (const r of receipts) expect(r.sections.map((x) => x.fields.preNo)).toEqual(declared);
    const invtNos = receipts[0].sections.map((x) => x.fields.invtNo);
    expect(invtNos[0]).toMatch(/^3700\d{4}I\d{9}$/);
    expect(new Set(invtNos).size).toBe(5);
    expect(receipts[1].sections.map((x) => x.fields.invtNo)).toEqual(invtNos);
    expect(cebReceipts(receipts[1])[0].status).toMatchObject({ group: 'released' });
  });

  it.each([
    ['CEB411', 'CEB412', ['120', '399']],
    ['CEB511', 'CEB512', ['120', '399']],
    ['CEB513', 'CEB514', ['399']],
    ['CEB623', 'CEB624', ['120', '399']],
    ['CEB625', 'CEB626', ['120', '399']],
    ['CEB711', 'CEB712', ['120', '399']],
  ])('the official %s sample is answered %s: 2, then %j — every receipt valid against the XSD', async (declared, receipt, life) => {
    await world();
    // declared (appStatus 2): the CEB623 and CEB625 samples are 暂存
    const answer = await send(cebSample(declared).replaceAll('<ceb:appStatus>1<', '<ceb:appStatus>2<'), 'ceb');
    expect(answer).toMatchObject({ accepted: true, family: 'ceb' });
    const got = [answer.responseXml, ...(await runSandbox()).map((g) => g.body)];
    for (const xml of got) expect(cebSchemaProblems(xml)).toBe('');
    const receipts = got.map((xml) => parseCeb(xml));
    expect(receipts.map((r) => r.messageType)).toEqual(got.map(() => receipt));
    expect(receipts.map((r) => r.sections[0].fields.returnStatus)).toEqual(['2', ...life]);
    if (declared === 'CEB711') expect(receipts[1].sections[0].fields.rkdNo).toMatch(/^\d{8}I\d{9}$/);
  });

  it('the receipts of several CEB messages due together are issued as one set, each message’s in its order', async () => {
    await world();
    await send(ceb311, 'ceb');
    await send(cebSample('CEB411'), 'ceb');
    await send(cebSample('CEB511'), 'ceb');
    const got = await runSandbox();
    const seen = got.map((g) => parseCeb(g.body)).map((r) => `${r.messageType} ${r.sections[0].fields.returnStatus}`);
    expect([...seen].sort()).toEqual(['CEB312 120', 'CEB312 399', 'CEB412 120', 'CEB412 399', 'CEB512 120', 'CEB512 399']);
    for (const type of ['CEB312', 'CEB412', 'CEB512'])
      expect(seen.filter((x) => x.startsWith(type))).toEqual([`${type} 120`, `${type} 399`]);
    // one file stamp each, in issue order
    expect(new Set(got.map((g) => g.fileName)).size).toBe(6);
    for (const g of got) expect(cebSchemaProblems(g.body)).toBe('');
  });

  it('appStatus 1 (暂存): answered returnStatus 1 电子口岸已暂存 and nothing more', async () => {
    await world();
    const answer = await send(ceb311.replaceAll('<ceb:appStatus>2</ceb:appStatus>', '<ceb:appStatus>1</ceb:appStatus>'), 'ceb');
    expect(answer.accepted).toBe(true);
    expect(cebSchemaProblems(answer.responseXml)).toBe('');
    for (const r of parseCeb(answer.responseXml).sections)
      expect(r.fields).toMatchObject({ returnStatus: '1', returnInfo: '电子口岸已暂存' });
    expect(await runSandbox()).toEqual([]);
  });

  it('a CEB621 without the 企业内部编号 its CEB622 must carry back is refused CEB900, naming the field', async () => {
    await world();
    const answer = await send(cebSample('CEB621').replace('<ceb:copNo>NBBH20160308005</ceb:copNo>', '<ceb:copNo></ceb:copNo>'), 'ceb');
    expect(answer).toMatchObject({ accepted: false, family: 'ceb' });
    const [ret] = parseCeb(answer.responseXml).sections;
    expect(ret.fields.returnStatus).toBe('-1');
    expect(ret.fields.returnInfo).toBe('报文格式校验失败：Inventory[0].InventoryHead.copNo: 企业内部编号不能为空（CEB622回执须带回）');
    expect(await runSandbox()).toEqual([]);
  });

  it('scenarios: #退单 anywhere gives returnStatus -1 with the reason; a rule chooses its own path of returnStatus codes and reason', async () => {
    await world({
      paceMs: 0,
      scenario: parseScenario(
        [
          'rules:',
          '  - family: ceb',
          '    field: orderNo',
          '    equals: order-refused-by-customs',
          '    path: [120, 100]',
          '    reason: 订购人购买额度超限',
        ].join('\n'),
      ),
    });
    const refused = await send(ceb311.replace('<ceb:note>', '<ceb:note>#退单 '), 'ceb');
    expect(refused.accepted).toBe(true);
    const [r1] = (await runSandbox()).map((g) => parseCeb(g.body).sections[0].fields);
    expect(r1).toMatchObject({ returnStatus: '-1', returnInfo: '处理异常：订购人身份信息校验未通过' });
    expect(
      cebReceipts(
        parseCeb(
          buildCeb({
            messageType: 'CEB312',
            guid: 'x'.repeat(36),
            version: '1.0',
            sections: [{ name: 'OrderReturn', lists: [], fields: r1 }],
          }),
        ),
      )[0].status,
    ).toMatchObject({ group: 'failed' });
    await send(ceb311.replace(/<ceb:orderNo>[^<]*</, '<ceb:orderNo>order-refused-by-customs<'), 'ceb');
    const got = await runSandbox();
    for (const g of got) expect(cebSchemaProblems(g.body)).toBe('');
    expect(got.map((g) => parseCeb(g.body).sections[0].fields)).toMatchObject([
      { orderNo: 'order-refused-by-customs', returnStatus: '120', returnInfo: '海关入库' },
      { orderNo: 'order-refused-by-customs', returnStatus: '100', returnInfo: '海关退单：订购人购买额度超限' },
    ]);
    expect(() => parseScenario('rules: [{family: ceb, field: "*", contains: x, path: [120, 42]}]')).toThrow(
      /rules\.0\.path\.1: an unknown returnStatus code/,
    );
  });
});

describe('scenarios', () => {
  it('a scenario file chooses the path by field values and sets the pace; the defaults still apply after it', async () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'scenario.yaml');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        file,
        [
          'paceMs: 50',
          'rules:',
          '  - name: 黑名单',
          '    field: TradeCode',
          '    in: ["4403960002"]',
          '    path: [7, L, E]',
          '    paceMs: 10',
          '',
        ].join('\n'),
      );
      const s = await loadScenario(file);
      expect(declarationPlan(example, s)).toEqual({ path: [...REFUSAL_PATH], paceMs: 10, rule: '黑名单' });
      expect(
        declarationPlan(
          example.replace(/<TradeCode>4403960002</, '<TradeCode>4403960003<').replace(/<NoteS>([^<]*)</, '<NoteS>$1 #查验<'),
          s,
        ).path,
      ).toEqual(['7', 'L', 'C', 'P', 'R']);
      expect(() => parseScenario('rules:\n  - field: NoteS\n    contains: x\n    path: [7, Q9]\n', 'bad.yaml')).toThrow(
        /bad\.yaml: rules\.0\.path\.1: an unknown CHANNEL code/,
      );
      expect(() => parseScenario('rules:\n  - field: NoteS\n    path: [7]\n')).toThrow(/contains, equals or in/);
    } finally {
      t.cleanup();
    }
  });

  it('the API issues a chosen receipt on a chosen declaration now; another enterprise’s declaration is not found', async () => {
    await world();
    const at = w.now().toISOString();
    await w.deps.store.declarations.insert({
      seqNo: 'E20260000000000077',
      clientSeqNo: 'C1',
      senderClientId: w.broker.clientId,
      senderEnterprise: '4403980001',
      tradeCode: '4403960002',
      ownerCode: '4403960002',
      agentCode: '4403980001',
      ieFlag: 'I',
      customMaster: '5300',
      entryId: '',
      channel: '',
      messageId: 'M77',
      icCode: '',
      typistNo: '',
      xml: example,
      declaredAt: at,
      updatedAt: at,
    });
    const r = await w.call(w.owner, 'POST', '/api/v1/sandbox/declarations/E20260000000000077/receipts', {
      channel: 'H',
      note: '挂起：请到现场办理',
    });
    expect(r.status).toBe(201);
    const [got] = await runSandbox();
    expect(got.body).toContain('<CHANNEL>H</CHANNEL>');
    expect(got.body).toContain('挂起：请到现场办理');
    expect(
      (await w.call(w.owner, 'POST', '/api/v1/sandbox/declarations/E20260000000000077/receipts', { channel: 'Q9' })).body.error.code,
    ).toBe('OSW_SANDBOX_CHANNEL_UNKNOWN');
    await w.deps.store.declarations.insert({
      seqNo: 'E20260000000000078',
      clientSeqNo: 'C2',
      senderClientId: w.broker.clientId,
      senderEnterprise: '4403980001',
      tradeCode: '4403980001',
      ownerCode: '4403980001',
      agentCode: '4403980001',
      ieFlag: 'I',
      customMaster: '5300',
      entryId: '',
      channel: '',
      messageId: 'M78',
      icCode: '',
      typistNo: '',
      xml: example,
      declaredAt: at,
      updatedAt: at,
    });
    expect((await w.call(w.owner, 'POST', '/api/v1/sandbox/declarations/E20260000000000078/receipts', { channel: 'P' })).status).toBe(404);
  });

  it('a manual change request is approved by the sandbox once its delay has passed, and only once', async () => {
    await world({ paceMs: 0, manualApprovalMs: 5000 });
    const r = await w.call(w.owner, 'POST', `/api/v1/sandbox/manuals/${MANUAL_NO}/changes`, {
      head: { validUntil: '2028-12-31' },
      items: [{ kind: 'img', action: 'add', code: '8541100000', name: '二极管', unit: '007', quantity: '1000' }],
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'pending', version: null, autoApprove: true });
    await runSandbox();
    expect((await w.call(w.owner, 'GET', `/api/v1/sandbox/manuals/${MANUAL_NO}/changes`)).body.items[0].status).toBe('pending');
    w.advance(5000);
    await runSandbox();
    const changes = (await w.call(w.owner, 'GET', `/api/v1/sandbox/manuals/${MANUAL_NO}/changes`)).body.items;
    expect(changes[0]).toMatchObject({ status: 'approved', version: 2 });
    const manual = (await w.call(w.owner, 'GET', `/api/v1/sandbox/manuals/${MANUAL_NO}`)).body;
    expect(manual).toMatchObject({ version: 2, head: { validUntil: '2028-12-31' } });
    expect(manual.items.find((i: { kind: string; serial: number }) => i.kind === 'img' && i.serial === 31)).toMatchObject({
      name: '二极管',
    });
    expect((await w.call(w.owner, 'POST', `/api/v1/sandbox/manual-changes/${changes[0].id}/approve`)).body.error.code).toBe(
      'OSW_SANDBOX_CHANGE_DECIDED',
    );
    const bad = await w.call(w.owner, 'POST', `/api/v1/sandbox/manuals/${MANUAL_NO}/changes`, {
      items: [{ kind: 'exg', action: 'modify', serial: 99, quantity: '1' }],
    });
    expect(bad.body.error.code).toBe('OSW_VALIDATION');
    expect((await w.call(w.broker, 'POST', `/api/v1/sandbox/manuals/${MANUAL_NO}/changes`, { items: [] })).status).toBe(404);
  });

  it('lists the enterprise’s own manuals with their version and 料件/成品 row counts; others see none', async () => {
    await world({ paceMs: 0 });
    const before = (await w.call(w.owner, 'GET', '/api/v1/sandbox/manuals')).body;
    expect(before.items.map((m: { manualNo: string }) => m.manualNo)).toEqual([MANUAL_NO]);
    const { imgCount, exgCount, version } = before.items[0];
    expect(imgCount).toBeGreaterThan(0);
    expect(exgCount).toBeGreaterThan(0);
    const r = await w.call(w.owner, 'POST', `/api/v1/sandbox/manuals/${MANUAL_NO}/changes`, {
      items: [{ kind: 'exg', action: 'add', code: '8541100000', name: '整机', unit: '007', quantity: '10' }],
      autoApprove: false,
    });
    expect((await w.call(w.owner, 'POST', `/api/v1/sandbox/manual-changes/${r.body.id}/approve`)).body).toMatchObject({
      status: 'approved',
      version: version + 1,
    });
    expect((await w.call(w.owner, 'GET', '/api/v1/sandbox/manuals')).body.items[0]).toMatchObject({
      manualNo: MANUAL_NO,
      version: version + 1,
      imgCount,
      exgCount: exgCount + 1,
    });
    expect((await w.call(w.broker, 'GET', '/api/v1/sandbox/manuals')).body).toEqual({ items: [], total: 0 });
  });
});
