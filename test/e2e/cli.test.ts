/** The `osw` command as a user runs it. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeCardFile } from '@osw/client';
import { buildManifestResponse, checkDeclarationValues, generateCardKeys, parseDecMessage } from '@osw/messages';
import { EXAMPLES, FIXTURES, tempDir, waitFor } from '../helpers.js';

const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');

describe('osw command line', () => {
  it('osw message inspect reads every real fixture and prints one JSON object', () => {
    for (const f of readdirSync(FIXTURES)) {
      const r = spawnSync(process.execPath, [OSW, 'message', 'inspect', path.join(FIXTURES, f)], { encoding: 'utf8' });
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.family).toMatch(/^(declaration|declaration-receipt|sas|manifest|ceb|import-response|failure)$/);
      expect(typeof j.root).toBe('string');
      expect(typeof j.messageType).toBe('string');
      expect(typeof j.keys).toBe('object');
    }
  });

  it('osw message inspect gives exit code 2 and a clear message for what it cannot read', () => {
    const t = tempDir();
    try {
      const r = spawnSync(process.execPath, [OSW, 'message', 'inspect', '/nonexistent/file.xml'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('cannot read /nonexistent/file.xml');
      const r2 = spawnSync(process.execPath, [OSW, 'message', 'inspect', path.join(FIXTURES, '..', '..', 'DESIGN.md')], {
        encoding: 'utf8',
      });
      expect(r2.status).toBe(2);
      expect(r2.stderr).toContain('[C902]');
    } finally {
      t.cleanup();
    }
  });

  it('osw message validate prints every problem and exits 1; a clean message exits 0', () => {
    const t = tempDir();
    try {
      const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
      const ok = spawnSync(process.execPath, [OSW, 'message', 'validate', path.join(EXAMPLES, 'declaration.xml')], { encoding: 'utf8' });
      expect(ok.status).toBe(0);
      expect(ok.stdout).toContain('no problems');
      const bad = path.join(t.dir, 'bad.xml');
      writeFileSync(
        bad,
        example.replace('<IEFlag>I</IEFlag>', '<IEFlag>X</IEFlag>').replace('<TradeCode>4403960002</TradeCode>', '<TradeCode></TradeCode>'),
      );
      const r = spawnSync(process.execPath, [OSW, 'message', 'validate', '--json', bad], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['DecHead.IEFlag', 'DecHead.TradeCode']));
    } finally {
      t.cleanup();
    }
  });

  it('osw message validate reports the code-table and number problems the sandbox refuses a declaration for', () => {
    const t = tempDir();
    try {
      const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
      const bad = path.join(t.dir, 'bad.xml');
      const xml = example
        .replace('<TradeMode>0110</TradeMode>', '<TradeMode>9876</TradeMode>')
        .replace(/<GrossWet>[^<]*<\/GrossWet>/, '<GrossWet>abc</GrossWet>')
        .replace('<TradeCurr>USD</TradeCurr>', '<TradeCurr>XYZ</TradeCurr>');
      writeFileSync(bad, xml);
      const r = spawnSync(process.execPath, [OSW, 'message', 'validate', bad], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('3 problem(s)');
      expect(r.stdout).toContain('DecHead.TradeMode: 监管方式(TradeMode)[9876]不在监管方式代码表中');
      expect(r.stdout).toContain('DecHead.GrossWet: 毛重(GrossWet)须为非负数字，实为[abc]');
      expect(r.stdout).toContain(
        'DecLists.DecList[1].TradeCurr: 币制(TradeCurr)[XYZ]不在货币代码表中 (TradeCurr XYZ is not in the currencies table',
      );
      // the same problems the import refuses with
      const json = JSON.parse(spawnSync(process.execPath, [OSW, 'message', 'validate', '--json', bad], { encoding: 'utf8' }).stdout);
      expect(json.problems).toEqual(checkDeclarationValues(parseDecMessage(xml)));
    } finally {
      t.cleanup();
    }
  });

  it('osw message validate reports a manifest’s elements out of schema order and empty elements (FAQ 17); the real MT2101 has none', () => {
    const t = tempDir();
    try {
      const real = path.join(FIXTURES, 'mft_MT2101_manifest_unresolved_repo.xml');
      const ok = spawnSync(process.execPath, [OSW, 'message', 'validate', real], { encoding: 'utf8' });
      expect(ok.status, ok.stdout).toBe(0);
      const mt2101 = readFileSync(real, 'utf8');
      const bad = path.join(t.dir, 'mt2101.xml');
      writeFileSync(
        bad,
        mt2101
          .replace('<ID>CL12</ID>\n      <Name>OOOO</Name>', '<Name>OOOO</Name>\n      <ID>CL12</ID>')
          .replace('<PostcodeID>010000</PostcodeID>', '<PostcodeID> </PostcodeID>'),
      );
      const r = spawnSync(process.execPath, [OSW, 'message', 'validate', bad], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('2 problem(s)');
      expect(r.stdout).toContain('Declaration.BorderTransportMeans.ID: 元素顺序不符合报文格式(XSD)：ID须在Name之前');
      expect(r.stdout).toContain(
        'Declaration.Consignment.DeliveryDestination.PostcodeID: PostcodeID的值为空(不填的元素须删去，不能留空元素)',
      );
    } finally {
      t.cleanup();
    }
  });

  it('osw message inspect shows an INV211 记账回执 with its 清单预录入统一编号 and 企业内部清单编号', () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'INV211.xml');
      // the form customs sends: bare Package in the xmldsig namespace, camelCase business fields
      writeFileSync(
        file,
        `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Package xmlns="http://www.w3.org/2000/09/xmldsig#">
  <EnvelopInfo><version>1.0</version><message_id>CUS0000E0100002024072707410800877650546</message_id>
    <file_name>CUS0000E0100002024072707410800877650546.INV</file_name><message_type>INV211</message_type>
    <sender_id>CUS0000</sender_id><receiver_id>E010000</receiver_id><send_time>2024-07-27T07:41:08</send_time></EnvelopInfo>
  <DataInfo>
    <PocketInfo><pocket_id>QD311124I000067486-1</pocket_id><total_pocket_qty>1</total_pocket_qty><cur_pocket_no>1</cur_pocket_no><is_unstructured></is_unstructured></PocketInfo>
    <BussinessData><INV211>
      <BondInvtBsc><bondInvtNo>QD311124I000067486</bondInvtNo><chgTmsCnt>0</chgTmsCnt><invtPreentNo>202400000122403239</invtPreentNo>
        <putrecNo>T3111W000076</putrecNo><etpsInnerInvtNo>临海43447305</etpsInnerInvtNo><rltEntryNo>311120240619961023</rltEntryNo></BondInvtBsc>
      <BwsDt><bwsNo>T3111W000076</bwsNo><gdsSeqno>2255</gdsSeqno><invtNo>QD311124I000067486</invtNo></BwsDt>
    </INV211></BussinessData>
  </DataInfo>
</Package>
`,
      );
      const r = spawnSync(process.execPath, [OSW, 'message', 'inspect', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ family: 'sas', messageType: 'INV211' });
      expect(j.keys).toMatchObject({
        bondInvtNo: 'QD311124I000067486',
        invtPreentNo: '202400000122403239',
        etpsInnerInvtNo: '临海43447305',
        putrecNo: 'T3111W000076',
        rltEntryNo: '311120240619961023',
      });
    } finally {
      t.cleanup();
    }
  });

  it('osw message validate checks a customs reply as a reply: the sandbox MTRES4, also to an MT5101, has no problems', () => {
    const t = tempDir();
    try {
      for (const type of ['MT2101', 'MT5101']) {
        const file = path.join(t.dir, `reply-${type}.xml`);
        // as the sandbox writes it: the manifest's Head echoed, SenderID EPORT, Response with the statement
        writeFileSync(
          file,
          buildManifestResponse({
            head: {
              MessageID: `CN_${type}_1p1_4201101115245_20180903113640022`,
              FunctionCode: '9',
              MessageType: type,
              SenderID: 'EPORT',
              ReceiverID: '4201101115245_DXPESW0000003241',
              SendTime: '20261130221812362',
              Version: '1.0',
            },
            responseType: { Code: '01', Text: '海关接受申报' },
            statementCode: '01',
            statementDescription: '海关接受申报',
          }),
        );
        const r = spawnSync(process.execPath, [OSW, 'message', 'validate', file], { encoding: 'utf8' });
        expect(r.stdout).toBe(`${file}: manifest MTRES4: no problems\n`);
        expect(r.status).toBe(0);
      }
      const noStatement = path.join(t.dir, 'no-statement.xml');
      writeFileSync(noStatement, buildManifestResponse({ head: { MessageID: 'M1', FunctionCode: '11', MessageType: 'MT5101' } }));
      const bad = spawnSync(process.execPath, [OSW, 'message', 'validate', '--json', noStatement], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(JSON.parse(bad.stdout).problems.map((p: { path: string }) => p.path)).toEqual([
        'Head.SenderID',
        'Head.ReceiverID',
        'Head.SendTime',
        'Head.Version',
        'Response',
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('osw message validate refuses an INV101 whose DclEtpsSccd has 17 characters', () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'inv101.xml');
      const original = readFileSync(path.join(FIXTURES, 'npts_SentBox_INV101_Signature_Package.xml'), 'utf8');
      writeFileSync(
        file,
        original.replace('<DclEtpsSccd>914419007962277606</DclEtpsSccd>', '<DclEtpsSccd>91441900796227760</DclEtpsSccd>'),
      );
      const r = spawnSync(process.execPath, [OSW, 'message', 'validate', file], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('1 problem(s)');
      expect(r.stdout).toContain(
        'InvtHeadType.DclEtpsSccd: DclEtpsSccd须为18位统一社会信用代码 (DclEtpsSccd must be an 18-character USCC)',
      );
    } finally {
      t.cleanup();
    }
  });

  it('osw message sign with a card file, then verify: ok; after tampering: exit 1', async () => {
    const t = tempDir();
    try {
      const cardFile = path.join(t.dir, 'card.json');
      await writeCardFile(cardFile, {
        cardNo: '8950000000002',
        kind: 'operator',
        enterpriseCode: '4403980001',
        ...(await generateCardKeys('12345678')),
      });
      const signedFile = path.join(t.dir, 'signed.xml');
      const s = spawnSync(
        process.execPath,
        [OSW, 'message', 'sign', path.join(EXAMPLES, 'declaration.xml'), '--card', cardFile, '--out', signedFile],
        { encoding: 'utf8', env: { ...process.env, OSW_CARD_PIN: '12345678' } },
      );
      expect(s.status, s.stderr).toBe(0);
      const v = spawnSync(process.execPath, [OSW, 'message', 'verify', signedFile, '--card', cardFile], { encoding: 'utf8' });
      expect(v.status).toBe(0);
      expect(JSON.parse(v.stdout)).toMatchObject({ family: 'declaration', ok: true });
      writeFileSync(signedFile, readFileSync(signedFile, 'utf8').replace('<NetWt>2371</NetWt>', '<NetWt>2372</NetWt>'));
      const v2 = spawnSync(process.execPath, [OSW, 'message', 'verify', signedFile, '--card', cardFile], { encoding: 'utf8' });
      expect(v2.status).toBe(1);
      const wrong = spawnSync(
        process.execPath,
        [OSW, 'message', 'sign', path.join(EXAMPLES, 'declaration.xml'), '--card', cardFile, '--pin', '00000000'],
        { encoding: 'utf8' },
      );
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toContain('[C134]');
    } finally {
      t.cleanup();
    }
  });

  it('osw demo starts, prints the tour, writes demo.json and stops cleanly on SIGINT', async () => {
    const t = tempDir();
    const child = spawn(process.execPath, [OSW, 'demo', '--home', t.dir, '--port', '0', '--pace-ms', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('Ctrl+C stops'), 'the tour', 30_000);
      expect(out).toContain('demo is running');
      const contract = JSON.parse(readFileSync(path.join(t.dir, 'demo.json'), 'utf8'));
      expect(out).toContain(contract.platformUrl);
      const health = await fetch(`${contract.platformUrl}/api/v1/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const page = await fetch(`${contract.platformUrl}/`);
      expect(await page.text()).toContain('单一窗口');
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(existsSync(path.join(t.dir, 'logs', 'osw.log'))).toBe(true);
      const log = readFileSync(path.join(t.dir, 'logs', 'osw.log'), 'utf8');
      const state = JSON.parse(readFileSync(path.join(t.dir, 'demo-state.json'), 'utf8'));
      for (const c of state.clients) expect(log).not.toContain(c.secret);
      for (const k of state.cards) expect(log).not.toContain(`"${k.pin}"`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      t.cleanup();
    }
  });
});
