/** The customs sandbox: 金关二期 and manifest families on the exchange, scenario rules, chosen receipts, manual approvals. */
import { acknowledgeDeliveries, takeDeliveries } from '../src/core/exchange/outbound.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSasPackage,
  emptySasSignature,
  leaf,
  node,
  parseCommonResponse,
  parseManifestResponse,
  parsePlatImpRet,
  parseSasPackage,
  recordNode,
  sasReceiptFrom,
  validateMessage,
} from '@osw/messages';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, tempDir } from '../../../test/helpers.js';
import { importMessage } from '../src/core/exchange/accept.js';
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
const mt2101 = readFileSync(path.join(FIXTURES, 'mft_MT2101_manifest_unresolved_repo.xml'), 'utf8');

function sas121(rmk = '') {
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
    business: [
      node('PassportMessage', [recordNode('SasPassportBsc', { EtpsPreentNo: '粤B12345', MasterCuscd: '5300', IoTypecd: 'E', Rmk: rmk })]),
      leaf('DelcareFlag', '1'),
    ],
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

async function send(body: string | Buffer, business: string) {
  const client = (await w.deps.store.clients.get(w.broker.clientId))!;
  return importMessage(w.deps, sandbox, {
    client,
    messageId: `${client.clientId}2026112110000000${String(++n).padStart(5, '0')}`,
    fileName: `m${n}.xml`,
    business,
    body: Buffer.from(body),
  });
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
    expect(r1.fileName).toMatch(new RegExp(`^Receipt_${resp.head.MessageID}_\\d{21}\\.xml$`));
    // the sandbox's replies pass `osw message validate` as replies
    expect(validateMessage(r1.body)).toMatchObject({ family: 'manifest', messageType: 'MTRES4', rulesApplied: true, problems: [] });
    expect(validateMessage(ok.responseXml)).toMatchObject({ messageType: 'PlatImpRet', rulesApplied: true, problems: [] });
    await send(
      mt2101
        .replace(/<\/Head>/, '</Head>')
        .replace(/(<(?:\w+:)?Declaration>)/, '$1<AdditionalInformation><Content>#退单</Content></AdditionalInformation>'),
      'manifest-sea-air',
    );
    expect(parseManifestResponse((await runSandbox())[0].body)).toMatchObject({ statementCode: '03', outcome: { group: 'refused' } });
    const noType = await send(mt2101.replace(/<(\w+:)?MessageType>[^<]*<\/(\w+:)?MessageType>/, ''), 'manifest-sea-air');
    expect(noType.accepted).toBe(false);
    expect(parsePlatImpRet(noType.responseXml).manifest.statementCode).toBe('-900517');
    expect(validateMessage(noType.responseXml).problems).toEqual([]);
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
