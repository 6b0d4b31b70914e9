/**
 * The sandbox refuses as customs does, seen through the folder interface a user has: a file dropped in
 * a business's OutBox, the client sends it to a real platform, the answer lands in the InBox. Manifests
 * out of schema order or with empty elements (FAQ 17), a declaration's unknown 国内口岸 (EntyPortCode),
 * an SAS121 核放单 with another enterprise's 海关十位 or an unknown card (FAQ 19, 20).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClient, type ClientConfigInput, type RunningClient } from '@osw/client';
import {
  buildSasPackage,
  emptySasSignature,
  leaf,
  node,
  parseCommonResponse,
  parseDecImportResponse,
  parseFailureRoot,
  parseManifestResponse,
  parsePlatImpRet,
  recordNode,
} from '@osw/messages';
import { EXAMPLES, FIXTURES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { platformWorld, silent, type World } from '../support/platform-world.js';

const mt2101 = readFileSync(path.join(FIXTURES, 'mft_MT2101_manifest_unresolved_repo.xml'), 'utf8');
/** The real MT2101 with Consignor moved before Consignee and an empty GrossVolumeMeasure. */
const consignee = /<Consignee>[\s\S]*?<\/Consignee>\s*/.exec(mt2101)![0];
const badMt2101 = mt2101
  .replace(consignee, '')
  .replace(/(<\/Consignor>\s*)/, `$1${consignee}`)
  .replace('<GrossVolumeMeasure>9</GrossVolumeMeasure>', '<GrossVolumeMeasure></GrossVolumeMeasure>');
const ORDER = 'Declaration.Consignment.Consignee: 元素顺序不符合报文格式(XSD)：Consignee须在Consignor之前';
const EMPTY = 'Declaration.Consignment.GrossVolumeMeasure: GrossVolumeMeasure的值为空(不填的元素须删去，不能留空元素)';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
let sasN = 0;

/** An SAS121 核放单 as an ERP writes it (PassPortMessage/PassportHead), unsigned: the client sends packages as they are. */
function sas121(head: Record<string, string>, operCusRegCode: string): string {
  return buildSasPackage({
    messageType: 'SAS121',
    envelope: {
      version: '1.0',
      business_id: '',
      message_id: `SAS121E2E${String(++sasN).padStart(5, '0')}`,
      file_name: 'SAS121E2E.SAS',
      message_type: 'SAS121',
      sender_id: 'DXPESW5300000001',
      receiver_id: 'DXPEDCSAS0000001',
      send_time: '2026-11-21T10:00:00',
    },
    pocket: null,
    business: [
      node('PassPortMessage', [
        leaf('OperCusRegCode', operCusRegCode),
        recordNode('PassportHead', { EtpsPreentNo: '粤B12345', MasterCuscd: '5300', IoTypecd: 'E', ...head }),
      ]),
      leaf('DelcareFlag', '1'),
    ],
    packageAttrs: {},
    signature: emptySasSignature(),
  });
}

describe('customs refusals through the folders (OutBox → platform → InBox)', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  const running: RunningClient[] = [];
  const start = async (cfg: ClientConfigInput) => {
    const c = await startClient(cfg, { logger: silent, lockDir: path.join(t.dir, 'locks') });
    running.push(c);
    return c;
  };
  const folder = (cfg: ClientConfigInput, bizId: string, box: 'OutBox' | 'InBox' | 'FailBox' | 'SentBox') =>
    path.join(cfg.impPath, bizId, box);
  const answer = async (cfg: ClientConfigInput, bizId: string, prefix: string) => {
    const inBox = folder(cfg, bizId, 'InBox');
    const name = await waitFor(() => filesBelow(inBox).find((x) => x.startsWith(prefix)), `${bizId}/InBox/${prefix}`);
    return readFileSync(path.join(inBox, name), 'utf8');
  };

  beforeAll(async () => {
    t = tempDir('osw-refusals-');
    w = await platformWorld(t.dir, { paceMs: 50 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop(0)));
  });
  afterAll(async () => {
    await w?.stop();
    t?.cleanup();
  });

  it('FAQ 17: a manifest out of schema order with an empty element comes back Failed_ PlatImpRet E2 naming both; the real MT2101 gets E1 and customs’ 01', async () => {
    const cfg = w.config({}, 'manifest');
    await start(cfg);
    writeFileSync(path.join(folder(cfg, 'Manifest', 'OutBox'), 'bad.xml'), badMt2101);
    const failed = parsePlatImpRet(await answer(cfg, 'Manifest', 'Failed_bad_')).manifest;
    expect(failed.statementCode).toBe('E2');
    expect(failed.statementDescription).toBe(`数据中心入库失败：${ORDER.replace(': ', ' ')}；${EMPTY.replace(': ', ' ')}`);

    writeFileSync(path.join(folder(cfg, 'Manifest', 'OutBox'), 'good.xml'), mt2101);
    expect(parsePlatImpRet(await answer(cfg, 'Manifest', 'Successed_good_')).manifest.statementCode).toBe('E1');
    expect(parseManifestResponse(await answer(cfg, 'Manifest', 'Receipt_')).statementCode).toBe('01');
  });

  it('validateBeforeSend on manifests: the same file goes to FailBox at once with C914 listing every problem, and is never sent', async () => {
    const cfg = w.config({ businesses: { 'manifest-sea-air': { validateBeforeSend: true } } }, 'manifest-validate');
    await start(cfg);
    writeFileSync(path.join(folder(cfg, 'Manifest', 'OutBox'), 'bad.xml'), badMt2101);
    const root = parseFailureRoot(await answer(cfg, 'Manifest', 'Failed_bad_'));
    expect(root.failCode).toBe('C914');
    expect(root.failInfo).toContain('共2项');
    expect(root.failInfo).toContain(ORDER);
    expect(root.failInfo).toContain(EMPTY);
    await waitFor(() => filesBelow(folder(cfg, 'Manifest', 'FailBox')).length === 1, 'the file in FailBox');
    expect(filesBelow(folder(cfg, 'Manifest', 'SentBox'))).toEqual([]);
  });

  it('a declaration whose EntyPortCode is not in the 国内口岸代码表 comes back Failed_ DecImportResponse ResponseCode 1 naming it', async () => {
    const cfg = w.config({}, 'enty-port');
    await start(cfg);
    const bad = withClientSeqNo(example).replace(/<EntyPortCode>[^<]*<\/EntyPortCode>/, '<EntyPortCode>470299</EntyPortCode>');
    expect(bad).toContain('<EntyPortCode>470299</EntyPortCode>');
    writeFileSync(path.join(folder(cfg, 'DecCus001', 'OutBox'), 'port.xml'), bad);
    const resp = parseDecImportResponse(await answer(cfg, 'DecCus001', 'Failed_port_'));
    expect(resp.responseCode).toBe('1');
    expect(resp.errorMessage).toBe(
      '导入失败：01暂存的业务报文格式数据不正确!DecHead.EntyPortCode: 入境口岸/离境口岸(EntyPortCode)[470299]不在国内口岸代码表中',
    );
  });

  it('FAQ 19/20 on an SAS121 核放单: another enterprise’s 海关十位 or an unknown card comes back Failed_ CommonResponeMessage DealFlag -1', async () => {
    const cfg = w.config({}, 'sas121');
    await start(cfg);
    writeFileSync(path.join(folder(cfg, 'Sas', 'OutBox'), 'foreign.xml'), sas121({ InputCode: '4403960002' }, '4403960002'));
    const foreign = parseCommonResponse(await answer(cfg, 'Sas', 'Failed_foreign_'));
    expect(foreign).toMatchObject({
      dealFlag: '-1',
      checkInfo:
        '报文类型为SAS121，操作卡海关十位和Session中的不相符：PassportHead.InputCode[4403960002]不是IC卡所属企业[4403980001]；' +
        '操作卡海关十位和Session中的不相符：PassPortMessage.OperCusRegCode[4403960002]不是IC卡所属企业[4403980001]',
    });
    writeFileSync(
      path.join(folder(cfg, 'Sas', 'OutBox'), 'card.xml'),
      sas121({ IcCardNo: '8930000083638', InputCode: '4403980001' }, '4403980001'),
    );
    expect(parseCommonResponse(await answer(cfg, 'Sas', 'Failed_card_')).checkInfo).toBe(
      '报文类型为SAS121，非白名单用户或者ic卡号不合法：IC卡[8930000083638]不存在或不属于发送企业[4403980001]',
    );
    // the broker's own 海关十位 passes and is given a 预录入统一编号
    writeFileSync(path.join(folder(cfg, 'Sas', 'OutBox'), 'own.xml'), sas121({ InputCode: '4403980001' }, '4403980001'));
    expect(parseCommonResponse(await answer(cfg, 'Sas', 'Successed_own_')).dealFlag).toBe('0');
  });
});
